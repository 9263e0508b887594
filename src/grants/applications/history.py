"""Reading what was submitted: the versions, one frozen snapshot, the diff between two,
and the status history."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.access import load_application
from grants.applications.schemas import (
    EventPublic,
    FieldChangeOut,
    ItemChangeOut,
    SubmissionDiff,
    SubmissionPublic,
    SubmissionSummary,
)
from grants.applications.tables import events_table, submissions_table
from grants.context import UserContext
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.core.snapshot_diff import diff_snapshots

_subs = submissions_table
_events = events_table
_SUMMARY = (
    _subs.c.number,
    _subs.c.reference_number,
    _subs.c.received_at,
    _subs.c.snapshot_sha256,
    _subs.c.guideline_hash,
    _subs.c.submitted_by,
)


async def list_submissions(ctx: UserContext, application_id: uuid.UUID) -> list[SubmissionSummary]:
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        rows = await ctx.session.execute(
            sa.select(*_SUMMARY)
            .where(_subs.c.application_id == application_id)
            .order_by(_subs.c.number)
        )
        return [SubmissionSummary.model_validate(r, from_attributes=True) for r in rows]


async def _snapshot(session: AsyncSession, application_id: uuid.UUID, number: int) -> sa.Row:  # type: ignore[type-arg]
    row = (
        await session.execute(
            sa.select(*_SUMMARY, _subs.c.snapshot).where(
                _subs.c.application_id == application_id, _subs.c.number == number
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"Fassung {number} gibt es nicht (no submission {number}).")
    return row


async def get_submission(
    ctx: UserContext, application_id: uuid.UUID, number: int
) -> SubmissionPublic:
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        row = await _snapshot(ctx.session, application_id, number)
    return SubmissionPublic.model_validate(row, from_attributes=True)


async def diff_submissions(
    ctx: UserContext, application_id: uuid.UUID, number: int, against: int | None
) -> SubmissionDiff:
    """What changed from version ``against`` (default: the one before) to ``number``."""
    base = number - 1 if against is None else against
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        if base < 1 or base == number:
            raise InvalidInput(
                "Bitte zwei verschiedene Fassungen angeben (two different versions needed).",
                problems=(FieldProblem("against", "invalid", "eine andere, vorhandene Fassung"),),
            )
        old = await _snapshot(ctx.session, application_id, base)
        new = await _snapshot(ctx.session, application_id, number)
    diff = diff_snapshots(old.snapshot, new.snapshot)
    return SubmissionDiff(
        application_id=application_id,
        from_number=base,
        to_number=number,
        fields=[FieldChangeOut(path=c.path, before=c.before, after=c.after) for c in diff.fields],
        items=[
            ItemChangeOut(list=c.list, kind=c.kind, key=c.key, before=c.before, after=c.after)
            for c in diff.items
        ],
        attachments_added=[dict(a) for a in diff.attachments_added],
        attachments_removed=[dict(a) for a in diff.attachments_removed],
    )


async def list_events(ctx: UserContext, application_id: uuid.UUID) -> list[EventPublic]:
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        rows = await ctx.session.execute(
            sa.select(events_table)
            .where(events_table.c.application_id == application_id)
            .order_by(events_table.c.occurred_at, events_table.c.id)
        )
        return [
            EventPublic(
                event=r.event,
                from_state=r.from_state,
                to_state=r.to_state,
                actor=r.actor_label,
                reason=r.reason,
                occurred_at=r.occurred_at,
            )
            for r in rows
        ]


async def latest_submission(
    session: AsyncSession, application_id: uuid.UUID
) -> tuple[int, Any, str]:
    """(number, snapshot, its SHA-256) of the latest submitted version; as ``latest_snapshot``."""
    row = (
        await session.execute(
            sa.select(_subs.c.number, _subs.c.snapshot, _subs.c.snapshot_sha256)
            .where(_subs.c.application_id == application_id)
            .order_by(_subs.c.number.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        raise NotFound(f"Antrag {application_id} wurde nie eingereicht (never submitted).")
    return int(row.number), row.snapshot, str(row.snapshot_sha256)


async def invited_at(session: AsyncSession, application_id: uuid.UUID) -> datetime | None:
    """When the application was last invited to the formal application (None: never)."""
    found = (
        await session.execute(
            sa.select(sa.func.max(_events.c.occurred_at)).where(
                _events.c.application_id == application_id, _events.c.event == "invite"
            )
        )
    ).scalar_one_or_none()
    return found if isinstance(found, datetime) else None


async def latest_snapshot(session: AsyncSession, application_id: uuid.UUID) -> tuple[int, Any]:
    """(number, snapshot) of the latest submitted version, in the caller's transaction; for
    features that have checked access already."""
    row = (
        await session.execute(
            sa.select(_subs.c.number, _subs.c.snapshot)
            .where(_subs.c.application_id == application_id)
            .order_by(_subs.c.number.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        raise NotFound(f"Antrag {application_id} wurde nie eingereicht (never submitted).")
    return int(row.number), row.snapshot
