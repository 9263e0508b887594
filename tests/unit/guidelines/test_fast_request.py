"""The pre-check's msgspec fast path accepts a subset of what the Pydantic model accepts and
makes the same proposal of it; everything else it declines (returns None), so that Pydantic
and to_proposal still produce every error."""

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from grants.core.errors import InvalidInput
from grants.guidelines.loader import SHIPPED
from grants.guidelines.registry import GuidelineRegistry, load_registry
from grants.guidelines.schemas import EligibilityCheckRequest, to_proposal
from grants.guidelines.service import fast_proposal

REGISTRY: GuidelineRegistry = load_registry(SHIPPED)


def body(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "call": "demo",
        "applicant_type": "nonprofit",
        "municipality_key": "14521530",
        "funding_line": "stationary",
        "objectives": ["a", "e"],
        "planned_start": "2027-01-01",
        "planned_end": "2028-12-31",
        "economic_activity": False,
        "cost_lines": [
            {"category": "equipment", "description": "3D-Drucker", "amount": "100000.00"},
            {"category": "construction", "amount": "20000.5"},
        ],
        "financing": {"requested_grant": "80000", "own_funds": "40000.50"},
    }
    document.update(changes)
    return document


def encoded(document: object) -> bytes:
    return json.dumps(document).encode()


def reference(raw: bytes) -> str | None:
    """What the Pydantic path makes of the body: the proposal's repr (Decimal reprs show the
    exponent, so 10.5 and 10.50 differ), or None if it answers with an error."""
    try:
        request = EligibilityCheckRequest.model_validate(json.loads(raw))
        guideline = REGISTRY.get(request.guideline)
        if guideline is None:
            return None
        return repr(to_proposal(request, guideline))
    except (ValidationError, InvalidInput, ValueError):
        return None


def test_a_plain_request_takes_the_fast_path_with_the_same_values() -> None:
    raw = encoded(body())
    fast = fast_proposal(REGISTRY, raw)
    assert fast is not None
    assert repr(fast.proposal) == reference(raw)
    assert fast.proposal.cost_lines[1].amount.as_tuple() == Decimal("20000.5").as_tuple()
    assert fast.proposal.third_party_funds == Decimal("0.00")
    assert fast.call == "demo"


