"""The reports each award owes, reminders of them, and the managers' overdue list.

An award is an application in ``approved`` or ``partially_approved`` with its latest
released granting decision; the reports it owes come from that decision's approval period
(``decisions.notices.reports_due``), and a report counts as given once a proof of that kind
(and year) is submitted or checked — a returned one is owed again.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.accounts.service import contact_of
from grants.applications.queries import applications_table
from grants.awards.access import ensure_manager, programme
from grants.awards.decisions.notices import reports_due
from grants.awards.proofs.tables import proofs_table
from grants.awards.reclaims.money import AWARDED, REVOKING
from grants.awards.reclaims.tables import refunds_table
from grants.awards.reminders.schemas import (
    OutstandingReclaim,
    OverdueList,
    OverdueReport,
    WaitingPayment,
)
from grants.awards.tables import decisions_table, payments_table
from grants.context import UserContext
from grants.core.deadlines import berlin_date
from grants.core.decision import IN_FORCE, DecisionStatus
from grants.core.money import ZERO
from grants.core.reminders import Duty, ReminderKind, overdue, reminders_due
from grants.notifications.service import enqueue_message

_a, _d, _p, _pay, _r = (
    applications_table,
    decisions_table,
    proofs_table,
    payments_table,
    refunds_table,
)
_GIVEN = ("submitted", "checked")


async def _awards(session: AsyncSession, guideline_id: str | None) -> list[Any]:
    """(application, its latest released granting decision) of every award."""
    latest = (
        sa.select(_d.c.application_id, _d.c.kind, _d.c.content)
        .where(
            _d.c.status == DecisionStatus.RELEASED.value,
            _d.c.kind.in_([k.value for k in IN_FORCE]),
        )
        .ext(distinct_on(_d.c.application_id))
        .order_by(_d.c.application_id, _d.c.number.desc())
        .subquery("granting")
    )
    query = (
        sa.select(
            _a.c.id,
            _a.c.reference_number,
            _a.c.title,
            _a.c.created_by,
            latest.c.kind,
            latest.c.content,
        )
        .join(latest, latest.c.application_id == _a.c.id)
        .where(_a.c.status.in_(AWARDED))
        .order_by(_a.c.reference_number)
    )
    if guideline_id is not None:
        query = query.where(_a.c.guideline_id == guideline_id)
    return list(await session.execute(query))


async def _given(session: AsyncSession, application_ids: list[Any]) -> set[tuple[Any, str, Any]]:
    rows = await session.execute(
        sa.select(_p.c.application_id, _p.c.kind, _p.c.fiscal_year).where(
            _p.c.application_id.in_(application_ids), _p.c.status.in_(_GIVEN)
        )
    )
    return {(r.application_id, r.kind, r.fiscal_year) for r in rows}


def _duties(award: Any, given: set[tuple[Any, str, Any]]) -> list[Duty]:
    return [
        Duty(
            kind=report.kind,
            fiscal_year=report.fiscal_year,
            due_on=report.due_on,
            submitted=(award.id, report.kind, report.fiscal_year) in given,
        )
        for report in reports_due(award)
    ]


async def _reclaims(session: AsyncSession, guideline_id: str) -> list[OutstandingReclaim]:
    latest = (
        sa.select(_d)
        .where(
            _d.c.status == DecisionStatus.RELEASED.value,
            _d.c.kind.in_([k.value for k in REVOKING]),
        )
        .ext(distinct_on(_d.c.application_id))
        .order_by(_d.c.application_id, _d.c.number.desc())
        .subquery("revocation")
    )
    refunded = (
        sa.select(sa.func.coalesce(sa.func.sum(_r.c.amount), ZERO))
        .where(_r.c.decision_id == latest.c.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        sa.select(
            _a.c.id, _a.c.reference_number, latest.c.file_reference, latest.c.content, refunded
        )
        .join(latest, latest.c.application_id == _a.c.id)
        .where(_a.c.guideline_id == guideline_id)
    )
    found = []
    for row in rows:
        reclaimed = Decimal(row.content["figures"]["reclaim"])
        paid_back = Decimal(row[4])
        if reclaimed > paid_back:
            found.append(
                OutstandingReclaim(
                    application_id=row.id,
                    reference_number=row.reference_number,
                    file_reference=row.file_reference,
                    reclaimed=reclaimed,
                    outstanding=reclaimed - paid_back,
                    effective_from=date.fromisoformat(row.content["effective_from"]),
                )
            )
    return found


async def _payments(session: AsyncSession, guideline_id: str, now: datetime) -> list[Any]:
    rows = await session.execute(
        sa.select(_pay, _a.c.reference_number)
        .join(_a, _a.c.id == _pay.c.application_id)
        .where(_a.c.guideline_id == guideline_id, _pay.c.status.in_(("requested", "certified")))
        .order_by(_pay.c.requested_at)
    )
    return [
        WaitingPayment(
            id=r.id,
            application_id=r.application_id,
            reference_number=r.reference_number,
            status=r.status,
            amount=r.amount,
            requested_at=r.requested_at,
            days_waiting=(berlin_date(now) - berlin_date(r.requested_at)).days,
        )
        for r in rows
    ]


async def overdue_list(ctx: UserContext, guideline_id: str) -> OverdueList:
    """What the programme's awards owe or wait for today (managers)."""
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        awards = await _awards(ctx.session, guideline_id)
        given = await _given(ctx.session, [a.id for a in awards])
        reports = [
            OverdueReport(
                application_id=award.id,
                reference_number=award.reference_number,
                title=award.title,
                kind=duty.kind,
                fiscal_year=duty.fiscal_year,
                due_on=duty.due_on,
                days_overdue=days,
            )
            for award in awards
            for duty, days in overdue(_duties(award, given), today)
        ]
        reclaims = await _reclaims(ctx.session, guideline_id)
        payments = await _payments(ctx.session, guideline_id, ctx.now)
    reports.sort(key=lambda r: (-r.days_overdue, r.reference_number or ""))
    return OverdueList(
        guideline_id=guideline_id,
        today=today,
        reports=reports,
        reclaims=reclaims,
        payments=payments,
    )


