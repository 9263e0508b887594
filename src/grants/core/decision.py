"""The decision (Bescheid) as a record: its kinds, what a draft must hold before a person may
release it, and the figures derived from what the authority approves. Pure.

The system drafts and proposes; a named official releases (§ 37 Abs. 3 VwVfG), because a
grant decision involves discretion and may not be a fully automated act (§ 35a VwVfG).

What a draft must hold, by kind (DOMAIN.md §3.5, §3.6, §5.9):

- **approval** (*Zuwendungsbescheid*): per cost category the approved eligible cost and rate
  (at most the rate the guideline gives this application), the maximum amount ("bis zu",
  the sum of cost × rate, capped by the line's maximum and rounded down to full euros as
  the application's computation is), the approval period (ending no later than the call
  allows), the annual instalments (fiscal years inside the period, summing to the maximum).
  An approval of everything applied for needs no reasons (§ 39 Abs. 2 Nr. 1 VwVfG); anything
  less is a **partial approval**, whose every deviation carries its reason (§ 39 Abs. 1).
- **rejection** (*Ablehnungsbescheid*): at least one reason — a failed rule with its
  section, the score below the threshold, the rank below the funding line, the budget — and
  how discretion was used (§ 39 Abs. 1 S. 3 VwVfG).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NoReturn

from grants.core.errors import FieldProblem, InvalidInput
from grants.core.lifecycle import Event, State
from grants.core.money import ZERO, floor_to_euro, format_eur


class DecisionKind(StrEnum):
    APPROVAL = "approval"  # Zuwendungsbescheid
    PARTIAL_APPROVAL = "partial_approval"  # Teilbewilligung (Zuwendungsbescheid mit Abweichung)
    REJECTION = "rejection"  # Ablehnungsbescheid (and the formal rejection, the non-selection)
    AMENDMENT = "amendment"  # Änderungsbescheid
    REVOCATION = "revocation"  # Widerruf (§ 49 VwVfG)
    WITHDRAWAL = "withdrawal"  # Rücknahme (§ 48 VwVfG)
    FINAL_SETTLEMENT = "final_settlement"  # Schlussbescheid after the proof of use


# The kinds this installation can draft and release today; the others follow with the
# amendment, proof-of-use and revocation work.
DRAFTABLE = frozenset(
    {DecisionKind.APPROVAL, DecisionKind.PARTIAL_APPROVAL, DecisionKind.REJECTION}
)
GRANTING = frozenset({DecisionKind.APPROVAL, DecisionKind.PARTIAL_APPROVAL})
# The kinds whose content is the grant in force: an amendment replaces the approval it
# amends (categories, period, instalments), in the same shape.
IN_FORCE = GRANTING | {DecisionKind.AMENDMENT}


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    SECOND_APPROVED = "second_approved"  # a second person approved the draft (where required)
    RELEASED = "released"  # released by the named official: the decision exists
    DISCARDED = "discarded"  # a draft given up; kept, never released


# A draft still being worked on or waiting for release: at most one per application.
OPEN_STATUSES = (DecisionStatus.DRAFT.value, DecisionStatus.SECOND_APPROVED.value)


class ReasonKind(StrEnum):
    FAILED_RULE = "failed_rule"  # a rule of the guideline not met (with its section)
    SCORE_BELOW_THRESHOLD = "score_below_threshold"
    BELOW_FUNDING_LINE = "below_funding_line"  # ranked below what the budget reaches
    BUDGET_EXHAUSTED = "budget_exhausted"
    OBJECTIVE_NOT_MET = "objective_not_met"
    DEVIATION = "deviation"  # a partial approval's deviation
    OTHER = "other"


# The lifecycle step a released decision takes, by kind and the application's state.
_EVENTS: Mapping[tuple[DecisionKind, State], Event] = {
    (DecisionKind.APPROVAL, State.APPLICATION_CHECK): Event.APPROVE,
    (DecisionKind.PARTIAL_APPROVAL, State.APPLICATION_CHECK): Event.APPROVE_PARTIALLY,
    (DecisionKind.REJECTION, State.APPLICATION_CHECK): Event.REJECT,
    (DecisionKind.REJECTION, State.APPLICATION_INFORMATION_REQUESTED): Event.REJECT,
    (DecisionKind.REJECTION, State.FORMAL_CHECK): Event.REJECT_FORMALLY,
    (DecisionKind.REJECTION, State.INFORMATION_REQUESTED): Event.REJECT_FORMALLY,
    (DecisionKind.REJECTION, State.JURY_DECIDED): Event.DECLINE,
}


def decision_event(kind: DecisionKind, state: State) -> Event | None:
    """The step the decision takes from ``state``; None: this kind cannot be decided there."""
    return _EVENTS.get((kind, state))


def states_for(kind: DecisionKind) -> tuple[State, ...]:
    return tuple(state for (k, state) in _EVENTS if k is kind)


@dataclass(frozen=True, slots=True)
class CategoryRequest:
    """What the application asked for in one cost category, and the rate the guideline gives
    it there (the most an approval may grant)."""

    category: str
    eligible_cost: Decimal
    rate: Decimal


@dataclass(frozen=True, slots=True)
class CategoryApproval:
    category: str
    approved_cost: Decimal
    approved_rate: Decimal
    deviation_reason: str = ""


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    text: str
    section: str | None = None
    rule_id: str | None = None


@dataclass(frozen=True, slots=True)
class GrantFigures:
    """The approved figures: per category cost × rate (exact), and the maximum amount."""

    per_category: tuple[tuple[str, Decimal], ...]
    uncapped: Decimal
    cap: Decimal
    cap_applied: bool
    max_amount: Decimal  # "bis zu": capped, rounded down to full euros
    deviations: tuple[str, ...]  # categories approved below what was applied for


def grant_figures(
    approvals: Sequence[CategoryApproval],
    requested: Mapping[str, CategoryRequest],
    *,
    cap: Decimal,
) -> GrantFigures:
    per_category = tuple((a.category, a.approved_cost * a.approved_rate) for a in approvals)
    uncapped = sum((amount for _, amount in per_category), ZERO)
    capped = min(uncapped, cap)
    deviations = tuple(
        a.category
        for a in approvals
        if a.category in requested
        and (
            a.approved_cost < requested[a.category].eligible_cost
            or a.approved_rate < requested[a.category].rate
        )
    )
    return GrantFigures(
        per_category=per_category,
        uncapped=uncapped,
        cap=cap,
        cap_applied=uncapped > cap,
        max_amount=floor_to_euro(capped),
        deviations=deviations,
    )


def _p(field: str, rule: str, de: str, en: str) -> FieldProblem:
    return FieldProblem(field, rule, f"{de} ({en})")


def _check_categories(
    approvals: Sequence[CategoryApproval], requested: Mapping[str, CategoryRequest]
) -> tuple[set[str], list[FieldProblem]]:
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, a in enumerate(approvals):
        where = f"categories.{i}"
        request = requested.get(a.category)
        if a.category in seen:
            problems.append(
                _p(f"{where}.category", "duplicate", "Kategorie doppelt", "category repeated")
            )
        seen.add(a.category)
        if request is None:
            problems.append(
                _p(
                    f"{where}.category",
                    "not_applied_for",
                    "In dieser Kostenkategorie wurde nichts Förderfähiges beantragt",
                    "nothing eligible was applied for in this category",
                )
            )
            continue
        if a.approved_cost > request.eligible_cost:
            problems.append(
                _p(
                    f"{where}.approved_cost",
                    "above_application",
                    f"höher als die beantragten förderfähigen Kosten "
                    f"({format_eur(request.eligible_cost)})",
                    "above the eligible costs applied for",
                )
            )
        if not ZERO <= a.approved_rate <= request.rate:
            problems.append(
                _p(
                    f"{where}.approved_rate",
                    "above_guideline_rate",
                    f"Fördersatz muss zwischen 0 und {request.rate} liegen (Satz der "
                    "Förderrichtlinie für diesen Antrag)",
                    "rate must lie between 0 and the guideline's rate for this application",
                )
            )
    return seen, problems


def _check_period(
    period: tuple[date, date],
    latest_end: date,
    instalments: Mapping[int, Decimal],
    max_amount: Decimal,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    start, end = period
    if end < start:
        problems.append(
            _p("approval_end", "before_start", "Ende vor Beginn", "end before the start")
        )
    if end > latest_end:
        problems.append(
            _p(
                "approval_end",
                "after_latest_end",
                f"nach dem spätesten Projektende des Aufrufs ({latest_end.isoformat()})",
                "after the call's latest project end",
            )
        )
    for year, amount in sorted(instalments.items()):
        if not start.year <= year <= end.year:
            problems.append(
                _p(
                    f"instalments.{year}",
                    "outside_period",
                    "Haushaltsjahr außerhalb des Bewilligungszeitraums",
                    "fiscal year outside the approval period",
                )
            )
        if amount <= ZERO:
            problems.append(
                _p(f"instalments.{year}", "not_positive", "muss positiv sein", "must be positive")
            )
    total = sum(instalments.values(), ZERO)
    if max_amount <= ZERO:
        problems.append(
            _p("categories", "no_grant", "Es ergibt sich keine Zuwendung", "no grant results")
        )
    elif total != max_amount:
        problems.append(
            _p(
                "instalments",
                "sum_differs",
                f"Die Jahresraten ergeben {format_eur(total)}, der Höchstbetrag ist "
                f"{format_eur(max_amount)}",
                "the annual instalments must add up to the maximum amount",
            )
        )
    return problems


def _check_kind(
    kind: DecisionKind,
    approvals: Sequence[CategoryApproval],
    figures: GrantFigures,
    *,
    partial: bool,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if kind is DecisionKind.APPROVAL and partial:
        problems.append(
            _p(
                "kind",
                "deviation_needs_partial_approval",
                "Es wird weniger bewilligt als beantragt: das ist eine Teilbewilligung, deren "
                "Abweichungen begründet werden (§ 39 Abs. 1 VwVfG)",
                "less than applied for is a partial approval whose deviations are reasoned",
            )
        )
    if kind is DecisionKind.PARTIAL_APPROVAL and not partial:
        problems.append(
            _p(
                "kind",
                "no_deviation",
                "Es wird alles Beantragte bewilligt: das ist eine Bewilligung",
                "everything applied for is granted: that is an approval",
            )
        )
    if kind is DecisionKind.PARTIAL_APPROVAL:
        for i, a in enumerate(approvals):
            if a.category in figures.deviations and not a.deviation_reason.strip():
                problems.append(
                    _p(
                        f"categories.{i}.deviation_reason",
                        "missing",
                        "Jede Abweichung vom Antrag wird begründet (§ 39 Abs. 1 VwVfG)",
                        "each deviation from the application needs its reason",
                    )
                )
    return problems


def check_grant(
    kind: DecisionKind,
    *,
    approvals: Sequence[CategoryApproval],
    requested: Mapping[str, CategoryRequest],
    requested_grant: Decimal,
    cap: Decimal,
    period: tuple[date, date],
    latest_end: date,
    instalments: Mapping[int, Decimal],
) -> tuple[GrantFigures, list[FieldProblem]]:
    """The figures of an approval or partial approval, and every problem of the draft. A
    category of the application left out of ``approvals`` counts as a deviation (nothing
    approved there)."""
    seen, problems = _check_categories(approvals, requested)
    figures = grant_figures(approvals, requested, cap=cap)
    problems += _check_period(period, latest_end, instalments, figures.max_amount)
    partial = (
        bool(figures.deviations)
        or figures.max_amount < requested_grant
        or bool(set(requested) - seen)
    )
    problems += _check_kind(kind, approvals, figures, partial=partial)
    return figures, problems


def check_rejection(reasons: Sequence[Reason], discretion: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not reasons:
        problems.append(
            _p(
                "reasons",
                "missing",
                "Eine Ablehnung nennt ihre Gründe (§ 39 Abs. 1 VwVfG)",
                "a rejection states its reasons",
            )
        )
    for i, reason in enumerate(reasons):
        if not reason.text.strip():
            problems.append(_p(f"reasons.{i}.text", "missing", "Pflichtfeld", "required"))
    if not discretion.strip():
        problems.append(
            _p(
                "discretion",
                "missing",
                "Wie das Ermessen ausgeübt wurde, wird dargelegt (§ 39 Abs. 1 S. 3 VwVfG)",
                "how discretion was used must be stated",
            )
        )
    return problems


def raise_problems(problems: Sequence[FieldProblem]) -> None:
    if problems:
        refuse(problems)


def refuse(problems: Sequence[FieldProblem]) -> NoReturn:
    raise InvalidInput(
        "Der Entwurf des Bescheids ist unvollständig oder widersprüchlich (the draft "
        "decision is incomplete or inconsistent).",
        problems=tuple(problems),
    )


def file_reference(application_reference: str, number: int) -> str:
    """The decision's Aktenzeichen: the application's number and the decision's ordinal
    (an assumption of ours, DOMAIN.md §5.8, until the authority's scheme is known)."""
    return f"{application_reference}/B{number}"
