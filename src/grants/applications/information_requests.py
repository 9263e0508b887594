"""Requests for information (Nachforderung): a programme manager asks for named items by a
due date; the applicant answers with text and attachments. Answers are appended and
numbered; the submitted snapshot is never touched.

In the sketch stage a request belongs to the formal check and, like it, starts only after
the call's deadline (``core.lifecycle``: an early hint to one applicant while others may
still correct theirs is unequal treatment); ``apply_transition`` refuses it before with 409."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.service import contact_of
from grants.applications.access import load_application
from grants.applications.attachments.service import attachments_by_ids
from grants.applications.notify import authority_of, queue_information_request
from grants.applications.schemas import (
    InformationRequestCreate,
    InformationRequestPublic,
    InformationResponseCreate,
    InformationResponsePublic,
)
from grants.applications.tables import information_requests_table, information_responses_table
from grants.applications.transitions import apply_transition
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.canonical import sha256_of
from grants.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from grants.core.lifecycle import Event, InformationRequestStatus, State
from grants.core.roles import Role
from grants.evaluation.jury.officials import ensure_official_not_excluded

_requests = information_requests_table
_responses = information_responses_table

# While the answer is awaited, and while the check goes on after it (a second, corrected
# answer is appended as a new version): the sketch's formal check, or the application check
# of the formal application (stage two), each answered into its own stage.
_ANSWERABLE = frozenset(
    {
        State.INFORMATION_REQUESTED,
        State.FORMAL_CHECK,
        State.APPLICATION_INFORMATION_REQUESTED,
        State.APPLICATION_CHECK,
    }
)
_AWAITING = frozenset({State.INFORMATION_REQUESTED, State.APPLICATION_INFORMATION_REQUESTED})


def _response_public(row: Any, due_at: datetime) -> InformationResponsePublic:
    return InformationResponsePublic(
        id=row.id,
        number=row.number,
        text=row.text,
        attachments=row.attachments,
        content_sha256=row.content_sha256,
        submitted_by=row.submitted_by,
        created_at=row.created_at,
        late=row.created_at > due_at,
    )


async def _requests_of(
    session: AsyncSession, application_id: uuid.UUID, request_id: uuid.UUID | None = None
) -> list[InformationRequestPublic]:
    query = sa.select(_requests).where(_requests.c.application_id == application_id)
    if request_id is not None:
        query = query.where(_requests.c.id == request_id)
    requests = (await session.execute(query.order_by(_requests.c.created_at))).all()
    ids = [r.id for r in requests]
    answers: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    if ids:
        rows = await session.execute(
            sa.select(_responses)
            .where(_responses.c.request_id.in_(ids))
            .order_by(_responses.c.request_id, _responses.c.number)
        )
        for row in rows:
            answers[row.request_id].append(row)
    return [
        InformationRequestPublic(
            id=r.id,
            items=r.items,
            message=r.message,
            due_at=r.due_at,
            status=str(r.status),
            created_at=r.created_at,
            answered_at=r.answered_at,
            responses=[_response_public(a, r.due_at) for a in answers[r.id]],
        )
        for r in requests
    ]


async def request_information(
    ctx: UserContext, application_id: uuid.UUID, data: InformationRequestCreate
) -> InformationRequestPublic:
    async with ctx.session.begin():
        row, role = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, application_id)
        return await open_information_request(ctx, row, role, data)


async def open_information_request(
    ctx: UserContext, row: Any, role: Role, data: InformationRequestCreate
) -> InformationRequestPublic:
    """In the caller's transaction, with ``row`` locked: move the application to
    ``information_requested``, store the request, queue the e-mail (the formal check uses
    this too)."""
    if data.due_at <= ctx.now:
        raise InvalidInput(
            "Die Frist muss in der Zukunft liegen (due date must be in the future).",
            problems=(FieldProblem("due_at", "in_past", "ein späteres Datum wählen"),),
        )
    reason = "Nachforderung: " + "; ".join(data.items)
    await apply_transition(ctx, row, Event.REQUEST_INFORMATION, role, reason=reason[:4000])
    new_id = uuid.uuid4()
    await ctx.session.execute(
        sa.insert(_requests).values(
            id=new_id,
            application_id=row.id,
            items=list(data.items),
            message=data.message,
            due_at=data.due_at,
            status=InformationRequestStatus.OPEN,
            created_by=ctx.principal.user_id,
            created_at=ctx.now,
        )
    )
    recipient, _ = await contact_of(ctx.session, row.created_by)
    await queue_information_request(
        ctx.session,
        application_id=row.id,
        request_id=new_id,
        reference_number=row.reference_number,
        title=row.title,
        items=data.items,
        due_at=data.due_at,
        message=data.message,
        recipient=recipient,
        now=ctx.now,
        authority=authority_of(ctx.guidelines, row.guideline_id),
    )
    await ctx.audit(
        action=AuditAction.INFORMATION_REQUEST_CREATED,
        object_type="information_request",
        object_id=new_id,
        after={"application_id": str(row.id), "items": list(data.items)},
    )
    [created] = await _requests_of(ctx.session, row.id, new_id)
    return created


async def list_information_requests(
    ctx: UserContext, application_id: uuid.UUID
) -> list[InformationRequestPublic]:
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        return await _requests_of(ctx.session, application_id)


async def answer_information_request(
    ctx: UserContext,
    application_id: uuid.UUID,
    information_request_id: uuid.UUID,
    data: InformationResponseCreate,
) -> InformationResponsePublic:
    async with ctx.session.begin():
        row, role = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        request = (
            await ctx.session.execute(
                sa.select(_requests)
                .where(
                    _requests.c.id == information_request_id,
                    _requests.c.application_id == application_id,
                )
                .with_for_update()
            )
        ).first()
        if request is None:
            raise NotFound("Nachforderung nicht gefunden (information request not found)")
        status = State(row.status)
        if status not in _ANSWERABLE:
            raise Conflict(
                f"Im Zustand „{status.value}“ kann nicht mehr geantwortet werden "
                "(answers are closed in this state)."
            )
        chosen = [
            {k: found[k] for k in ("id", "filename", "media_type", "size_bytes", "sha256")}
            for found in await attachments_by_ids(
                ctx.session, application_id, data.attachment_ids, clean_only=True
            )
        ]
        number = 1 + int(
            (
                await ctx.session.execute(
                    sa.select(sa.func.count()).where(_responses.c.request_id == request.id)
                )
            ).scalar_one()
        )
        content = {"text": data.text, "attachments": chosen}
        response_id = uuid.uuid4()
        inserted = (
            await ctx.session.execute(
                sa.insert(_responses)
                .values(
                    id=response_id,
                    request_id=request.id,
                    application_id=application_id,
                    number=number,
                    text=data.text,
                    attachments=chosen,
                    content_sha256=sha256_of(content),
                    submitted_by=ctx.principal.user_id,
                    created_at=ctx.now,
                )
                .returning(_responses)
            )
        ).one()
        if request.status == InformationRequestStatus.OPEN:
            await ctx.session.execute(
                sa.update(_requests)
                .where(_requests.c.id == request.id)
                .values(status=InformationRequestStatus.ANSWERED, answered_at=ctx.now)
            )
        if status in _AWAITING:
            await apply_transition(ctx, row, Event.ANSWER_REQUEST, role, reason=None)
        await ctx.audit(
            action=AuditAction.INFORMATION_REQUEST_ANSWERED,
            object_type="information_request",
            object_id=request.id,
            after={"response": str(response_id), "number": number},
        )
    return _response_public(inserted, request.due_at)
