"""The proof of use as submitted and as checked (``core.proof_check``): what blocks a
submission, what blocks a check, which scope the sample requires, the approved plan read from
a decision, and the settlement the final grant proposes."""

from datetime import date
from decimal import Decimal

import pytest

from grants.core.errors import FieldProblem
from grants.core.final_grant import (
    ActualCategory,
    ApprovedCategory,
    ApprovedPlan,
    FinalGrant,
    ProofOfUse,
    compute_final_grant,
)
from grants.core.proof_check import (
    CheckInput,
    CheckOutcome,
    CheckScope,
    CostItem,
    Coverage,
    ProofContent,
    Receipt,
    Recognised,
    SettlementKind,
    approved_plan,
    check_problems,
    coverage_of,
    required_scope,
    settlement,
    submission_problems,
)

TODAY = date(2027, 6, 1)
KNOWN = frozenset({"equipment", "staff"})


def _receipt(number: str, amount: str, category: str = "equipment", **kw: object) -> Receipt:
    values: dict[str, object] = {
        "number": number,
        "paid_on": date(2027, 5, 2),
        "payee": "Händler",
        "reason": "Gerät",
        "category": category,
        "amount": Decimal(amount),
        **kw,
    }
    return Receipt(**values)


def _content(*receipts: Receipt, costs: tuple[CostItem, ...] | None = None) -> ProofContent:
    return ProofContent(
        factual_report="Bericht",
        costs=costs if costs is not None else (CostItem("equipment", Decimal("300.00")),),
        receipts=receipts,
        third_party_funds=Decimal(0),
    )


def _rules(problems: list[FieldProblem]) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in problems}


def test_a_complete_proof_has_no_problems() -> None:
    content = _content(_receipt("1", "100.00"), _receipt("2", "200.00"))
    assert submission_problems(content, known_categories=KNOWN, today=TODAY) == []


def test_every_submission_problem_is_named_by_field() -> None:
    content = ProofContent(
        factual_report="  ",
        costs=(
            CostItem("equipment", Decimal("300.00")),
            CostItem("equipment", Decimal("1.00")),
            CostItem("rent", Decimal("0.00")),
        ),
        receipts=(
            _receipt("1", "100.00"),
            _receipt("1", "0.00"),
            _receipt("3", "5.00", paid_on=date(2027, 6, 2)),
            _receipt("4", "5.00", category="travel"),
        ),
        third_party_funds=Decimal(0),
    )
    assert _rules(submission_problems(content, known_categories=KNOWN, today=TODAY)) == {
        ("factual_report", "required"),
        ("costs.1.category", "unique"),
        ("costs.2.category", "unknown_category"),
        ("receipts.1.number", "unique"),
        ("receipts.1.amount", "positive"),
        ("receipts.2.paid_on", "in_future"),
        ("receipts.3.category", "not_declared"),
        ("costs.0.amount", "receipts_sum"),  # 100 + 0 + 5 ≠ 300
    }


def test_no_costs_at_all_is_a_problem() -> None:
    empty = ProofContent("Bericht", (), (), Decimal(0))
    assert _rules(submission_problems(empty, known_categories=KNOWN, today=TODAY)) == {
        ("costs", "required")
    }


def test_today_is_not_in_the_future() -> None:
    content = _content(_receipt("1", "300.00", paid_on=TODAY))
    assert submission_problems(content, known_categories=KNOWN, today=TODAY) == []


@pytest.mark.parametrize(
    ("coverage", "scope"),
    [
        (Coverage.SELECTED, CheckScope.DETAILED),
        (Coverage.NOT_COVERED, CheckScope.DETAILED),
        (Coverage.NOT_SELECTED, CheckScope.SUMMARY),
    ],
)
def test_the_scope_follows_the_sample(coverage: Coverage, scope: CheckScope) -> None:
    assert required_scope(coverage) is scope


def test_coverage_of_a_case() -> None:
    assert coverage_of("a", ["a"], ["b"]) is Coverage.SELECTED
    assert coverage_of("b", ["a"], ["b"]) is Coverage.NOT_SELECTED
    assert coverage_of("c", ["a"], ["b"]) is Coverage.NOT_COVERED


def _check(**kw: object) -> CheckInput:
    values: dict[str, object] = {
        "outcome": CheckOutcome.ACCEPTED,
        "scope": CheckScope.DETAILED,
        "recognised": (Recognised("equipment", Decimal("250.00")),),
        "receipts_checked": ("1",),
        "return_reason": "",
        **kw,
    }
    return CheckInput(**values)


def test_a_detailed_check_within_the_declared_amounts_passes() -> None:
    content = _content(_receipt("1", "100.00"), _receipt("2", "200.00"))
    assert check_problems(content, _check(), coverage=Coverage.SELECTED) == []


