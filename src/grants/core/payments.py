"""The checks of a payment request (*Mittelabruf*) and of its payment order, pure
(DOMAIN.md §3.8, §3.12, §5.10, §6 item 11).

``check_payment_request`` judges one request against the facts of its award and raises:

* ``Conflict`` (409) when the award's **state** excludes any payment, whatever the request
  says: no approving decision (the application was rejected, withdrawn, or is not decided
  yet — rule ``no_approval``), or an approving decision that is not in force (not yet
  notified, § 43 Abs. 1 VwVfG, or no longer effective after a revocation — rule
  ``not_in_force``). Nothing in the request could fix that, so it is checked first and
  alone: judging the figures of a request that has nothing to draw on would only add noise.
* ``InvalidInput`` (422) naming **every** broken rule of the request itself, each as a
  ``FieldProblem`` with its rule code, so the recipient can correct all at once. This
  includes the two rules that also depend on the calendar — a closed fiscal year and a
  request outside the approval period — because they are judged against what the request
  asks for (this fiscal year, now), like the amount rules.

The rules (field → rule code):

``amount``
    ``positive`` (more than zero), ``whole_cents`` (at most two decimals),
    ``exceeds_available`` (at most the year's committed amount minus what was paid in that
    year: a payment ≤ bewilligt − ausgezahlt, DOMAIN.md §5.10), ``ahead_of_share``
    (pro rata, below), ``exceeds_need`` (below).
``purpose``
    ``required`` (not empty).
``fiscal_year``
    ``year_closed`` (the authority has closed its books for that year: no payment can be
    booked in it any more; Haushaltsjahr = calendar year, § 4 SäHO).
``requested_on`` (the request date, ``facts.today``)
    ``outside_approval_period``: the request is made within the approval period
    (*Bewilligungszeitraum*), both ends included. Read strictly: practice often lets a
    final call-off follow shortly after the end for costs incurred within the period, but
    no source for Saxony was read (DOMAIN.md §3.8), so such a late payment is left to a
    person outside this check (e.g. the final rate released after the proof of use).
``needed_by``
    ``not_needed_soon``: funds may be requested only as far and as soon as they are needed
    for payments due within a short period after the payment (ANBest-P Nr. 1.4). The period
    is **2 months** — an **assumption**: that is the Land versions' wording; the Saxon text
    was not read, and federal practice uses 6 weeks (DOMAIN.md §3.8, §5.11 item 2). It is a
    parameter of the check. A ``needed_by`` in the past is allowed: costs already incurred
    (reimbursement, *Erstattungsprinzip*).
``costs_due_by_needed_by``, ``own_funds_used``, ``third_party_funds_used``
    ``not_negative``, ``whole_cents``.

Pro rata (``ahead_of_share``): under share financing each call-off draws the grant
**pro rata** with the own and third-party funds (DOMAIN.md §3.8), so the grant may not run
ahead of its share of the spending::

    Σ paid (all years) + amount ≤ grant share × costs due by needed_by

where the grant share comes from the approved financing plan (grant / total financing) and
the recipient states the costs incurred so far plus those due until ``needed_by``. The
product is exact; no rounding lets a cent more through.

Need (``exceeds_need``): the money is "needed" only for costs that the other funds do not
already cover (ANBest-P Nr. 1.4: as far as needed), so::

    Σ paid + amount + own funds used + third-party funds used ≤ costs due by needed_by

The two differ when the recipient has spent more own funds than their share: the grant may
then catch up to its share, but not beyond the costs still uncovered.

``check_four_eyes``: the person who certifies a request as factually and arithmetically
correct (*sachlich und rechnerisch richtig*) must not be the one who orders the payment
(*Anordnung*) — Saxon budget practice (DOMAIN.md §6 item 11).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import NoReturn
from uuid import UUID

from grants.core.deadlines import add_months, format_date_de
from grants.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from grants.core.lifecycle import STATE_LABELS, State
from grants.core.money import CENT, ZERO, format_eur, format_eur_en

# ANBest-P Nr. 1.4 (Land versions): needed within 2 months. ASSUMPTION for Saxony (§3.8).
PAYMENT_PERIOD_MONTHS = 2
# Only an approving decision can be drawn on (the Zuwendungsbescheid, in full or in part).
PAYABLE_STATES = frozenset({State.APPROVED, State.PARTIALLY_APPROVED})


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """What the system knows about the award when the request arrives."""

    state: State  # the application's lifecycle state (the decision's kind)
    decision_in_force: bool  # notified (§ 41, § 43 Abs. 1 VwVfG) and not revoked
    period_start: date  # Bewilligungszeitraum, both ends included
    period_end: date
    committed: Mapping[int, Decimal]  # the annual amounts (Jahresraten) per fiscal year
    paid: Mapping[int, Decimal]  # paid out per fiscal year, before this request
    closed_years: frozenset[int]  # fiscal years whose books the authority has closed
    grant_share: Decimal  # approved grant / approved total financing, 0..1
    today: date  # the request date, in Europe/Berlin (``deadlines.berlin_date``)

    def __post_init__(self) -> None:
        # Facts come from the system's own records: a contradiction is a bug, not input.
        if not (self.grant_share.is_finite() and ZERO <= self.grant_share <= 1):
            raise ValueError("grant_share must be between 0 and 1")
        if self.period_start > self.period_end:
            raise ValueError("the approval period ends before it starts")


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A Mittelabruf as the recipient files it."""

    amount: Decimal
    fiscal_year: int  # the year whose annual amount it draws on
    purpose: str
    needed_by: date  # by when the money will be spent
    costs_due_by_needed_by: Decimal  # eligible costs incurred so far plus those due until then
    own_funds_used: Decimal  # own funds spent on the project so far
    third_party_funds_used: Decimal  # third-party funds spent on the project so far


