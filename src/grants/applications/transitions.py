"""Status changes through the lifecycle (``core.lifecycle``): the event is checked against
the current state and the actor's role, then against what the step requires to have happened
before it (``check_order``: the call's deadline passed, a completed formal check, the score
sheets, the jury's recommendation), judged on facts read in the same transaction; then
history, audit and the applicant's e-mail are written in the same transaction as the change.

The facts come from the features that own them, through their public read modules
(``evaluation.formal_check.queries``, ``evaluation.ranking.queries``), so every path that
takes a step — this endpoint, the formal check, the jury's decision — is held to the same
order, and an application that reached a state by hand is still refused by its next step.

The status e-mail is neutral: it names the new state and never carries a reason (reasons
belong in the written decision with its legal-remedy notice). Decisions themselves
(``core.lifecycle.DECISIONS``) are refused here: they are made by a Bescheid.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.service import contact_of
from grants.applications.access import load_application
from grants.applications.drafts import application_public
from grants.applications.notify import authority_of, queue_status_change
from grants.applications.schemas import ApplicationPublic, TransitionRequest
from grants.applications.tables import applications_table, events_table
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.audit_actions import TRANSITION_ACTIONS
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.lifecycle import (
    DECISIONS,
    DecisionByNotice,
    Event,
    Requirement,
    State,
    StepFacts,
    check_order,
    transition,
)
from grants.core.roles import Role
from grants.core.versions import ensure_version, parse_if_match
from grants.evaluation.formal_check.queries import formal_check_outcome
from grants.evaluation.jury.officials import ensure_official_not_excluded
from grants.evaluation.ranking.queries import counted_sheets, jury_recommendation

_apps = applications_table

# Events with an endpoint of their own, because they carry more than a reason.
DEDICATED = {
    Event.SUBMIT: "POST /api/applications/{id}/submissions",
    Event.RESUBMIT: "POST /api/applications/{id}/submissions",
    Event.REQUEST_INFORMATION: "POST /api/applications/{id}/information-requests",
    Event.ANSWER_REQUEST: "POST /api/applications/{id}/information-requests/{rid}/responses",
    # The recommendation is a record of its own (with the proposal beside it), not a reason.
    Event.RECORD_JURY_DECISION: "PUT /api/evaluation/decisions/{id}",
    # The formal application is received with its snapshot and receipt, like the sketch.
    Event.SUBMIT_APPLICATION: "POST /api/applications/{id}/formal-application/submissions",
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


async def step_facts(
    ctx: Context,
    row: Any,
    requirements: Iterable[Requirement],
    *,
    incomplete_review_reason: str | None = None,
) -> StepFacts:
    """What ``requirements`` are judged on, for the application ``row``, read in the
    caller's transaction (only what they need)."""
    wanted = set(requirements)
    guideline = ctx.guidelines.get(row.guideline_id)
    call = None if guideline is None else guideline.call(row.call_code)
    facts: dict[str, Any] = {"incomplete_review_reason": incomplete_review_reason}
    if Requirement.FORMAL_CHECK_PASSED in wanted:
        facts["formal_check"] = await formal_check_outcome(
            ctx.session, row.id, row.submission_count
        )
    if Requirement.SCORE_SHEETS in wanted:
        facts["counted_sheets"] = await counted_sheets(ctx.session, row.id)
        # Unknown guideline: nothing can be counted against it, so nothing is required.
        facts["required_sheets"] = 0 if guideline is None else guideline.rubric.minimum_evaluators
    if wanted & {Requirement.JURY_DECISION, Requirement.DEVIATION_REASON}:
        facts["jury_recommendation"] = await jury_recommendation(ctx.session, row.id)
    return StepFacts(now=ctx.now, call=call, **facts)


async def apply_transition(
    ctx: UserContext,
    row: Any,
    event: Event,
    role: Any,
    *,
    reason: str | None,
    incomplete_review_reason: str | None = None,
    notify: bool = True,
) -> Any:
    """Move ``row`` (locked by the caller) along ``event``, if the step's requirements are
    met (``incomplete_review_reason``: why the jury decides on fewer score sheets than the
    rubric requires); returns the updated row. The audit entry records the facts the step
    was judged on. ``notify=False``: the caller sends a message of its own about the step
    (a receipt), so the neutral status e-mail would only repeat it."""
    current = State(row.status)
    step = transition(current, event, role=role, reason=reason)
    facts = await step_facts(
        ctx, row, step.requires, incomplete_review_reason=incomplete_review_reason
    )
    check_order(step, facts, reason=reason)
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
    if notify and event is not Event.DISCARD:  # a discarded draft: nothing to tell
        recipient, _ = await contact_of(ctx.session, row.created_by)
        await queue_status_change(
            ctx.session,
            application_id=row.id,
            reference_number=row.reference_number,
            title=row.title,
            new=step.target,
            recipient=recipient,
            event_key=f"{event.value}:{row.version}",
            now=ctx.now,
            authority=authority_of(ctx.guidelines, row.guideline_id),
        )
    await ctx.audit(
        action=TRANSITION_ACTIONS[event],
        object_type="application",
        object_id=row.id,
        before={"status": current.value},
        after={"status": step.target.value, "reason": reason, **facts.record(step.requires)},
    )
    return updated


async def change_status(
    ctx: UserContext,
    application_id: uuid.UUID,
    request: TransitionRequest,
    *,
    if_match: str | None = None,
) -> ApplicationPublic:
    """A lifecycle step. ``If-Match`` is optional here (412 when given and stale): a step is
    judged on the state it finds, so a client acting on an old view gets a 409 naming the
    current state anyway; a client that wants "only if nothing changed" sends it."""
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
        if if_match is not None:
            ensure_version(row.version, parse_if_match(if_match))
        if event in DECISIONS:  # after the access check: a stranger learns nothing
            raise DecisionByNotice(event, current=State(row.status))
        if role is Role.PROGRAMME_MANAGER:
            # An official with a § 20 VwVfG ground for this application may not act on it.
            await ensure_official_not_excluded(ctx, application_id)
        updated = await apply_transition(ctx, row, event, role, reason=reason)
    return application_public(updated, role, ctx.guidelines)


async def discard_draft(
    ctx: UserContext, application_id: uuid.UUID, *, if_match: str | None
) -> None:
    """Give up a draft that was never submitted (``DELETE /api/applications/{id}``). It is
    kept, in state ``discarded``, out of every list and never seen by staff: the status
    history and the audit log stay whole (both are append-only). A submitted application is
    withdrawn instead (409 here). Needs ``If-Match``: another tab may just have saved."""
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        row, role = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        ensure_version(row.version, expected)
        await apply_transition(ctx, row, Event.DISCARD, role, reason=None)
