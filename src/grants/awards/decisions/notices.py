"""What happened to a released decision: staff record its dispatch and what follows (a
proven later receipt, an objection, its outcome); the portal records the retrieval when a
member of the addressee's organisation first opens a decision made available there
(§ 41 Abs. 2a VwVfG). Append-only; the standing is computed (``core.standing``)."""

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.decisions.schemas import NoticeIn, NoticePublic, ReportDue, StandingPublic
from grants.awards.tables import notices_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import berlin_date, format_date_de
from grants.core.decision import IN_FORCE, DecisionKind
from grants.core.errors import Conflict, FieldProblem, InvalidInput
from grants.core.legal_dates import Channel, final_report_due, interim_reports_due
from grants.core.standing import Notice, NoticeKind, Standing, standing

_n = notices_table


async def notice_rows(session: AsyncSession, decision_id: uuid.UUID) -> list[Any]:
    rows = await session.execute(
        sa.select(_n).where(_n.c.decision_id == decision_id).order_by(_n.c.number)
    )
    return list(rows)


def _notice(row: Any) -> Notice:
    return Notice(
        NoticeKind(row.kind), row.on_date, None if row.channel is None else Channel(row.channel)
    )


def reports_due(decision: Any) -> list[ReportDue]:
    """The proofs of use a granting decision requires, with their due days."""
    if DecisionKind(decision.kind) not in IN_FORCE:
        return []
    period = decision.content["approval_period"]
    start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
    due = [
        ReportDue(kind="interim", fiscal_year=y, due_on=d)
        for y, d in interim_reports_due(start, end)
    ]
    return [*due, ReportDue(kind="final", fiscal_year=None, due_on=final_report_due(end))]


def standing_public(decision: Any, rows: list[Any], today: date) -> StandingPublic:
    found = standing_of(rows, today)
    reason = found.notification.reason if found.notification is not None else None
    return StandingPublic(
        status=found.status.value,
        notified_on=found.notified_on,
        effective=found.effective,
        remedy_notice_correct=found.remedy_notice_correct,
        objection_period_end=found.objection_period_end,
        objection_on=found.objection_on,
        late_objection_on=found.late_objection_on,
        final_on=found.final_on,
        notification_reason=None if reason is None else {"de": reason.de, "en": reason.en},
        reports_due=reports_due(decision),
        notices=[
            NoticePublic(
                number=r.number,
                kind=r.kind,
                channel=r.channel,
                on_date=r.on_date,
                note=r.note,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
            )
            for r in rows
        ],
    )


def standing_of(rows: list[Any], today: date) -> Standing:
    return standing([_notice(r) for r in rows], today=today)


async def _insert(
    ctx: UserContext, decision_id: uuid.UUID, number: int, kind: NoticeKind, **values: Any
) -> None:
    await ctx.session.execute(
        sa.insert(_n).values(
            id=uuid.uuid4(),
            decision_id=decision_id,
            number=number,
            kind=kind.value,
            recorded_by=ctx.principal.user_id,
            recorded_at=ctx.now,
            **values,
        )
    )


def _problem(field: str, rule: str, message: str) -> InvalidInput:
    return InvalidInput(
        "Der Vermerk passt nicht zum Bescheid (the notice does not fit the decision).",
        problems=(FieldProblem(field, rule, message),),
    )


def _validate(data: NoticeIn, decision: Any, rows: list[Any], today: date) -> None:
    if data.on_date > today:
        raise _problem(
            "on_date", "in_future", f"liegt nach dem heutigen Tag ({format_date_de(today)})"
        )
    if data.on_date < decision.decision_date:
        raise _problem(
            "on_date",
            "before_decision",
            f"liegt vor dem Datum des Bescheids ({format_date_de(decision.decision_date)})",
        )
    kind = NoticeKind(data.kind)
    if (kind is NoticeKind.DISPATCHED) != (data.channel is not None):
        raise _problem(
            "channel",
            "with_dispatch_only",
            "Der Weg (Post oder Portal) gehört zur Versendung, und nur zu ihr (the channel "
            "belongs to the dispatch, and only to it)",
        )
    current = standing_of(rows, today)
    if kind is not NoticeKind.DISPATCHED and current.notified_on is None:
        raise Conflict(
            "Der Bescheid ist noch nicht bekanntgegeben; zuerst wird die Versendung erfasst "
            "(the decision is not notified yet: record its dispatch first).",
            extra={"standing": current.status.value},
        )
    if kind is NoticeKind.PROVEN_RECEIPT:
        latest = max((r for r in rows if r.kind == "dispatched"), key=lambda r: r.on_date)
        if latest.channel != Channel.POST.value:
            raise _problem(
                "kind",
                "post_only",
                "Ein späterer Zugang wird nur bei Postversand nachgewiesen; das Portal "
                "protokolliert den Abruf (a later receipt applies to posted letters only)",
            )


async def record_notice(ctx: UserContext, decision: Any, data: NoticeIn) -> StandingPublic:
    """Record one notice on a released decision (the caller has locked it and checked that
    the principal is a manager); audited."""
    today = berlin_date(ctx.now)
    rows = await notice_rows(ctx.session, decision.id)
    _validate(data, decision, rows, today)
    await _insert(
        ctx,
        decision.id,
        len(rows) + 1,
        NoticeKind(data.kind),
        channel=data.channel,
        on_date=data.on_date,
        note=data.note.strip(),
    )
    rows = await notice_rows(ctx.session, decision.id)
    found = standing_public(decision, rows, today)
    await ctx.audit(
        action=AuditAction.DECISION_NOTICE_RECORDED,
        object_type="decision",
        object_id=decision.id,
        after={
            "kind": data.kind,
            "channel": data.channel,
            "on_date": data.on_date.isoformat(),
            "standing": found.status,
            "notified_on": None if found.notified_on is None else found.notified_on.isoformat(),
            "final_on": None if found.final_on is None else found.final_on.isoformat(),
        },
    )
    return found


async def record_retrieval(ctx: UserContext, decision: Any, rows: list[Any]) -> list[Any]:
    """The addressee opened the decision: the first opening after a portal dispatch is the
    retrieval that notifies it (the day after). Returns the notices as they are now."""
    dispatches = [r for r in rows if r.kind == NoticeKind.DISPATCHED.value]
    if not dispatches:
        return rows
    latest = max(dispatches, key=lambda r: (r.on_date, r.number))
    if latest.channel != Channel.PORTAL.value:
        return rows
    if any(r.kind == NoticeKind.RETRIEVED.value and r.number > latest.number for r in rows):
        return rows
    today = berlin_date(ctx.now)
    await _insert(
        ctx, decision.id, len(rows) + 1, NoticeKind.RETRIEVED, channel=None, on_date=today, note=""
    )
    await ctx.audit(
        action=AuditAction.DECISION_RETRIEVED,
        object_type="decision",
        object_id=decision.id,
        after={"on_date": today.isoformat(), "by": ctx.principal.email},
    )
    return await notice_rows(ctx.session, decision.id)
