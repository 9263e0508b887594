"""Revocation (*Widerruf*, § 49 VwVfG) and withdrawal (*Rücknahme*, § 48 VwVfG) of a grant,
after a hearing, and the reclaim that follows (§ 49a VwVfG). Pure (DOMAIN.md §3.11, §6 item 8).

The steps, each a person's act the system prepares:

1. **Hearing** (*Anhörung*, § 28 Abs. 1 VwVfG). Before a decision that interferes with the
   recipient's rights, the recipient is told the facts the authority intends to rely on and
   the measure it considers, and may comment by a set day. :func:`hearing_problems` checks
   what a hearing must state; :func:`hearing_concluded` says whether the decision may be
   taken now: once the recipient has commented, or once the day set has passed (the
   authority need not wait longer, and need not have a comment).
2. **The decision**: the new grant (``0`` revokes in full), the day from which it takes
   effect (for a revocation "auch mit Wirkung für die Vergangenheit", § 49 Abs. 3), the
   reasons and how discretion was used (§ 39 Abs. 1 VwVfG; for § 49 Abs. 3 revocation is the
   rule where money was not used for its purpose — *intendiertes Ermessen* — but the weighing
   is still stated), and how the recipient's comment was weighed. :func:`decision_problems`
   checks it, including the **one-year limit** (§ 48 Abs. 4 VwVfG, for § 49 via Abs. 3
   S. 2): the decision must come within a year of the day the authority learnt the facts.
3. **The money** (:func:`allocate`): the commitment is reduced to the new grant year by
   year, and what was paid above it is reclaimed. Years keep first what was paid in them (so
   a year's reclaim is only what its payments exceed), then the rest of the new grant, both
   from the earliest year on; what is left is freed (*de-committed*). Interest on the
   reclaim runs from the effective day (``core.interest``); waiving it is a separate
   decision (§ 49a Abs. 3 S. 2).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from grants.core.deadlines import add_months
from grants.core.errors import FieldProblem
from grants.core.money import ZERO

# § 28 VwVfG sets no period; two weeks is the shortest period commonly held reasonable for a
# written comment, four weeks what we propose (both assumptions, configurable by the caller).
MINIMUM_HEARING_DAYS = 14
DEFAULT_HEARING_WEEKS = 4


class Measure(StrEnum):
    REVOCATION = "revocation"  # Widerruf, § 49 Abs. 3 VwVfG (lawful grant, purpose missed)
    WITHDRAWAL = "withdrawal"  # Rücknahme, § 48 VwVfG (unlawful grant, e.g. false statements)


LEGAL_BASES: Mapping[Measure, str] = {
    Measure.REVOCATION: "§ 49 Abs. 3 VwVfG i. V. m. § 1 SächsVwVfZG",
    Measure.WITHDRAWAL: "§ 48 VwVfG i. V. m. § 1 SächsVwVfZG",
}


def _problem(field: str, rule: str, de: str, en: str) -> FieldProblem:
    return FieldProblem(field, rule, f"{de} ({en})")


def hearing_problems(
    *, facts: str, intended_grant: Decimal, current_grant: Decimal, respond_by: date, today: date
) -> list[FieldProblem]:
    """What a hearing must state before it is sent (empty: it can be)."""
    problems = []
    if not facts.strip():
        problems.append(
            _problem(
                "facts",
                "required",
                "Die Anhörung nennt die Tatsachen, auf die sich die Entscheidung stützen soll",
                "a hearing states the facts the decision would rest on",
            )
        )
    if intended_grant >= current_grant:
        problems.append(
            _problem(
                "intended_grant",
                "not_a_reduction",
                f"Beabsichtigt ist eine Zuwendung unter den bewilligten {current_grant} EUR",
                "the intended grant is below the current one",
            )
        )
    earliest = today + timedelta(days=MINIMUM_HEARING_DAYS)
    if respond_by < earliest:
        problems.append(
            _problem(
                "respond_by",
                "too_short",
                f"Die Frist zur Äußerung endet frühestens am {earliest.isoformat()} "
                f"({MINIMUM_HEARING_DAYS} Tage; Annahme)",
                f"the period to comment is at least {MINIMUM_HEARING_DAYS} days (an assumption)",
            )
        )
    return problems


def hearing_concluded(*, respond_by: date, responses: int, today: date) -> bool:
    """The decision may be taken once the recipient has commented or the day has passed."""
    return responses > 0 or today > respond_by


def one_year_limit(facts_known_on: date) -> date:
    """The last day for the decision (§ 48 Abs. 4 S. 1 VwVfG): one year after the authority
    learnt the facts (the day of knowledge not counted, § 187 Abs. 1 BGB; § 188 Abs. 2)."""
    return add_months(facts_known_on, 12)


@dataclass(frozen=True, slots=True)
class RevocationInput:
    new_grant: Decimal
    effective_from: date
    reasons: Sequence[str]
    discretion: str
    response_weighed: str


def decision_problems(
    data: RevocationInput,
    *,
    current_grant: Decimal,
    granted_on: date,
    facts_known_on: date,
    responses: int,
    decision_date: date,
) -> list[FieldProblem]:
    """Every reason the revocation cannot be drafted as given (empty: it can)."""
    problems = []
    if data.new_grant >= current_grant:
        problems.append(
            _problem(
                "new_grant",
                "not_a_reduction",
                f"Die neue Zuwendung liegt unter den bewilligten {current_grant} EUR",
                "the new grant is below the current one",
            )
        )
    if not granted_on <= data.effective_from <= decision_date:
        problems.append(
            _problem(
                "effective_from",
                "out_of_range",
                f"Wirksam ab einem Tag zwischen dem Zuwendungsbescheid ({granted_on.isoformat()}) "
                f"und heute ({decision_date.isoformat()})",
                "effective from a day between the grant and today",
            )
        )
    if not [r for r in data.reasons if r.strip()]:
        problems.append(
            _problem(
                "reasons",
                "required",
                "Die Begründung nennt die Gründe (§ 39 Abs. 1 VwVfG)",
                "the decision states its reasons",
            )
        )
    if not data.discretion.strip():
        problems.append(
            _problem(
                "discretion",
                "required",
                "Die Begründung lässt erkennen, wie das Ermessen ausgeübt wurde (§ 39 Abs. 1 "
                "S. 3 VwVfG)",
                "the decision states how discretion was used",
            )
        )
    if responses and not data.response_weighed.strip():
        problems.append(
            _problem(
                "response_weighed",
                "required",
                "Die Äußerung in der Anhörung ist zu würdigen (§ 28 VwVfG)",
                "the decision weighs the recipient's comment",
            )
        )
    last_day = one_year_limit(facts_known_on)
    if decision_date > last_day:
        problems.append(
            _problem(
                "decision_date",
                "one_year_limit",
                f"Die Jahresfrist (§ 48 Abs. 4 VwVfG) endete am {last_day.isoformat()}",
                "the one-year limit has passed",
            )
        )
    return problems


@dataclass(frozen=True, slots=True)
class YearAllocation:
    fiscal_year: int
    committed: Decimal  # before
    paid: Decimal
    new_commitment: Decimal
    decommitment: Decimal  # committed − new_commitment
    reclaim: Decimal  # paid above the new commitment


@dataclass(frozen=True, slots=True)
class Allocation:
    years: tuple[YearAllocation, ...]
    new_grant: Decimal
    decommitment: Decimal
    reclaim: Decimal  # Σ per year = max(Σ paid − new grant, 0)


def allocate(
    committed: Mapping[int, Decimal], paid: Mapping[int, Decimal], new_grant: Decimal
) -> Allocation:
    """The new grant spread over the fiscal years (see the module docstring, step 3).
    ``new_grant`` must not exceed the total committed."""
    years = sorted(set(committed) | set(paid))
    total = sum((committed.get(y, ZERO) for y in years), ZERO)
    if new_grant < ZERO or new_grant > total:
        raise ValueError(f"new grant {new_grant} outside 0..{total}")
    left = new_grant
    kept: dict[int, Decimal] = {}
    for year in years:  # first what was paid in each year
        keep = min(committed.get(year, ZERO), paid.get(year, ZERO), left)
        kept[year] = keep
        left -= keep
    for year in years:  # then the rest of the new grant, earliest year first
        more = min(committed.get(year, ZERO) - kept[year], left)
        kept[year] += more
        left -= more
    rows = tuple(
        YearAllocation(
            fiscal_year=year,
            committed=committed.get(year, ZERO),
            paid=paid.get(year, ZERO),
            new_commitment=kept[year],
            decommitment=committed.get(year, ZERO) - kept[year],
            reclaim=max(paid.get(year, ZERO) - kept[year], ZERO),
        )
        for year in years
    )
    return Allocation(
        years=rows,
        new_grant=new_grant,
        decommitment=sum((r.decommitment for r in rows), ZERO),
        reclaim=sum((r.reclaim for r in rows), ZERO),
    )
