"""The reproducible sample of proofs of use checked in detail (§ 44 Abs. 2 SäHO: at least
50 % where the grant is paid from Land funds only)."""

import hashlib
import math
from decimal import Decimal
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.errors import InvalidInput
from grants.core.sampling import select_sample

D = Decimal
CASES = [f"LIfD-2025-{number:04d}" for number in range(1, 21)]


@pytest.mark.parametrize(
    ("n", "share", "size"),
    [
        (0, "0.5", 0),
        (1, "0.5", 1),  # 0.5 → 1: a single case is always checked
        (2, "0.5", 1),
        (7, "0.5", 4),  # 3.5 → 4 (57 %), never 3 (43 %)
        (10, "0.5", 5),
        (10, "0.3", 3),
        (10, "0.31", 4),  # 3.1 → 4
        (3, "1", 3),
        (1, "0.01", 1),
    ],
)
def test_the_size_is_rounded_up_so_the_share_is_a_minimum(n: int, share: str, size: int) -> None:
    """ceil(share × n): 7 × 0.5 = 3.5 → 4; 10 × 0.31 = 3.1 → 4; 1 × 0.01 → 1."""
    sample = select_sample(CASES[:n], seed="s", share=D(share))
    assert len(sample.selected) == size
    assert len(sample.selected) >= D(share) * n
    assert sample.population == n


def test_selected_and_not_selected_split_the_cases_sorted() -> None:
    sample = select_sample(list(reversed(CASES)), seed="2025-VN")
    assert set(sample.selected) | set(sample.not_selected) == set(CASES)
    assert not set(sample.selected) & set(sample.not_selected)
    assert list(sample.selected) == sorted(sample.selected)
    assert list(sample.not_selected) == sorted(sample.not_selected)
    assert (sample.seed, sample.share) == ("2025-VN", D("0.5"))


def test_anyone_can_redo_the_draw_from_the_method() -> None:
    """The method text says: rank by SHA-256 of "<seed>:<case id>" ascending, take the first
    ceil(share × n). Recomputed here independently from that description."""
    seed = "Ziehung 2025-03-01"
    sample = select_sample(CASES, seed=seed)
    ranked = sorted(CASES, key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).hexdigest())
    assert sample.selected == tuple(sorted(ranked[:10]))
    assert "SHA-256" in sample.method.de
    assert "SHA-256" in sample.method.en
    assert seed in sample.method.de
    assert seed in sample.method.en
    assert "10 von 20" in sample.method.de
    assert sample.method_code == "sha256-rank-v1"


def test_a_pinned_draw_stays_the_same_across_versions() -> None:
    """A recorded audit entry must stay redoable: these draws are fixed for good (a change of
    the procedure needs a new ``method_code``)."""
    assert select_sample(["E", "D", "C", "B", "A"], seed="seed").selected == ("B", "C", "D")
    assert select_sample(CASES, seed="a").selected == tuple(
        f"LIfD-2025-{number:04d}" for number in (1, 2, 7, 9, 11, 12, 13, 15, 18, 19)
    )


def test_redo_gives_the_same_and_another_seed_another_sample() -> None:
    first = select_sample(CASES, seed="a")
    assert select_sample(CASES, seed="a") == first
    assert select_sample(CASES, seed="b").selected != first.selected


@pytest.mark.parametrize("share", ["0", "-0.5", "1.01", "NaN"])
def test_the_share_must_be_in_zero_to_one(share: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        select_sample(CASES, seed="s", share=D(share))
    assert [p.rule for p in caught.value.problems] == ["share_range"]


def test_an_empty_seed_and_duplicates_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        select_sample(["A", "B", "A"], seed="")
    assert {(p.field, p.rule) for p in caught.value.problems} == {
        ("seed", "required"),
        ("case_ids", "unique"),
    }


case_sets = st.lists(
    st.text(alphabet="ABCDEFGHIJ0123456789-", min_size=1, max_size=8), unique=True, max_size=60
)
shares = st.integers(min_value=1, max_value=100).map(lambda p: D(p).scaleb(-2))


@given(case_sets, shares, st.text(min_size=1, max_size=12), st.randoms())
def test_size_is_ceil_and_order_does_not_matter(
    cases: list[str], share: Decimal, seed: str, random: Random
) -> None:
    sample = select_sample(cases, seed=seed, share=share)
    assert len(sample.selected) == math.ceil(share * len(cases))
    shuffled = list(cases)
    random.shuffle(shuffled)
    assert select_sample(shuffled, seed=seed, share=share) == sample


@given(case_sets, st.text(min_size=1, max_size=12))
def test_the_default_is_at_least_half(cases: list[str], seed: str) -> None:
    sample = select_sample(cases, seed=seed)
    assert 2 * len(sample.selected) >= len(cases)
    assert 2 * len(sample.selected) <= len(cases) + 1
