"""The ledger: every money movement as an append-only row, and the balances derived from it.

**Why a row lock on the budget, not serializable isolation.** A commitment reads what a
line's year already holds and adds to it; two releases doing that at once must not both see
the same free amount. ``commit_funds`` locks the line's budget rows for the years it commits
(``SELECT … FOR UPDATE``, in ascending year order so two multi-year commitments cannot
deadlock), sums the ledger, asks ``core.budget`` and inserts — the second release waits for
the first's commit and then sees its rows. Serializable isolation would also be correct, but
it aborts transactions on predicate conflicts that are not real ones (any two commitments
reading the same index range), needs a retry loop around the whole release (letter, audit,
outbox included), and turns a clear "budget exceeded" into a retried serialization failure
under load. The lock is per line and year: releases on different lines never wait for each
other.

Balances are never stored: committed, paid, open and free are sums over these rows.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.tables import budgets_table, ledger_table
from grants.context import Context
from grants.core.budget import Balance, YearBudget, check_commitment
from grants.core.money import ZERO

_b, _l = budgets_table, ledger_table


class Movement(StrEnum):
    COMMITMENT = "commitment"  # a released decision binds money (per fiscal year)
    DECOMMITMENT = "decommitment"  # an amendment, revocation or final settlement frees it
    PAYMENT = "payment"  # money paid out (after the four-eyes order)
    RECLAIM = "reclaim"  # an amount claimed back by a revocation (a receivable)
    REFUND = "refund"  # money received back
    INTEREST = "interest"  # interest raised under § 49a VwVfG


@dataclass(frozen=True, slots=True)
class LineKey:
    """A funding line of a call of a programme: where commitments are counted."""

    guideline_id: str
    call_code: str
    funding_line: str

    @property
    def label(self) -> str:
        return f"Förderlinie „{self.funding_line}“ des Aufrufs „{self.call_code}“"


def _where(key: LineKey) -> Any:
    return sa.and_(
        _l.c.guideline_id == key.guideline_id,
        _l.c.call_code == key.call_code,
        _l.c.funding_line == key.funding_line,
    )


async def lock_line_budgets(
    session: AsyncSession, key: LineKey, years: Iterable[int]
) -> dict[int, YearBudget]:
    """The line's budget rows for ``years``, locked until the transaction ends."""
    rows = await session.execute(
        sa.select(_b.c.fiscal_year, _b.c.cash_appropriation, _b.c.commitment_authorisation)
        .where(
            _b.c.guideline_id == key.guideline_id,
            _b.c.call_code == key.call_code,
            _b.c.funding_line == key.funding_line,
            _b.c.fiscal_year.in_(sorted(set(years))),
        )
        .order_by(_b.c.fiscal_year)
        .with_for_update()
    )
    return {row.fiscal_year: YearBudget(*row) for row in rows}


def _net_commitment() -> Any:
    return sa.func.sum(
        sa.case((_l.c.kind == Movement.COMMITMENT.value, _l.c.amount), else_=-_l.c.amount)
    )


_COMMITTING = (Movement.COMMITMENT.value, Movement.DECOMMITMENT.value)


async def committed_by_year(
    session: AsyncSession, key: LineKey, years: Iterable[int]
) -> dict[int, Decimal]:
    rows = await session.execute(
        sa.select(_l.c.fiscal_year, _net_commitment())
        .where(_where(key), _l.c.fiscal_year.in_(sorted(set(years))), _l.c.kind.in_(_COMMITTING))
        .group_by(_l.c.fiscal_year)
    )
    return {int(year): Decimal(total) for year, total in rows}


async def committed_in(
    session: AsyncSession, guideline_id: str, fiscal_year: int, *, call_code: str = ""
) -> Decimal:
    """What a programme (or one call of it) has committed for a fiscal year."""
    query = sa.select(_net_commitment()).where(
        _l.c.guideline_id == guideline_id,
        _l.c.fiscal_year == fiscal_year,
        _l.c.kind.in_(_COMMITTING),
    )
    if call_code:
        query = query.where(_l.c.call_code == call_code)
    return Decimal((await session.execute(query)).scalar_one() or 0)