def check_payment_request(
    request: PaymentRequest,
    facts: PaymentFacts,
    *,
    payment_period_months: int = PAYMENT_PERIOD_MONTHS,
) -> None:
    """Pass silently, or raise ``Conflict`` (the award's state) or ``InvalidInput`` (every
    broken rule of the request); the rules and their codes are in the module docstring."""
    _check_standing(facts)
    problems = _Problems()
    amount_ok = _check_amount(request.amount, problems)
    if not request.purpose.strip():
        problems.add(
            "purpose", "required", "Bitte den Verwendungszweck angeben", "purpose required"
        )
    _check_calendar(request, facts, payment_period_months, problems)
    figures_ok = _check_figures(request, problems)
    if amount_ok:
        _check_available(request, facts, problems)
    if amount_ok and figures_ok:
        _check_pro_rata(request, facts, problems)
    if problems.found:
        raise InvalidInput(
            "Mittelabruf nicht zulässig (payment request not admissible).",
            problems=tuple(problems.found),
            extra={"rules": [problem.rule for problem in problems.found]},
        )


class _Problems:
    def __init__(self) -> None:
        self.found: list[FieldProblem] = []

    def add(self, field: str, rule: str, de: str, en: str) -> None:
        self.found.append(FieldProblem(field, rule, f"{de} ({en})."))


def _check_amount(amount: Decimal, problems: _Problems) -> bool:
    if not (amount.is_finite() and amount > ZERO):
        problems.add(
            "amount", "positive", "Der Betrag muss größer als 0 sein", "must be above zero"
        )
        return False
    if not _whole_cents(amount):
        problems.add(
            "amount",
            "whole_cents",
            "Höchstens zwei Nachkommastellen",
            "at most two decimal places, whole cents",
        )
        return False
    return True


def _check_calendar(
    request: PaymentRequest, facts: PaymentFacts, months: int, problems: _Problems
) -> None:
    year = request.fiscal_year
    if year in facts.closed_years:
        problems.add(
            "fiscal_year",
            "year_closed",
            f"Das Haushaltsjahr {year} ist abgeschlossen",
            f"fiscal year {year} is closed",
        )
    today, start, end = facts.today, facts.period_start, facts.period_end
    if not start <= today <= end:
        problems.add(
            "requested_on",
            "outside_approval_period",
            f"Mittel können nur im Bewilligungszeitraum abgerufen werden "
            f"({format_date_de(start)}–{format_date_de(end)})",
            f"funds can only be requested within the approval period "
            f"({start.isoformat()} to {end.isoformat()})",
        )
    latest = add_months(today, months)
    if request.needed_by > latest:
        problems.add(
            "needed_by",
            "not_needed_soon",
            f"Mittel dürfen nur für Zahlungen abgerufen werden, die innerhalb von {months} "
            f"Monaten fällig sind (bis {format_date_de(latest)})",
            f"funds may only be requested for payments due within {months} months "
            f"(by {latest.isoformat()})",
        )


