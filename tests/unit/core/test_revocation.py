"""Revocation and withdrawal, pure (``core.revocation``): what a hearing and a decision must
state, when the hearing is concluded, the one-year limit, and how the new grant is spread
over the fiscal years — what is freed and what is reclaimed."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.errors import FieldProblem
from grants.core.revocation import (
    RevocationInput,
    allocate,
    decision_problems,
    hearing_concluded,
    hearing_problems,
    one_year_limit,
)

TODAY = date(2027, 6, 1)
D = Decimal


def _rules(problems: list[FieldProblem]) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in problems}


def test_a_hearing_states_facts_a_reduction_and_a_fair_period() -> None:
    assert (
        hearing_problems(
            facts="Zweck verfehlt",
            intended_grant=D("0"),
            current_grant=D("100"),
            respond_by=date(2027, 6, 15),
            today=TODAY,
        )
        == []
    )
    assert _rules(
        hearing_problems(
            facts=" ",
            intended_grant=D("100"),
            current_grant=D("100"),
            respond_by=date(2027, 6, 14),
            today=TODAY,
        )
    ) == {("facts", "required"), ("intended_grant", "not_a_reduction"), ("respond_by", "too_short")}


def test_the_hearing_is_concluded_by_a_comment_or_after_its_day() -> None:
    day = date(2027, 6, 30)
    assert not hearing_concluded(respond_by=day, responses=0, today=day)
    assert hearing_concluded(respond_by=day, responses=0, today=date(2027, 7, 1))
    assert hearing_concluded(respond_by=day, responses=1, today=TODAY)


@pytest.mark.parametrize(
    ("known", "last"),
    [
        (date(2027, 3, 15), date(2028, 3, 15)),
        (date(2028, 2, 29), date(2029, 2, 28)),  # no 29 February: its month's last day
    ],
)
def test_the_one_year_limit(known: date, last: date) -> None:
    assert one_year_limit(known) == last


def _decision(**kw: object) -> RevocationInput:
    values: dict[str, object] = {
        "new_grant": D("40000.00"),
        "effective_from": date(2027, 5, 1),
        "reasons": ["Zweck verfehlt"],
        "discretion": "Regelfall",
        "response_weighed": "",
        **kw,
    }
    return RevocationInput(**values)  # type: ignore[arg-type]


def _problems(data: RevocationInput, **kw: object) -> set[tuple[str, str]]:
    facts: dict[str, object] = {
        "current_grant": D("100000.00"),
        "granted_on": date(2027, 1, 10),
        "facts_known_on": date(2027, 4, 1),
        "responses": 0,
        "decision_date": TODAY,
        **kw,
    }
    return _rules(decision_problems(data, **facts))  # type: ignore[arg-type]


def test_a_complete_decision_passes() -> None:
    assert _problems(_decision()) == set()
    assert _problems(_decision(effective_from=date(2027, 1, 10))) == set()  # retroactive


def test_every_decision_problem_is_named() -> None:
    data = _decision(
        new_grant=D("100000.00"),
        effective_from=date(2027, 6, 2),
        reasons=[" "],
        discretion="",
    )
    assert _problems(data, responses=1, facts_known_on=date(2026, 5, 31)) == {
        ("new_grant", "not_a_reduction"),
        ("effective_from", "out_of_range"),
        ("reasons", "required"),
        ("discretion", "required"),
        ("response_weighed", "required"),
        ("decision_date", "one_year_limit"),
    }
    assert ("effective_from", "out_of_range") in _problems(
        _decision(effective_from=date(2027, 1, 9))
    )


def test_the_last_day_of_the_year_is_still_in_time() -> None:
    assert _problems(_decision(), facts_known_on=date(2026, 6, 1)) == set()
    assert _problems(_decision(), facts_known_on=date(2026, 5, 31)) == {
        ("decision_date", "one_year_limit")
    }


def test_years_keep_what_was_paid_in_them_and_the_rest_is_freed() -> None:
    committed = {2027: D("50000"), 2028: D("30000"), 2029: D("20000")}
    paid = {2027: D("50000"), 2028: D("10000")}
    split = allocate(committed, paid, D("40000"))
    assert [(y.fiscal_year, y.new_commitment, y.decommitment, y.reclaim) for y in split.years] == [
        (2027, D("40000"), D("10000"), D("10000")),
        (2028, D("0"), D("30000"), D("10000")),
        (2029, D("0"), D("20000"), D("0")),
    ]
    assert (split.decommitment, split.reclaim) == (D("60000"), D("20000"))


def test_a_new_grant_above_what_was_paid_reclaims_nothing() -> None:
    split = allocate({2027: D("50000"), 2028: D("50000")}, {2027: D("30000")}, D("60000"))
    assert [(y.new_commitment, y.reclaim) for y in split.years] == [
        (D("50000"), D("0")),
        (D("10000"), D("0")),
    ]
    assert split.decommitment == D("40000")


def test_the_new_grant_cannot_exceed_the_commitment() -> None:
    with pytest.raises(ValueError, match="outside"):
        allocate({2027: D("10")}, {}, D("10.01"))


cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c) / 100)


@given(
    years=st.dictionaries(
        st.integers(2025, 2030), st.tuples(cents, st.floats(0, 1)), min_size=1, max_size=5
    ),
    share=st.floats(0, 1),
)
def test_the_allocation_adds_up(years: dict[int, tuple[Decimal, float]], share: float) -> None:
    # Payments within each year's commitment, as the payment rules keep them.
    committed = {y: c for y, (c, _) in years.items()}
    paid = {y: (c * Decimal(str(f))).quantize(D("0.01")) for y, (c, f) in years.items()}
    total = sum(committed.values(), D(0))
    new_grant = (total * Decimal(str(share))).quantize(D("0.01"))
    new_grant = min(new_grant, total)
    split = allocate(committed, paid, new_grant)
    assert sum((y.new_commitment for y in split.years), D(0)) == new_grant
    assert split.decommitment == total - new_grant
    assert split.reclaim == max(sum(paid.values(), D(0)) - new_grant, D(0))
    for y in split.years:
        assert D(0) <= y.new_commitment <= y.committed
        assert y.reclaim == max(y.paid - y.new_commitment, D(0))