@pytest.mark.parametrize(
    "amount",
    [10, 10.5, "10.001", "-1.00", "+5", " 5", "5 ", "5\n", "1_000", "1e3", "NaN", "Infinity",
     "0100.00", ".5", "5.", "", "1000000000000", "1,5", None, True],
)  # fmt: skip
def test_amounts_other_than_plain_decimal_strings_are_declined(amount: object) -> None:
    line = {"category": "equipment", "amount": amount}
    assert fast_proposal(REGISTRY, encoded(body(cost_lines=[line]))) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"call": "demo\n"},  # Python's "$" would match before the newline; Pydantic's does not
        {"call": "1999"},
        {"guideline": "nope"},
        {"applicant_type": "pirate"},
        {"objectives": ["a", "z"]},
        {"cost_lines": [{"category": "yachts", "amount": "1.00"}]},
        {"cost_lines": [{"category": "equipment", "amount": "1.00", "description": "a\u0000b"}]},
        {"cost_lines": [{"category": "equipment", "amount": "1.00", "description": "x" * 501}]},
        {"municipality_key": "1452153"},
        {"municipality_key": "14521530\n"},
        {"planned_end": "2026-12-31"},
        {"planned_start": "2027-01-01T00:00:00"},
        {"economic_activity": "false"},
        {"surprise": True},
        # Consent to an early start is the authority's act: not a field of the request.
        {"early_start_consented": True},
        {"vat_deduction": "partial", "vat_deductible_share": "0.0"},  # not above 0
        {"vat_deduction": "partial", "vat_deductible_share": "1.0"},
        {"vat_deduction": "partial", "vat_deductible_share": 0.5},
        {"vat_deduction": "partial", "vat_deductible_share": "0.12345"},
        {"vat_deduction": "partial"},  # the share is missing: a 422 names it
        {"vat_deduction": "full", "vat_deductible_share": "0.5"},
        {"vat_deduction": "sometimes"},
        {"cost_amounts": "brutto"},
        {"linked_undertakings": [""]},
        {"linked_undertakings": ["x" * 201]},
        {"part_of_single_undertaking": "yes"},
        {"financing": {"requested_grant": "1.00"}},
        {"objectives": ["a"] * 11},
    ],
)
def test_anything_pydantic_or_the_guideline_must_judge_is_declined(
    changes: dict[str, Any],
) -> None:
    assert fast_proposal(REGISTRY, encoded(body(**changes))) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"vat_deduction": "partial", "vat_deductible_share": "0.35", "cost_amounts": "gross"},
        {"vat_deduction": "partial", "vat_deductible_share": "0.5000"},
        {"vat_deduction": "full", "cost_amounts": "net"},
        {"vat_deduction": "none"},
        {"part_of_single_undertaking": True, "linked_undertakings": ["Muster Holding GmbH"]},
        {"part_of_single_undertaking": False},
    ],
)
def test_the_declarations_take_the_fast_path_with_the_same_values(
    changes: dict[str, Any],
) -> None:
    raw = encoded(body(**changes))
    fast = fast_proposal(REGISTRY, raw)
    assert fast is not None
    assert repr(fast.proposal) == reference(raw)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"vat_deduction": "partial"}, "vat_deductible_share", "required_for_partial"),
        (
            {"vat_deduction": "none", "vat_deductible_share": "0.5"},
            "vat_deductible_share",
            "only_for_partial",
        ),
    ],
)
def test_inconsistent_vat_answers_are_422s_naming_the_field(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    request = EligibilityCheckRequest.model_validate(body(**changes))
    guideline = REGISTRY.get("frl-lifd")
    assert guideline is not None
    with pytest.raises(InvalidInput) as raised:
        to_proposal(request, guideline)
    assert [(p.field, p.rule) for p in raised.value.problems] == [(field, rule)]
    assert "Vorsteuerabzug" in raised.value.problems[0].message


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b"{", b'{"call": "demo"}', b"\xff"])
def test_malformed_bodies_are_declined(raw: bytes) -> None:
    assert fast_proposal(REGISTRY, raw) is None


# Mostly within the accepted subset, the rest near and beyond its boundary, so that both
# sides get exercised (about half of the examples take the fast path).
VALID = st.from_regex(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?", fullmatch=True)
OTHER_AMOUNTS = st.one_of(
    st.from_regex(r"-?[0-9]{1,14}(\.[0-9]{0,4})?", fullmatch=True),
    st.sampled_from(["0", "0.00", "1e2", " 1", "NaN", "999999999999.99", "1000000000000.00"]),
    st.integers(min_value=-10, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
AMOUNTS = st.integers(0, 9).flatmap(lambda n: OTHER_AMOUNTS if n == 0 else VALID)
KNOWN = st.sampled_from(["equipment", "personnel", "rent", "construction"])
CODES = st.integers(0, 9).flatmap(
    lambda n: st.sampled_from(["yachts", "equipment\n", ""]) if n == 0 else KNOWN
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(
        st.fixed_dictionaries(
            {"category": CODES, "amount": AMOUNTS},
            optional={"description": st.text(max_size=8)},
        ),
        max_size=3,
    ),
    requested=AMOUNTS,
    objectives=st.lists(st.sampled_from(["a", "b", "e"] * 4 + ["z", "", "a\n"]), max_size=3),
    end=st.sampled_from(["2028-12-31"] * 4 + ["2026-12-31", "2027-01-01", "2027-02-30"]),
)
def test_whatever_the_fast_path_accepts_pydantic_accepts_with_the_same_values(
    lines: list[dict[str, Any]], requested: object, objectives: list[str], end: str
) -> None:
    raw = encoded(
        body(
            cost_lines=lines,
            objectives=objectives,
            planned_end=end,
            financing={"requested_grant": requested, "own_funds": "1.00"},
        )
    )
    fast = fast_proposal(REGISTRY, raw)
    if fast is not None:
        assert repr(fast.proposal) == reference(raw)
