"""Budget arithmetic: what may still be committed, and whether a commitment or a change of a
budget keeps "committed ≤ budget" true. Pure; the ledger service reads the figures under a
row lock and asks here.

Levels: programme → call → funding line, each with amounts per fiscal year (DOMAIN.md §5.10).
A commitment is checked against its line's year only: the budgets themselves are kept
nested (a line's amounts within its call's, a call's within its programme's, checked when a
manager sets them), so a line that holds is enough for the levels above it — and
commitments on different lines never wait for each other.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from grants.core.errors import Conflict
from grants.core.money import ZERO, format_eur, format_eur_en


@dataclass(frozen=True, slots=True)
class YearBudget:
    fiscal_year: int
    cash_appropriation: Decimal  # Ansatz: cash for that year
    commitment_authorisation: Decimal  # Verpflichtungsermächtigung counted against that year

    @property
    def limit(self) -> Decimal:
        """What may be committed for the year: Ansatz plus VE (DOMAIN.md §5.10, an
        assumption until the programme's budget rules say otherwise)."""
        return self.cash_appropriation + self.commitment_authorisation


@dataclass(frozen=True, slots=True)
class Balance:
    """A line's (or level's) year, derived from the ledger."""

    committed: Decimal = ZERO  # commitments − de-commitments
    paid: Decimal = ZERO  # payments − refunds received
    reclaimed: Decimal = ZERO  # reclaims raised (receivables)
    refunded: Decimal = ZERO  # refunds received
    interest: Decimal = ZERO  # interest raised

    @property
    def open(self) -> Decimal:
        """Committed but not yet paid."""
        return self.committed - self.paid


class BudgetExceeded(Conflict):
    """A commitment that would take a line's year past what may be committed."""

    code = "budget-exceeded"


class NoBudget(Conflict):
    """A commitment for a year in which the line has no budget at all."""

    code = "no-budget"


class BudgetBelowCommitments(Conflict):
    """A budget set lower than what is already committed against it, or a parent level set
    lower than the sum of its children (or a child above what its parent leaves)."""

    code = "budget-below-commitments"


def check_commitment(
    instalments: Mapping[int, Decimal],
    budgets: Mapping[int, YearBudget],
    committed: Mapping[int, Decimal],
    *,
    line_label: str,
) -> None:
    """Raise unless every year's instalment fits what is left of that year's budget."""
    for year in sorted(instalments):
        amount = instalments[year]
        if amount <= ZERO:
            raise ValueError("instalments must be positive")
        budget = budgets.get(year)
        if budget is None:
            raise NoBudget(
                f"Für {line_label} ist für das Haushaltsjahr {year} kein Budget festgelegt "
                f"(no budget is set for {line_label} in fiscal year {year}).",
                extra={"fiscal_year": year, "line": line_label},
            )
        already = committed.get(year, ZERO)
        free = budget.limit - already
        if amount > free:
            raise BudgetExceeded(
                f"Das Budget von {line_label} im Haushaltsjahr {year} reicht nicht: frei "
                f"{format_eur(free)}, benötigt {format_eur(amount)} (the budget of "
                f"{line_label} in fiscal year {year} is not enough: {format_eur_en(free)} "
                f"free, {format_eur_en(amount)} needed).",
                extra={
                    "fiscal_year": year,
                    "line": line_label,
                    "limit": str(budget.limit),
                    "committed": str(already),
                    "free": str(free),
                    "needed": str(amount),
                },
            )


def check_budget_change(
    new: YearBudget,
    *,
    committed: Decimal,
    children: Decimal | None,
    parent_free: Decimal | None,
    label: str,
) -> None:
    """A budget may not fall below what is committed against it, nor below the sum of its
    children's budgets; nor rise above what its parent leaves for it (``parent_free``: the
    parent's limit minus its other children's). ``None``: no such level."""
    limit = new.limit
    year = new.fiscal_year
    if limit < committed:
        raise BudgetBelowCommitments(
            f"{label}, Haushaltsjahr {year}: {format_eur(limit)} liegt unter den bereits "
            f"gebundenen Mitteln von {format_eur(committed)} ({label}, fiscal year {year}: "
            f"{format_eur_en(limit)} is below the {format_eur_en(committed)} already "
            "committed).",
            extra={"fiscal_year": year, "limit": str(limit), "committed": str(committed)},
        )
    if children is not None and limit < children:
        raise BudgetBelowCommitments(
            f"{label}, Haushaltsjahr {year}: {format_eur(limit)} liegt unter der Summe der "
            f"untergeordneten Budgets von {format_eur(children)} ({label}, fiscal year {year}: "
            f"{format_eur_en(limit)} is below the sum of the budgets beneath it, "
            f"{format_eur_en(children)}).",
            extra={"fiscal_year": year, "limit": str(limit), "children": str(children)},
        )
    if parent_free is not None and limit > parent_free:
        raise BudgetBelowCommitments(
            f"{label}, Haushaltsjahr {year}: {format_eur(limit)} übersteigt, was das "
            f"übergeordnete Budget noch freilässt ({format_eur(parent_free)}) ({label}, fiscal "
            f"year {year}: {format_eur_en(limit)} exceeds what the level above leaves free, "
            f"{format_eur_en(parent_free)}).",
            extra={"fiscal_year": year, "limit": str(limit), "parent_free": str(parent_free)},
        )