def _check_figures(request: PaymentRequest, problems: _Problems) -> bool:
    ok = True
    for field in ("costs_due_by_needed_by", "own_funds_used", "third_party_funds_used"):
        value: Decimal = getattr(request, field)
        if not value.is_finite() or value < ZERO:
            problems.add(field, "not_negative", "Darf nicht negativ sein", "must not be negative")
            ok = False
        elif not _whole_cents(value):
            problems.add(field, "whole_cents", "Höchstens zwei Nachkommastellen", "whole cents")
            ok = False
    return ok


def _check_available(request: PaymentRequest, facts: PaymentFacts, problems: _Problems) -> None:
    year = request.fiscal_year
    available = facts.committed.get(year, ZERO) - facts.paid.get(year, ZERO)
    if request.amount > available:
        shown = max(available, ZERO)
        problems.add(
            "amount",
            "exceeds_available",
            f"Für {year} sind noch {format_eur(shown)} abrufbar",
            f"only {format_eur_en(shown)} left to request for {year}",
        )


def _check_pro_rata(request: PaymentRequest, facts: PaymentFacts, problems: _Problems) -> None:
    drawn = sum(facts.paid.values(), ZERO) + request.amount
    costs = request.costs_due_by_needed_by
    share_limit = facts.grant_share * costs  # exact: no rounding lets a cent more through
    if drawn > share_limit:
        room = share_limit - (drawn - request.amount)
        room = max(room.quantize(CENT, rounding=ROUND_FLOOR), ZERO)
        problems.add(
            "amount",
            "ahead_of_share",
            f"Die Zuwendung darf nur anteilig mit den Eigen- und Drittmitteln abgerufen "
            f"werden: höchstens {format_eur(room)}",
            f"the grant may only be drawn pro rata with own and third-party funds: at most "
            f"{format_eur_en(room)}",
        )
    other_funds = request.own_funds_used + request.third_party_funds_used
    if drawn + other_funds > costs:
        room = max(costs - (drawn - request.amount) - other_funds, ZERO)
        problems.add(
            "amount",
            "exceeds_need",
            f"Der Betrag übersteigt die noch nicht gedeckten Ausgaben: höchstens "
            f"{format_eur(room)}",
            f"the amount exceeds the costs not yet covered: at most {format_eur_en(room)}",
        )


def check_four_eyes(certified_by: UUID, ordered_by: UUID) -> None:
    """The certifying person (*sachlich und rechnerisch richtig*) and the ordering person
    (*Anordnung*) must be two different people (DOMAIN.md §6 item 11)."""
    if certified_by == ordered_by:
        raise Forbidden(
            "Vier-Augen-Prinzip: Wer den Mittelabruf als sachlich und rechnerisch richtig "
            "bescheinigt hat, darf die Auszahlung nicht selbst anordnen (four-eyes principle: "
            "the person who certified the request as factually and arithmetically correct "
            "may not order the payment).",
            problems=(
                FieldProblem(
                    "ordered_by",
                    "four_eyes",
                    "Anordnende Person ist die bescheinigende Person (the ordering person is "
                    "the certifying person).",
                ),
            ),
            extra={"reason": "four_eyes"},
        )


def _check_standing(facts: PaymentFacts) -> None:
    if facts.state not in PAYABLE_STATES:
        label = STATE_LABELS[facts.state]
        _conflict(
            "no_approval",
            f"Kein Zuwendungsbescheid, aus dem Mittel abgerufen werden könnten (Status: "
            f"{label.de})",
            f"no grant decision to draw funds from (status: {label.en})",
            facts.state,
        )
    if not facts.decision_in_force:
        _conflict(
            "not_in_force",
            "Der Zuwendungsbescheid ist nicht wirksam (nicht bekanntgegeben oder widerrufen)",
            "the grant decision is not in force (not notified, or revoked)",
            facts.state,
        )


def _conflict(rule: str, de: str, en: str, state: State) -> NoReturn:
    raise Conflict(
        f"{de} ({en}).",
        problems=(FieldProblem("decision", rule, f"{de} ({en})."),),
        extra={"reason": rule, "current_state": state.value},
    )


def _whole_cents(amount: Decimal) -> bool:
    return amount == amount.quantize(CENT, rounding=ROUND_FLOOR)
