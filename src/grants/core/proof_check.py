"""The proof of use (*Verwendungsnachweis*) as submitted and as checked, pure (DOMAIN.md §3.10,
§3.11, §5.10, §6 items 3 and 10).

What a proof holds (ANBest-P Nr. 6/7): the factual report (*Sachbericht*), the actual costs per
cost category (*zahlenmäßiger Nachweis*, laid out like the financing plan), the third-party
funds received, and the list of receipts (*Belegliste*: date, payee, reason and amount of every
payment). :func:`submission_problems` says what a proof must satisfy before it is submitted;
the numbers must add up to the list of receipts, category by category, so the manager checks
one set of figures, not two.

The check (:func:`check_problems`): a manager recognises, per declared category, at most what
was declared (ineligible items taken out), and records the outcome — accepted, or returned
with a reason for completion. **§ 44 Abs. 2 SäHO (2019)**: where a grant is paid from Land
funds only, the proof is checked *in detail* for a sample of at least 50 % of the cases
(``core.sampling``). A case the sample selected, and a case no sample covers yet, is checked in
detail, and an accepted detailed check records the receipts it looked at; a case the sample
left out may be checked summarily. Which of the two it was is recorded with the check.

For a final proof, the final grant is ``core.final_grant.compute_final_grant`` over the
decision's approved plan (:func:`approved_plan`) and the recognised figures; what was paid
above it (``final_grant.overpayment``) makes :func:`settlement` propose a partial revocation
with a reclaim, otherwise a final settlement (*Schlussbescheid*). Both are proposals: the
decisions of those kinds are a person's, made elsewhere.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from grants.core.errors import FieldProblem
from grants.core.final_grant import (
    ApprovedCategory,
    ApprovedPlan,
    FinalGrant,
    overpayment,
)
from grants.core.guideline import Text
from grants.core.money import ZERO


class ProofKind(StrEnum):
    INTERIM = "interim"  # Zwischennachweis: one fiscal year of a multi-year project
    FINAL = "final"  # Verwendungsnachweis: the whole project


class ProofStatus(StrEnum):
    DRAFT = "draft"  # the recipient's, invisible to staff
    SUBMITTED = "submitted"  # fixed (receipt hash); awaiting the check
    CHECKED = "checked"  # accepted by a manager
    RETURNED = "returned"  # sent back with a reason; the recipient submits a completed one


class CheckOutcome(StrEnum):
    ACCEPTED = "accepted"
    RETURNED = "returned"


class CheckScope(StrEnum):
    DETAILED = "detailed"  # every figure against the receipts (vertiefte Prüfung)
    SUMMARY = "summary"  # plausibility of the figures and the report (kursorische Prüfung)


class Coverage(StrEnum):
    """Where the case stands in the call's sample in force (the latest draw)."""

    SELECTED = "selected"  # drawn: a detailed check
    NOT_SELECTED = "not_selected"  # not drawn: a summary check is enough
    NOT_COVERED = "not_covered"  # no sample holds this case (none drawn yet, or it is newer)


def coverage_of(case_id: str, selected: Sequence[str], not_selected: Sequence[str]) -> Coverage:
    if case_id in selected:
        return Coverage.SELECTED
    if case_id in not_selected:
        return Coverage.NOT_SELECTED
    return Coverage.NOT_COVERED


def required_scope(coverage: Coverage) -> CheckScope:
    """A case outside every sample is checked in detail: the "at least 50 %" of § 44 Abs. 2
    SäHO then holds whatever happened to the sample (a case approved after the draw)."""
    return CheckScope.SUMMARY if coverage is Coverage.NOT_SELECTED else CheckScope.DETAILED


@dataclass(frozen=True, slots=True)
class CostItem:
    category: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Receipt:
    number: str
    paid_on: date
    payee: str
    reason: str
    category: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ProofContent:
    factual_report: str
    costs: tuple[CostItem, ...]
    receipts: tuple[Receipt, ...]
    third_party_funds: Decimal


def _problem(field: str, rule: str, de: str, en: str) -> FieldProblem:
    return FieldProblem(field, rule, f"{de} ({en})")


def _receipt_problems(
    receipts: Sequence[Receipt], declared: Mapping[str, int], today: date
) -> tuple[dict[str, Decimal], list[FieldProblem]]:
    """The sum of the receipts per declared category, and what is wrong with single ones."""
    sums = dict.fromkeys(declared, ZERO)
    problems: list[FieldProblem] = []
    numbers: set[str] = set()
    for index, receipt in enumerate(receipts):
        field = f"receipts.{index}"
        if receipt.number in numbers:
            problems.append(
                _problem(
                    f"{field}.number",
                    "unique",
                    f"Belegnummer doppelt: {receipt.number}",
                    "duplicate receipt number",
                )
            )
        numbers.add(receipt.number)
        if receipt.amount <= ZERO:
            problems.append(
                _problem(
                    f"{field}.amount",
                    "positive",
                    "Ein Beleg nennt einen Betrag über 0,00 EUR",
                    "a receipt's amount is above zero",
                )
            )
        if receipt.paid_on > today:
            problems.append(
                _problem(
                    f"{field}.paid_on",
                    "in_future",
                    "Der Zahltag liegt nach dem heutigen Tag",
                    "the day of payment lies in the future",
                )
            )
        if receipt.category not in declared:
            problems.append(
                _problem(
                    f"{field}.category",
                    "not_declared",
                    f"Die Kostenkategorie „{receipt.category}“ des Belegs fehlt im "
                    "zahlenmäßigen Nachweis",
                    "the receipt's category is not among the declared costs",
                )
            )
        else:
            sums[receipt.category] += receipt.amount
    return sums, problems


