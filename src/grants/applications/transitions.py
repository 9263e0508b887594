"""Status changes through the lifecycle (``core.lifecycle``): the event is checked against
the current state and the actor's role, then history, audit and the applicant's e-mail are
written in the same transaction as the change."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.service import contact_of
from grants.applications.access import load_application
from grants.applications.drafts import application_public
from grants.applications.notify import queue_status_change
from grants.applications.schemas import ApplicationPublic, TransitionRequest
from grants.applications.tables import applications_table, events_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.audit_actions import TRANSITION_ACTIONS
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.lifecycle import Event, State, transition

_apps = applications_table

# Events with an endpoint of their own, because they carry more than a reason.
DEDICATED = {
    Event.SUBMIT: "POST /api/applications/{id}/submissions",
    Event.RESUBMIT: "POST /api/applications/{id}/submissions",
    Event.REQUEST_INFORMATION: "POST /api/applications/{id}/information-requests",
    Event.ANSWER_REQUEST: "POST /api/applications/{id}/information-requests/{rid}/responses",
}


def event_insert(
    *,
    application_id: uuid.UUID,
    event: Event | str,
    from_state: State | None,
    to_state: State,
    principal: Principal,
    reason: str | None,
    now: datetime,
) -> Any:
    """The INSERT of one history row (returning its id)."""
    return (
        sa.insert(events_table)
        .values(
            application_id=application_id,
            event=str(event),
            from_state=None if from_state is None else from_state.value,
            to_state=to_state.value,
            actor_id=principal.user_id,
            actor_label=principal.email,
            reason=reason,
            occurred_at=now,
        )
        .returning(events_table.c.id)
    )


async def record_event(
    session: AsyncSession,
    *,
    application_id: uuid.UUID,
    event: Event | str,
    from_state: State | None,
    to_state: State,
    principal: Principal,
    reason: str | None,
    now: datetime,
) -> None:
    await session.execute(
        event_insert(
            application_id=application_id,
            event=event,
            from_state=from_state,
            to_state=to_state,
            principal=principal,
            reason=reason,
            now=now,
        )
    )


async def apply_transition(
    ctx: UserContext, row: Any, event: Event, role: Any, *, reason: str | None
) -> Any:
    """Move ``row`` (locked by the caller) along ``event``; returns the updated row."""
    current = State(row.status)
    step = transition(current, event, role=role, reason=reason)
    updated = (
        await ctx.session.execute(
            sa.update(_apps)
            .where(_apps.c.id == row.id)
            .values(status=step.target, version=row.version + 1, updated_at=ctx.now)
            .returning(_apps)
        )
    ).one()
    await record_event(
        ctx.session,
        application_id=row.id,
        event=event,
        from_state=current,
        to_state=step.target,
        principal=ctx.principal,
        reason=reason,
        now=ctx.now,
    )
    recipient, _ = await contact_of(ctx.session, row.created_by)
    await queue_status_change(
        ctx.session,
        application_id=row.id,
        reference_number=row.reference_number,
        title=row.title,
        old=current,
        new=step.target,
        reason=reason,
        recipient=recipient,
        event_key=f"{event.value}:{row.version}",
        now=ctx.now,
    )
    await ctx.audit(
        action=TRANSITION_ACTIONS[event],
        object_type="application",
        object_id=row.id,
        before={"status": current.value},
        after={"status": step.target.value, "reason": reason},
    )
    return updated


async def change_status(
    ctx: UserContext, application_id: uuid.UUID, request: TransitionRequest
) -> ApplicationPublic:
    try:
        event = Event(request.event)
    except ValueError:
        raise InvalidInput(
            "Unbekanntes Ereignis (unknown event).",
            problems=(
                FieldProblem(
                    "event", "unknown_code", f"erlaubt: {', '.join(e.value for e in Event)}"
                ),
            ),
        ) from None
    if event in DEDICATED:
        raise InvalidInput(
            f"„{event.value}“ hat einen eigenen Endpunkt (has its own endpoint): "
            f"{DEDICATED[event]}",
            problems=(FieldProblem("event", "dedicated_endpoint", DEDICATED[event]),),
        )
    reason = request.reason.strip() if request.reason else None
    async with ctx.session.begin():
        row, role = await load_application(ctx, application_id, for_update=True)
        updated = await apply_transition(ctx, row, event, role, reason=reason)
    return application_public(updated, role, ctx.guidelines)
