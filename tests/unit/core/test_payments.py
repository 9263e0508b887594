"""The checks of a payment request (Mittelabruf): each rule broken alone, a valid request,
the boundaries, the state conflicts, and the four-eyes principle."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from grants.core.errors import Conflict, Forbidden, InvalidInput
from grants.core.lifecycle import State
from grants.core.payments import (
    PaymentFacts,
    PaymentRequest,
    check_four_eyes,
    check_payment_request,
)

D = Decimal

# Approved, in force, period 2025–2026; 60,000 committed for 2025 of which 10,000 paid;
# grant share 50 %; today 10 June 2025.
FACTS = PaymentFacts(
    state=State.APPROVED,
    decision_in_force=True,
    period_start=date(2025, 1, 1),
    period_end=date(2026, 12, 31),
    committed={2025: D("60000.00"), 2026: D("40000.00")},
    paid={2025: D("10000.00")},
    closed_years=frozenset({2024}),
    grant_share=D("0.5"),
    today=date(2025, 6, 10),
)
# 20,000 for 2025, needed by 10 August (exactly two months); costs due 70,000, own funds
# used 20,000. Available 50,000; pro rata 10,000 + 20,000 = 30,000 ≤ 0.5 × 70,000 = 35,000;
# need 30,000 + 20,000 = 50,000 ≤ 70,000.
REQUEST = PaymentRequest(
    amount=D("20000.00"),
    fiscal_year=2025,
    purpose="Beschaffung der Ausstattung",
    needed_by=date(2025, 8, 10),
    costs_due_by_needed_by=D("70000.00"),
    own_funds_used=D("20000.00"),
    third_party_funds_used=D("0.00"),
)


def rules_of(request: PaymentRequest, facts: PaymentFacts = FACTS) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        check_payment_request(request, facts)
    return [(problem.field, problem.rule) for problem in caught.value.problems]


def test_a_valid_request_passes() -> None:
    check_payment_request(REQUEST, FACTS)
    check_payment_request(REQUEST, replace(FACTS, state=State.PARTIALLY_APPROVED))


@pytest.mark.parametrize(
    ("request_changes", "facts_changes", "expected"),
    [
        pytest.param({"amount": D("0")}, {}, ("amount", "positive"), id="zero amount"),
        pytest.param({"amount": D("-5.00")}, {}, ("amount", "positive"), id="negative"),
        pytest.param({"amount": D("NaN")}, {}, ("amount", "positive"), id="not a number"),
        pytest.param({"amount": D("100.001")}, {}, ("amount", "whole_cents"), id="fraction"),
        pytest.param({"purpose": "  "}, {}, ("purpose", "required"), id="no purpose"),
        pytest.param(
            {}, {"closed_years": frozenset({2025})}, ("fiscal_year", "year_closed"), id="closed"
        ),
        pytest.param(
            {},
            {"today": date(2027, 1, 4)},
            ("requested_on", "outside_approval_period"),
            id="after the period",
        ),
        pytest.param(
            {},
            {"period_start": date(2025, 7, 1)},
            ("requested_on", "outside_approval_period"),
            id="before the period",
        ),
        pytest.param(
            {"needed_by": date(2025, 8, 11)},
            {},
            ("needed_by", "not_needed_soon"),
            id="needed one day after two months",
        ),
        pytest.param(
            {},
            {"committed": {2025: D("25000.00")}},
            ("amount", "exceeds_available"),
            id="25,000 committed - 10,000 paid = 15,000 < 20,000",
        ),
        pytest.param(
            {"costs_due_by_needed_by": D("50000.00")},
            {},
            ("amount", "ahead_of_share"),
            id="10,000 + 20,000 > 0.5 x 50,000",
        ),
        pytest.param(
            {"own_funds_used": D("45000.00")},
            {},
            ("amount", "exceeds_need"),
            id="10,000 + 20,000 + 45,000 > 70,000",
        ),
        pytest.param(
            {"third_party_funds_used": D("40000.01")},
            {},
            ("amount", "exceeds_need"),
            id="10,000 + 20,000 + 20,000 + 40,000.01 > 70,000 (third-party funds count too)",
        ),
        pytest.param(
            {"costs_due_by_needed_by": D("-1.00")},
            {},
            ("costs_due_by_needed_by", "not_negative"),
            id="negative costs",
        ),
        pytest.param(
            {"own_funds_used": D("-1.00")}, {}, ("own_funds_used", "not_negative"), id="own < 0"
        ),
        pytest.param(
            {"third_party_funds_used": D("-1.00")},
            {},
            ("third_party_funds_used", "not_negative"),
            id="third-party < 0",
        ),
        pytest.param(
            {"costs_due_by_needed_by": D("70000.001")},
            {},
            ("costs_due_by_needed_by", "whole_cents"),
            id="costs in fractions of a cent",
        ),
    ],
)
def test_each_rule_broken_alone(
    request_changes: dict[str, Any], facts_changes: dict[str, Any], expected: tuple[str, str]
) -> None:
    """Each case changes one figure of the valid request (arithmetic in the ids) and breaks
    exactly that rule."""
    assert rules_of(replace(REQUEST, **request_changes), replace(FACTS, **facts_changes)) == [
        expected
    ]


def test_every_broken_rule_is_reported_at_once() -> None:
    """Year 2024 is closed and has nothing committed, the purpose is empty, the money is needed
    in three months, and the request comes after the period: five rules, one answer."""
    found = rules_of(
        replace(REQUEST, fiscal_year=2024, purpose="", needed_by=date(2027, 4, 5)),
        replace(FACTS, today=date(2027, 1, 4)),
    )
    assert {rule for _, rule in found} == {
        "required",
        "year_closed",
        "outside_approval_period",
        "not_needed_soon",
        "exceeds_available",
    }


def test_the_boundaries_are_allowed() -> None:
    """On the last day of the period (31 Dec 2026), needed by 28 Feb 2027 (two months on),
    exactly the available 60,000 − 10,000 = 50,000; pro rata 10,000 + 50,000 = 60,000 =
    0.6 × 100,000; need 60,000 + 40,000 own funds = 100,000 = the costs due."""
    check_payment_request(
        replace(
            REQUEST,
            amount=D("50000.00"),
            needed_by=date(2027, 2, 28),
            costs_due_by_needed_by=D("100000.00"),
            own_funds_used=D("40000.00"),
        ),
        replace(FACTS, today=date(2026, 12, 31), grant_share=D("0.6")),
    )


def test_two_months_from_the_end_of_a_month_end_on_its_last_day() -> None:
    """31 Dec 2025 + 2 months = 28 Feb 2026 (no 31 Feb): 28 Feb passes, 1 Mar does not."""
    facts = replace(FACTS, today=date(2025, 12, 31))
    check_payment_request(replace(REQUEST, needed_by=date(2026, 2, 28)), facts)
    assert rules_of(replace(REQUEST, needed_by=date(2026, 3, 1)), facts) == [
        ("needed_by", "not_needed_soon")
    ]


def test_the_payment_period_is_a_parameter() -> None:
    """With one month instead of two, money needed on 10 Aug is later than 10 Jul: refused."""
    with pytest.raises(InvalidInput) as caught:
        check_payment_request(REQUEST, FACTS, payment_period_months=1)
    assert [p.rule for p in caught.value.problems] == ["not_needed_soon"]


def test_costs_already_incurred_may_be_reimbursed() -> None:
    """A needed_by in the past: the costs were paid already (Erstattungsprinzip)."""
    check_payment_request(replace(REQUEST, needed_by=date(2025, 3, 1)), FACTS)


def test_payments_of_all_years_count_for_the_share() -> None:
    """Requesting 2026 money: 10,000 paid in 2025 + 30,000 > 0.5 × 70,000 = 35,000."""
    assert rules_of(replace(REQUEST, fiscal_year=2026, amount=D("30000.00"))) == [
        ("amount", "ahead_of_share")
    ]


@pytest.mark.parametrize(
    ("state", "in_force", "rule"),
    [
        (State.REJECTED, True, "no_approval"),
        (State.WITHDRAWN, False, "no_approval"),
        (State.APPLICATION_CHECK, False, "no_approval"),
        (State.APPROVED, False, "not_in_force"),
        (State.PARTIALLY_APPROVED, False, "not_in_force"),
    ],
)
def test_no_decision_in_force_is_a_conflict(state: State, in_force: bool, rule: str) -> None:
    """Rejected, withdrawn or undecided: nothing to draw on; approved but not notified (or
    revoked): not yet (no longer). A conflict even when the request itself is also wrong."""
    facts = replace(FACTS, state=state, decision_in_force=in_force)
    with pytest.raises(Conflict) as caught:
        check_payment_request(replace(REQUEST, amount=D("-1")), facts)
    assert [problem.rule for problem in caught.value.problems] == [rule]
    assert caught.value.extra == {"reason": rule, "current_state": state.value}


def test_messages_are_german_first_with_english_in_parentheses() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_payment_request(replace(REQUEST, amount=D("60000.00")), FACTS)
    messages = {problem.rule: problem.message for problem in caught.value.problems}
    assert messages["exceeds_available"] == (
        "Für 2025 sind noch 50.000,00 EUR abrufbar (only EUR 50,000.00 left to request for 2025)."
    )
    assert "höchstens 25.000,00 EUR" in messages["ahead_of_share"]


@pytest.mark.parametrize(
    "changes",
    [
        {"grant_share": D("1.5")},
        {"grant_share": D("-0.1")},
        {"period_start": date(2027, 1, 1)},
    ],
)
def test_contradictory_facts_are_a_bug(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"grant_share|period"):
        replace(FACTS, **changes)


def test_four_eyes_refuses_the_same_person() -> None:
    person = uuid4()
    with pytest.raises(Forbidden) as caught:
        check_four_eyes(certified_by=person, ordered_by=person)
    assert "Vier-Augen-Prinzip" in caught.value.detail
    assert "four-eyes principle" in caught.value.detail
    assert [problem.rule for problem in caught.value.problems] == ["four_eyes"]


def test_four_eyes_allows_two_people() -> None:
    check_four_eyes(certified_by=uuid4(), ordered_by=uuid4())