def submission_problems(
    content: ProofContent, *, known_categories: frozenset[str], today: date
) -> list[FieldProblem]:
    """Every reason the proof cannot be submitted as it stands (empty: it can)."""
    problems: list[FieldProblem] = []
    if not content.factual_report.strip():
        problems.append(
            _problem(
                "factual_report",
                "required",
                "Der Sachbericht fehlt",
                "the factual report is missing",
            )
        )
    if not content.costs:
        problems.append(
            _problem(
                "costs",
                "required",
                "Die tatsächlichen Ausgaben je Kostenkategorie fehlen",
                "the actual costs per category are missing",
            )
        )
    declared: dict[str, int] = {}
    for index, item in enumerate(content.costs):
        field = f"costs.{index}.category"
        if item.category in declared:
            problems.append(
                _problem(
                    field,
                    "unique",
                    f"Kostenkategorie doppelt: {item.category}",
                    "duplicate cost category",
                )
            )
            continue
        declared[item.category] = index
        if item.category not in known_categories:
            problems.append(
                _problem(
                    field,
                    "unknown_category",
                    f"Die Förderrichtlinie kennt die Kostenkategorie „{item.category}“ nicht",
                    "the guideline has no such cost category",
                )
            )
    sums, receipt_problems = _receipt_problems(content.receipts, declared, today)
    problems += receipt_problems
    for category, index in declared.items():
        amount = content.costs[index].amount
        if sums[category] != amount:
            problems.append(
                _problem(
                    f"costs.{index}.amount",
                    "receipts_sum",
                    f"{amount} EUR angegeben, die Belegliste ergibt {sums[category]} EUR",
                    "the declared amount differs from the sum of its receipts",
                )
            )
    return problems


@dataclass(frozen=True, slots=True)
class Recognised:
    category: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CheckInput:
    outcome: CheckOutcome
    scope: CheckScope
    recognised: tuple[Recognised, ...]
    receipts_checked: tuple[str, ...]
    return_reason: str


def check_problems(
    content: ProofContent, check: CheckInput, *, coverage: Coverage
) -> list[FieldProblem]:
    """Every reason the check cannot be recorded as given (empty: it can)."""
    problems: list[FieldProblem] = []
    numbers = {r.number for r in content.receipts}
    seen_numbers: set[str] = set()
    for index, number in enumerate(check.receipts_checked):
        if number not in numbers:
            problems.append(
                _problem(
                    f"receipts_checked.{index}",
                    "unknown_receipt",
                    f"Die Belegliste hat keinen Beleg Nr. {number}",
                    "no such receipt in the list",
                )
            )
        elif number in seen_numbers:
            problems.append(
                _problem(
                    f"receipts_checked.{index}",
                    "unique",
                    f"Beleg Nr. {number} doppelt genannt",
                    "receipt named twice",
                )
            )
        seen_numbers.add(number)
    if check.outcome is CheckOutcome.RETURNED:
        if not check.return_reason.strip():
            problems.append(
                _problem(
                    "return_reason",
                    "required",
                    "Die Rückgabe nennt, was zu ergänzen ist",
                    "a return states what is to be completed",
                )
            )
        return problems
    if check.scope is CheckScope.SUMMARY and required_scope(coverage) is CheckScope.DETAILED:
        why = (
            ("die Stichprobe hat den Fall gezogen", "the sample selected this case")
            if coverage is Coverage.SELECTED
            else ("keine Stichprobe erfasst den Fall", "no sample covers this case")
        )
        problems.append(
            _problem(
                "scope",
                "detailed_required",
                f"Vertieft zu prüfen (§ 44 Abs. 2 SäHO): {why[0]}",
                f"a detailed check is required: {why[1]}",
            )
        )
    if check.scope is CheckScope.DETAILED and not check.receipts_checked:
        problems.append(
            _problem(
                "receipts_checked",
                "required",
                "Eine vertiefte Prüfung nennt die geprüften Belege",
                "a detailed check names the receipts it checked",
            )
        )
    declared = {c.category: c.amount for c in content.costs}
    recognised: set[str] = set()
    for index, item in enumerate(check.recognised):
        field = f"recognised.{index}"
        if item.category not in declared:
            problems.append(
                _problem(
                    f"{field}.category",
                    "not_declared",
                    f"Die Kostenkategorie „{item.category}“ ist nicht nachgewiesen",
                    "the category is not among the declared costs",
                )
            )
            continue
        if item.category in recognised:
            problems.append(
                _problem(
                    f"{field}.category",
                    "unique",
                    f"Kostenkategorie doppelt: {item.category}",
                    "duplicate cost category",
                )
            )
            continue
        recognised.add(item.category)
        if item.amount > declared[item.category]:
            problems.append(
                _problem(
                    f"{field}.amount",
                    "above_declared",
                    f"Anerkannt werden höchstens die nachgewiesenen {declared[item.category]} EUR",
                    "at most the declared amount is recognised",
                )
            )
    missing = [c.category for c in content.costs if c.category not in recognised]
    if missing:
        problems.append(
            _problem(
                "recognised",
                "missing_category",
                "Für jede nachgewiesene Kostenkategorie wird ein anerkannter Betrag genannt; "
                f"es fehlen: {', '.join(missing)}",
                "every declared category needs a recognised amount",
            )
        )
    return problems


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"the decision's {name} is no amount: {value!r}") from None


