"""Budgets per fiscal year, set by programme managers, each change audited with its reason.

The levels nest: a call's year needs its programme's year set first, a line's its call's;
a level never falls below what is committed against it or below the sum of the levels
beneath it, and never rises above what the level above leaves free. Setting a level locks
its parent's row (and its own), so two managers changing siblings at once are serialised
and the nesting holds; a release locks only its line's rows (``awards.ledger``).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from grants.awards.access import ensure_manager, programme
from grants.awards.budgets.schemas import BudgetOverview, BudgetSet, BudgetYear
from grants.awards.ledger import LineKey, balance_of, committed_by_year, committed_in
from grants.awards.tables import budgets_table, ledger_month_sums_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.budget import Balance, BudgetBelowCommitments, YearBudget, check_budget_change
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.guideline import Guideline
from grants.core.money import ZERO

_b, _ms = budgets_table, ledger_month_sums_table

LIMIT_ASSUMPTION = (
    "Bindungsrahmen je Haushaltsjahr = Ansatz + Verpflichtungsermächtigung (Annahme, DOMAIN "
    "§5.10; what may be committed for a fiscal year = cash appropriation + commitment "
    "authorisation, an assumption until the programme's budget rules say otherwise)"
)


def _validate_scope(guideline: Guideline, data: BudgetSet) -> None:
    if data.call_code:
        call = guideline.call(data.call_code)
        if call is None:
            raise InvalidInput(
                "Unbekannter Förderaufruf (unknown call).",
                problems=(
                    FieldProblem(
                        "call_code",
                        "unknown_code",
                        "erlaubt (allowed): " + ", ".join(c.code for c in guideline.calls),
                    ),
                ),
            )
        if data.funding_line and data.funding_line not in call.lines:
            raise InvalidInput(
                "Der Aufruf hat diese Förderlinie nicht (the call has no such funding line).",
                problems=(
                    FieldProblem(
                        "funding_line",
                        "unknown_code",
                        "erlaubt (allowed): " + ", ".join(call.lines),
                    ),
                ),
            )
    elif data.funding_line:
        raise InvalidInput(
            "Eine Förderlinie gehört zu einem Aufruf (a funding line belongs to a call).",
            problems=(FieldProblem("call_code", "required_with_line", "Pflichtfeld (required)"),),
        )


def _scope(guideline_id: str, call_code: str, funding_line: str, year: int) -> Any:
    return sa.and_(
        _b.c.guideline_id == guideline_id,
        _b.c.call_code == call_code,
        _b.c.funding_line == funding_line,
        _b.c.fiscal_year == year,
    )


def _label(call_code: str, funding_line: str) -> str:
    if funding_line:
        return f"Förderlinie „{funding_line}“ ({call_code})"
    if call_code:
        return f"Aufruf „{call_code}“"
    return "Programm"


def _year(row: Any) -> YearBudget:
    return YearBudget(row.fiscal_year, row.cash_appropriation, row.commitment_authorisation)


async def _committed_at_level(
    ctx: UserContext, guideline_id: str, call_code: str, funding_line: str, year: int
) -> Decimal:
    if funding_line:
        key = LineKey(guideline_id, call_code, funding_line)
        return (await committed_by_year(ctx.session, key, [year])).get(year, ZERO)
    return await committed_in(ctx.session, guideline_id, year, call_code=call_code)


async def _children_limits(
    ctx: UserContext, guideline_id: str, call_code: str, funding_line: str, year: int
) -> list[Any]:
    if funding_line:
        return []
    query = sa.select(_b).where(_b.c.guideline_id == guideline_id, _b.c.fiscal_year == year)
    if call_code:
        query = query.where(_b.c.call_code == call_code, _b.c.funding_line != "")
    else:
        query = query.where(_b.c.call_code != "", _b.c.funding_line == "")
    return list(await ctx.session.execute(query))


def _record(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "call_code": row.call_code,
        "funding_line": row.funding_line,
        "fiscal_year": row.fiscal_year,
        "cash_appropriation": str(row.cash_appropriation),
        "commitment_authorisation": str(row.commitment_authorisation),
    }


async def set_budget(ctx: UserContext, guideline_id: str, data: BudgetSet) -> BudgetOverview:
    """Create or change one level's amounts for one fiscal year; audited with the reason."""
    ensure_manager(ctx)
    guideline = programme(ctx, guideline_id)
    _validate_scope(guideline, data)
    call_code, line, year = data.call_code, data.funding_line, data.fiscal_year
    new = YearBudget(year, data.cash_appropriation, data.commitment_authorisation)
    async with ctx.session.begin():
        parent_free: Decimal | None = None
        if call_code:
            parent_call, parent_line = ("", "") if not line else (call_code, "")
            parent = (
                await ctx.session.execute(
                    sa.select(_b)
                    .where(_scope(guideline_id, parent_call, parent_line, year))
                    .with_for_update()
                )
            ).first()
            if parent is None:
                above = _label(parent_call, parent_line)
                raise BudgetBelowCommitments(
                    f"Für {above} ist für {year} noch kein Budget festgelegt; es wird zuerst "
                    f"festgelegt (set the budget of the level above for {year} first).",
                    extra={"fiscal_year": year, "missing_level": above},
                )
            siblings = await _children_limits(ctx, guideline_id, parent_call, parent_line, year)
            others = sum(
                (
                    _year(s).limit
                    for s in siblings
                    if (s.call_code, s.funding_line) != (call_code, line)
                ),
                ZERO,
            )
            parent_free = _year(parent).limit - others
        current = (
            await ctx.session.execute(
                sa.select(_b).where(_scope(guideline_id, call_code, line, year)).with_for_update()
            )
        ).first()
        children = await _children_limits(ctx, guideline_id, call_code, line, year)
        check_budget_change(
            new,
            committed=await _committed_at_level(ctx, guideline_id, call_code, line, year),
            children=None if line else sum((_year(c).limit for c in children), ZERO),
            parent_free=parent_free,
            label=_label(call_code, line),
        )
        values = {
            "cash_appropriation": new.cash_appropriation,
            "commitment_authorisation": new.commitment_authorisation,
            "changed_by": ctx.principal.user_id,
            "changed_at": ctx.now,
        }
        if current is None:
            await ctx.session.execute(
                sa.insert(_b).values(
                    guideline_id=guideline_id,
                    call_code=call_code,
                    funding_line=line,
                    fiscal_year=year,
                    version=1,
                    **values,
                )
            )
        else:
            await ctx.session.execute(
                sa.update(_b)
                .where(_b.c.id == current.id)
                .values(version=current.version + 1, **values)
            )
        await ctx.audit(
            action=AuditAction.BUDGET_SET,
            object_type="budget",
            object_id=f"{guideline_id}/{call_code}/{line}/{year}",
            before=_record(current),
            after={**(_record(data) or {}), "reason": data.reason.strip()},
        )
        return await _overview(ctx, guideline_id)