def entry_values(
    ctx: Context,
    kind: Movement,
    *,
    key: LineKey,
    application_id: uuid.UUID,
    fiscal_year: int,
    amount: Decimal,
    reason: str,
    decision_id: uuid.UUID | None = None,
    payment_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "application_id": application_id,
        "decision_id": decision_id,
        "payment_id": payment_id,
        "guideline_id": key.guideline_id,
        "call_code": key.call_code,
        "funding_line": key.funding_line,
        "fiscal_year": fiscal_year,
        "amount": amount,
        "actor_id": ctx.actor.user_id,
        "actor_label": ctx.actor.label,
        "reason": reason,
        "occurred_at": ctx.now,
    }


async def record_movement(
    ctx: Context,
    kind: Movement,
    *,
    key: LineKey,
    application_id: uuid.UUID,
    fiscal_year: int,
    amount: Decimal,
    reason: str,
    decision_id: uuid.UUID | None = None,
    payment_id: uuid.UUID | None = None,
) -> None:
    """One movement that binds nothing new (a payment within its commitment, a refund, …):
    the caller has checked it under its own lock."""
    await ctx.session.execute(
        sa.insert(_l).values(
            entry_values(
                ctx,
                kind,
                key=key,
                application_id=application_id,
                fiscal_year=fiscal_year,
                amount=amount,
                reason=reason,
                decision_id=decision_id,
                payment_id=payment_id,
            )
        )
    )


async def commit_funds(
    ctx: Context,
    *,
    key: LineKey,
    application_id: uuid.UUID,
    decision_id: uuid.UUID,
    instalments: Mapping[int, Decimal],
    reason: str,
) -> None:
    """Bind ``instalments`` (fiscal year → amount) on the line, or raise ``BudgetExceeded``
    / ``NoBudget`` (409) and write nothing. Must run inside the caller's transaction, which
    holds the budget rows locked until it commits."""
    years = [year for year, amount in instalments.items() if amount > ZERO]
    budgets = await lock_line_budgets(ctx.session, key, years)
    committed = await committed_by_year(ctx.session, key, years)
    check_commitment(
        {year: instalments[year] for year in years}, budgets, committed, line_label=key.label
    )
    await ctx.session.execute(
        sa.insert(_l),
        [
            entry_values(
                ctx,
                Movement.COMMITMENT,
                key=key,
                application_id=application_id,
                decision_id=decision_id,
                fiscal_year=year,
                amount=instalments[year],
                reason=reason,
            )
            for year in sorted(years)
        ],
    )


def balance_of(sums: Mapping[str, Decimal]) -> Balance:
    """A ``Balance`` from the sums per movement kind."""

    def get(kind: Movement) -> Decimal:
        return sums.get(kind.value, ZERO)

    return Balance(
        committed=get(Movement.COMMITMENT) - get(Movement.DECOMMITMENT),
        paid=get(Movement.PAYMENT) - get(Movement.REFUND),
        reclaimed=get(Movement.RECLAIM),
        refunded=get(Movement.REFUND),
        interest=get(Movement.INTEREST),
    )


async def application_balances(
    session: AsyncSession, application_id: uuid.UUID
) -> dict[int, Balance]:
    """One award's balance per fiscal year."""
    rows = await session.execute(
        sa.select(_l.c.fiscal_year, _l.c.kind, sa.func.sum(_l.c.amount))
        .where(_l.c.application_id == application_id)
        .group_by(_l.c.fiscal_year, _l.c.kind)
    )
    sums: dict[int, dict[str, Decimal]] = {}
    for year, kind, total in rows:
        sums.setdefault(year, {})[kind] = total
    return {year: balance_of(by_kind) for year, by_kind in sorted(sums.items())}


async def application_entries(session: AsyncSession, application_id: uuid.UUID) -> list[Any]:
    rows = await session.execute(
        sa.select(_l).where(_l.c.application_id == application_id).order_by(_l.c.id)
    )
    return list(rows)