def test_a_summary_check_is_allowed_only_where_the_sample_left_the_case_out() -> None:
    content = _content(_receipt("1", "300.00"))
    summary = _check(scope=CheckScope.SUMMARY, receipts_checked=())
    assert check_problems(content, summary, coverage=Coverage.NOT_SELECTED) == []
    for coverage in (Coverage.SELECTED, Coverage.NOT_COVERED):
        [problem] = check_problems(content, summary, coverage=coverage)
        assert (problem.field, problem.rule) == ("scope", "detailed_required")
        assert "§ 44 Abs. 2 SäHO" in problem.message


def test_every_check_problem_is_named() -> None:
    content = _content(_receipt("1", "300.00"))
    check = _check(
        recognised=(
            Recognised("equipment", Decimal("300.01")),
            Recognised("equipment", Decimal("1.00")),
            Recognised("staff", Decimal("1.00")),
        ),
        receipts_checked=("1", "1", "9"),
    )
    assert _rules(check_problems(content, check, coverage=Coverage.SELECTED)) == {
        ("recognised.0.amount", "above_declared"),
        ("recognised.1.category", "unique"),
        ("recognised.2.category", "not_declared"),
        ("receipts_checked.1", "unique"),
        ("receipts_checked.2", "unknown_receipt"),
    }


def test_an_accepted_check_recognises_every_declared_category() -> None:
    content = _content(
        _receipt("1", "300.00"),
        _receipt("2", "50.00", category="staff"),
        costs=(CostItem("equipment", Decimal("300.00")), CostItem("staff", Decimal("50.00"))),
    )
    [problem] = check_problems(content, _check(), coverage=Coverage.SELECTED)
    assert (problem.field, problem.rule) == ("recognised", "missing_category")
    assert "staff" in problem.message


def test_a_detailed_check_names_its_receipts_and_a_return_its_reason() -> None:
    content = _content(_receipt("1", "300.00"))
    assert _rules(
        check_problems(content, _check(receipts_checked=()), coverage=Coverage.SELECTED)
    ) == {("receipts_checked", "required")}
    returned = _check(outcome=CheckOutcome.RETURNED, recognised=(), return_reason=" ")
    assert _rules(check_problems(content, returned, coverage=Coverage.SELECTED)) == {
        ("return_reason", "required")
    }
    # A return needs no recognised figures and no scope rule: it decides nothing.
    returned = _check(
        outcome=CheckOutcome.RETURNED,
        scope=CheckScope.SUMMARY,
        recognised=(),
        return_reason="Rechnungen fehlen",
    )
    assert check_problems(content, returned, coverage=Coverage.SELECTED) == []


def test_the_approved_plan_is_read_from_the_decision() -> None:
    content = {
        "figures": {
            "max_amount": "80000.00",
            "total_costs": "120000.00",
            "third_party_funds": "10000.00",
        },
        "categories": [
            {"category": "equipment", "approved_cost": "100000.00", "approved_rate": "0.8"}
        ],
    }
    plan = approved_plan(content)
    assert plan.maximum_grant == Decimal("80000.00")
    assert plan.third_party_funds == Decimal("10000.00")
    assert plan.own_funds == Decimal("30000.00")  # 120,000 − 80,000 − 10,000
    assert plan.categories == (ApprovedCategory("equipment", Decimal("100000.00"), Decimal("0.8")),)
    with pytest.raises(ValueError, match="max_amount"):
        approved_plan({**content, "figures": {**content["figures"], "max_amount": "viel"}})


def _final(recognised: str) -> FinalGrant:
    plan = ApprovedPlan(
        categories=(ApprovedCategory("equipment", Decimal("100000.00"), Decimal("0.8")),),
        maximum_grant=Decimal("80000.00"),
        own_funds=Decimal("20000.00"),
        third_party_funds=Decimal(0),
    )
    return compute_final_grant(
        plan, ProofOfUse((ActualCategory("equipment", Decimal(recognised)),), Decimal(0))
    )


def test_payments_within_the_final_amount_propose_a_final_settlement() -> None:
    final = _final("90000.00")  # 72,000
    proposal = settlement(final, paid=Decimal("50000.00"), committed=Decimal("80000.00"))
    assert proposal.kind is SettlementKind.FINAL_SETTLEMENT
    assert proposal.still_payable == Decimal("22000.00")
    assert proposal.releasable == Decimal("8000.00")
    assert proposal.overpayment == 0
    assert "Schlussbescheid" in proposal.text.de and "Nicht erlassen" in proposal.text.de


def test_an_overpayment_proposes_a_partial_revocation_and_nothing_due_a_revocation() -> None:
    partial = settlement(
        _final("50000.00"), paid=Decimal("60000.00"), committed=Decimal("80000.00")
    )
    assert partial.kind is SettlementKind.PARTIAL_REVOCATION
    assert partial.overpayment == Decimal("20000.00")  # 60,000 − 40,000
    assert "§ 28 VwVfG" in partial.text.de
    whole = settlement(_final("0.00"), paid=Decimal("10000.00"), committed=Decimal("80000.00"))
    assert whole.kind is SettlementKind.REVOCATION
    assert whole.overpayment == Decimal("10000.00")