def _level(call_code: str, funding_line: str) -> str:
    return "line" if funding_line else "call" if call_code else "programme"


def _sums(rows: Iterable[Any]) -> dict[tuple[str, str, int], dict[str, Decimal]]:
    sums: dict[tuple[str, str, int], dict[str, Decimal]] = {}
    for row in rows:
        for scope in ((row.call_code, row.funding_line), (row.call_code, ""), ("", "")):
            bucket = sums.setdefault((*scope, row.fiscal_year), {})
            bucket[row.kind] = bucket.get(row.kind, ZERO) + row.total
    return sums


async def _overview(ctx: UserContext, guideline_id: str) -> BudgetOverview:
    budgets = await ctx.session.execute(
        sa.select(_b)
        .where(_b.c.guideline_id == guideline_id)
        .order_by(_b.c.fiscal_year, _b.c.call_code, _b.c.funding_line)
    )
    # The ledger's month sums (kept by its insert trigger), not its rows: a few rows per
    # line and year however many movements there are.
    ledger = await ctx.session.execute(
        sa.select(
            _ms.c.call_code,
            _ms.c.funding_line,
            _ms.c.fiscal_year,
            _ms.c.kind,
            sa.func.sum(_ms.c.amount).label("total"),
        )
        .where(_ms.c.guideline_id == guideline_id)
        .group_by(_ms.c.call_code, _ms.c.funding_line, _ms.c.fiscal_year, _ms.c.kind)
    )
    sums = _sums(ledger)
    rows = []
    for row in budgets:
        year = _year(row)
        balance: Balance = balance_of(
            sums.get((row.call_code, row.funding_line, row.fiscal_year), {})
        )
        rows.append(
            BudgetYear(
                level=_level(row.call_code, row.funding_line),
                call_code=row.call_code,
                funding_line=row.funding_line,
                fiscal_year=row.fiscal_year,
                cash_appropriation=row.cash_appropriation,
                commitment_authorisation=row.commitment_authorisation,
                limit=year.limit,
                committed=balance.committed,
                paid=balance.paid,
                open=balance.open,
                free=year.limit - balance.committed,
                reclaimed=balance.reclaimed,
                refunded=balance.refunded,
                version=row.version,
                changed_at=row.changed_at,
            )
        )
    return BudgetOverview(guideline_id=guideline_id, rows=rows, assumption=LIMIT_ASSUMPTION)


async def budget_overview(ctx: UserContext, guideline_id: str) -> BudgetOverview:
    """Every level's year with committed, paid, open and free (managers)."""
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    async with ctx.session.begin():
        return await _overview(ctx, guideline_id)