def _label(duty: Duty) -> tuple[str, str]:
    if duty.kind == "interim":
        return (
            f"Zwischennachweis für das Haushaltsjahr {duty.fiscal_year}",
            f"interim proof of use for {duty.fiscal_year}",
        )
    return "Verwendungsnachweis", "proof of use"


def _message(award: Any, duty: Duty, kind: ReminderKind) -> tuple[str, str]:
    reference = award.reference_number or "—"
    de, en = _label(duty)
    day = duty.due_on.strftime("%d.%m.%Y")
    if kind is ReminderKind.UPCOMING:
        subject = f"Erinnerung: {de} bis {day} ({reference}) (reminder)"
        body = (
            f"Guten Tag,\n\nfür das Vorhaben {reference} ist der {de} bis zum {day} "
            "vorzulegen (Nebenbestimmungen des Zuwendungsbescheids, ANBest). Sie können ihn "
            "im Portal beim Vorhaben anlegen und einreichen.\n\n"
            f"Reminder: the {en} for {reference} is due by {duty.due_on.isoformat()}.\n"
        )
    else:
        subject = f"Überfällig: {de} ({reference}) (overdue)"
        body = (
            f"Guten Tag,\n\nder {de} für das Vorhaben {reference} war bis zum {day} "
            "vorzulegen und ist bei uns nicht eingegangen. Bitte reichen Sie ihn umgehend "
            "ein. Ein nicht vorgelegter Nachweis kann zum Widerruf des Zuwendungsbescheids "
            "führen (§ 49 Abs. 3 VwVfG).\n\n"
            f"The {en} for {reference} was due by {duty.due_on.isoformat()} and has not "
            "been received. Please submit it without delay.\n"
        )
    return subject, body


async def send_reminders(
    session_factory: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> int:
    """Queue every reminder due today that was not queued before; returns how many are new.
    One transaction per award: a failure leaves the others' reminders queued."""
    now = clock()
    today = berlin_date(now)
    async with session_factory() as session:
        async with session.begin():
            awards = await _awards(session, None)
            given = await _given(session, [a.id for a in awards])
        queued = 0
        for award in awards:
            due = reminders_due(_duties(award, given), today)
            if not due:
                continue
            async with session.begin():
                recipient, _ = await contact_of(session, award.created_by)
                queued += await _queue(session, award, due, recipient, now)
    return queued


async def _queue(
    session: AsyncSession,
    award: Any,
    due: Iterable[tuple[Duty, ReminderKind]],
    recipient: str,
    now: datetime,
) -> int:
    queued = 0
    for duty, kind in due:
        subject, body = _message(award, duty, kind)
        queued += await enqueue_message(
            session,
            dedupe_key=f"reminder:{award.id}:{duty.key}:{kind.value}",
            kind=f"reminder_{kind.value}",
            recipient=recipient,
            subject=subject,
            body_text=body,
            now=now,
            application_id=award.id,
        )
    return queued