def approved_plan(content: Mapping[str, Any]) -> ApprovedPlan:
    """The approved financing plan of a granting decision's content: its categories (approved
    cost and rate), the maximum amount, the planned third-party funds, and the own funds that
    make up the rest of the total costs (never below zero). The total costs are those of the
    financing plan the decision approved (``figures.total_costs``, the submitted plan's)."""
    figures = content["figures"]
    maximum = _decimal(figures["max_amount"], "max_amount")
    third_party = _decimal(figures.get("third_party_funds", "0"), "third_party_funds")
    total = _decimal(figures["total_costs"], "total_costs")
    categories = tuple(
        ApprovedCategory(
            code=str(c["category"]),
            eligible_cost=_decimal(c["approved_cost"], "approved_cost"),
            rate=_decimal(c["approved_rate"], "approved_rate"),
        )
        for c in content["categories"]
    )
    return ApprovedPlan(
        categories=categories,
        maximum_grant=maximum,
        own_funds=max(total - maximum - third_party, ZERO),
        third_party_funds=third_party,
    )


class SettlementKind(StrEnum):
    FINAL_SETTLEMENT = "final_settlement"  # Schlussbescheid: nothing to reclaim
    PARTIAL_REVOCATION = "partial_revocation"  # Teilwiderruf and reclaim of the overpayment
    REVOCATION = "revocation"  # nothing is due at all, but money was paid: all of it back


@dataclass(frozen=True, slots=True)
class Settlement:
    """What the checked final proof proposes; a proposal, never the decision itself."""

    kind: SettlementKind
    final_amount: Decimal
    paid: Decimal
    committed: Decimal
    overpayment: Decimal  # to be reclaimed (§ 49a Abs. 1 VwVfG), bears interest (Abs. 3)
    still_payable: Decimal  # final amount not yet paid out
    releasable: Decimal  # committed above the final amount: freed by the decision
    text: Text


def settlement(final: FinalGrant, *, paid: Decimal, committed: Decimal) -> Settlement:
    """The decision the checked final proof leads to: a final settlement when the payments
    stayed within the final amount, else a (partial) revocation with a reclaim."""
    amount = final.final_amount
    over = overpayment(amount, paid)
    still = max(amount - paid, ZERO)
    releasable = max(committed - amount, ZERO)
    if over > ZERO and amount == ZERO:
        kind = SettlementKind.REVOCATION
        text = Text(
            f"Vorschlag: Widerruf des Zuwendungsbescheids (§ 49 Abs. 3 VwVfG) und Erstattung "
            f"der ausgezahlten {paid} EUR mit Zinsen (§ 49a Abs. 1 und 3 VwVfG); nach "
            "Anhörung (§ 28 VwVfG). Nicht erlassen: das entscheidet eine Person.",
            f"Proposal: revoke the decision and reclaim the {paid} EUR paid with interest, "
            "after a hearing. Not issued: a person decides.",
        )
    elif over > ZERO:
        kind = SettlementKind.PARTIAL_REVOCATION
        text = Text(
            f"Vorschlag: Teilwiderruf des Zuwendungsbescheids auf {amount} EUR (§ 49 Abs. 3 "
            f"VwVfG) und Erstattung der überzahlten {over} EUR mit Zinsen (§ 49a Abs. 1 und 3 "
            "VwVfG); nach Anhörung (§ 28 VwVfG). Nicht erlassen: das entscheidet eine Person.",
            f"Proposal: partial revocation down to {amount} EUR and reclaim of the {over} EUR "
            "overpaid with interest, after a hearing. Not issued: a person decides.",
        )
    else:
        kind = SettlementKind.FINAL_SETTLEMENT
        text = Text(
            f"Vorschlag: Schlussbescheid über {amount} EUR; noch auszuzahlen {still} EUR, "
            f"freizugeben {releasable} EUR der Bindung. Nicht erlassen: das entscheidet eine "
            "Person.",
            f"Proposal: final settlement at {amount} EUR; {still} EUR still to pay, "
            f"{releasable} EUR of the commitment to release. Not issued: a person decides.",
        )
    return Settlement(
        kind=kind,
        final_amount=amount,
        paid=paid,
        committed=committed,
        overpayment=over,
        still_payable=still,
        releasable=releasable,
        text=text,
    )
