"""Letters, one transaction each (rendering in between, outside any transaction):

- The programme's letterhead (``letters.letterheads``) goes into every letter; issued
  letters need one a person set.
- ``preview``: any decision's letter as a draft, marked "ENTWURF", with every assumption it
  rests on listed (managers). Nothing is stored.
- ``request_letter`` / ``request_batch``: a manager orders a released decision's letter (or
  every one of a call that has none); each order is a row and a job, written together. The
  completeness check answers at once for a single order (422 naming what is missing); the
  job checks again.
- ``issue`` (the job's work, ``letters.jobs``): render, then in one transaction store the
  letter, record its portal dispatch on the decision, queue the e-mail saying it is ready,
  audit — unless the decision's letter exists already (a retried job does nothing twice:
  the unique index on the decision's letter decides).
- ``request_correction``: a manager orders a correction of an issued letter (§ 42 VwVfG),
  with the reason; the job renders the same released decision again, marked as the
  correction of the old letter, which stays stored as it was. One correction per letter
  (unique indexes on the order and on the letter), so a decision's letters are one line.
- ``list_letters`` / ``download``: the recipient's organisation and staff; the recipient's
  first download of a decision's letter is its retrieval (§ 41 Abs. 2a VwVfG).
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.accounts.service import contact_of, load_user_principal
from grants.applications.access import load_application
from grants.applications.queries import applications_table as _apps
from grants.audit.heads import latest_head
from grants.awards.access import ensure_call, ensure_manager, programme
from grants.awards.decisions.service import (
    dispatch_on_portal,
    dispatches_of,
    load_decision,
    public_view,
    record_portal_retrieval,
    released_in_call,
)
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import berlin_date
from grants.core.decision import DecisionStatus
from grants.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
)
from grants.core.legal_dates import Channel, portal_retrieval_deadline
from grants.core.roles import MANAGER_ROLES, Role
from grants.guidelines.registry import GuidelineRegistry
from grants.jobs.defer import defer_job
from grants.letters.content import (
    IncompleteLetter,
    decision_letter,
)
from grants.letters.letterheads import letterhead_of
from grants.letters.pool import RenderPool
from grants.letters.render import template_version
from grants.letters.schemas import (
    LetterBatchPublic,
    LetterPublic,
    LetterRequestPublic,
    UnretrievedLetter,
)
from grants.letters.tables import (
    letter_batches_table,
    letter_requests_table,
    letterheads_table,
    letters_table,
    retrievals_table,
)
from grants.notifications.service import enqueue_message

_h, _b, _q, _l, _r = (
    letterheads_table,
    letter_batches_table,
    letter_requests_table,
    letters_table,
    retrievals_table,
)
ISSUE_TASK = "letters.issue_letter"
ISSUE_QUEUE = "letters"
MEDIA_TYPE = "application/pdf"
# § 41 Abs. 2a S. 2 VwVfG: a portal document not retrieved within ten days after the notice
# of its availability is not notified. The notice is the e-mail queued with the letter.
RETRIEVAL_DAYS = 10


# --- Preview --------------------------------------------------------------------------------


def _decision_dict(decision: Any) -> dict[str, Any]:
    return public_view(decision, second_required=False).model_dump(mode="json")


def _incomplete(error: IncompleteLetter) -> InvalidInput:
    return InvalidInput(
        "Das Schreiben wäre unvollständig; es wird nicht erzeugt (the letter would be "
        "incomplete and is not produced).",
        problems=tuple(FieldProblem("letter", "missing", part) for part in error.missing),
    )


async def preview(ctx: UserContext, decision_id: uuid.UUID, pool: RenderPool) -> bytes:
    async with ctx.session.begin():
        decision, app = await load_decision(ctx, decision_id, manager=True)
        guideline = programme(ctx, app.guideline_id)
        head = await letterhead_of(ctx.session, app.guideline_id)
    if decision.status == DecisionStatus.DISCARDED.value:
        raise Conflict("Ein verworfener Entwurf hat kein Schreiben (a discarded draft).")
    try:
        template, data = decision_letter(
            _decision_dict(decision),
            head.data,
            guideline_title=guideline.short_name,
            draft=True,
        )
    except IncompleteLetter as error:
        raise _incomplete(error) from None
    pdf, _ = await pool.render(template, data, draft=True, assets=head.assets)
    return pdf


# --- Ordering letters -------------------------------------------------------------------------


async def _ensure_complete(ctx: UserContext, decision: Any, app: Any) -> None:
    """422 naming what the decision's letter would lack, at the order (the job checks again)."""
    guideline = programme(ctx, app.guideline_id)
    try:
        decision_letter(
            _decision_dict(decision),
            (await letterhead_of(ctx.session, app.guideline_id)).data,
            guideline_title=guideline.short_name,
            draft=False,
        )
    except IncompleteLetter as error:
        raise _incomplete(error) from None


def safe_file_name(text: str) -> str:
    """A reference as part of a download's file name: letters, digits, ``-`` and ``_``."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def _request_public(row: Any) -> LetterRequestPublic:
    return LetterRequestPublic.model_validate(row, from_attributes=True)


async def _existing_request(session: AsyncSession, decision_id: uuid.UUID) -> Any | None:
    return (
        await session.execute(
            sa.select(_q).where(_q.c.decision_id == decision_id, _q.c.corrects_id.is_(None))
        )
    ).first()


async def _enqueue(
    ctx: UserContext,
    decision_id: uuid.UUID,
    batch_id: uuid.UUID | None,
    *,
    corrects_id: uuid.UUID | None = None,
    reason: str = "",
) -> uuid.UUID:
    request_id = uuid.uuid4()
    await ctx.session.execute(
        sa.insert(_q).values(
            id=request_id,
            decision_id=decision_id,
            batch_id=batch_id,
            status="pending",
            requested_by=ctx.principal.user_id,
            requested_at=ctx.now,
            corrects_id=corrects_id,
            reason=reason,
        )
    )
    await defer_job(
        ctx.session,
        task=ISSUE_TASK,
        queue=ISSUE_QUEUE,
        args={"request_id": str(request_id)},
        lock=f"letter:{decision_id}",
    )
    return request_id


async def _order_again(ctx: UserContext, failed: Any, *, reason: str = "") -> uuid.UUID:
    """A failed order is ordered again as it is — the same row, in its batch if it had one
    (whose progress then counts it again) — with a new job; why it failed before goes into
    the caller's audit entry."""
    await ctx.session.execute(
        sa.update(_q)
        .where(_q.c.id == failed.id, _q.c.status == "failed")
        .values(
            status="pending",
            error="",
            finished_at=None,
            requested_by=ctx.principal.user_id,
            requested_at=ctx.now,
            reason=reason or failed.reason,
        )
    )
    await defer_job(
        ctx.session,
        task=ISSUE_TASK,
        queue=ISSUE_QUEUE,
        args={"request_id": str(failed.id)},
        lock=f"letter:{failed.decision_id}",
    )
    return uuid.UUID(str(failed.id))


async def request_letter(ctx: UserContext, decision_id: uuid.UUID) -> LetterRequestPublic:
    async with ctx.session.begin():
        decision, app = await load_decision(ctx, decision_id, manager=True, for_update=True)
        if decision.status != DecisionStatus.RELEASED.value:
            raise Conflict(
                "Ein Bescheid wird erst nach seiner Freigabe durch eine benannte Person "
                "ausgefertigt (§ 35a VwVfG: the letter follows the release by a named person); "
                "vorher gibt es nur die Vorschau.",
                extra={"status": decision.status},
            )
        existing = await _existing_request(ctx.session, decision.id)
        if existing is not None and existing.status != "failed":
            raise Conflict(
                "Das Schreiben zu diesem Bescheid ist schon beauftragt (already ordered); eine "
                "Berichtigung ist ein neues Schreiben.",
                extra={"order_id": str(existing.id), "status": existing.status},
            )
        await _ensure_complete(ctx, decision, app)
        if existing is None:
            request_id = await _enqueue(ctx, decision.id, None)
        else:
            request_id = await _order_again(ctx, existing)
        await ctx.audit(
            action=AuditAction.LETTER_REQUESTED,
            object_type="decision",
            object_id=decision.id,
            before=None if existing is None else {"failed": existing.error},
            after={"request_id": str(request_id)},
        )
        row = (await ctx.session.execute(sa.select(_q).where(_q.c.id == request_id))).one()
    return _request_public(row)


async def request_correction(
    ctx: UserContext, letter_id: uuid.UUID, reason: str
) -> LetterRequestPublic:
    """Order the correction of an issued letter (managers): the newest letter of its
    decision only, once; 409 naming the correction that exists or is ordered."""
    ensure_manager(ctx)
    async with ctx.session.begin():
        found, _ = await _load_letter(
            ctx, letter_id, _l.c.id, _l.c.decision_id, _l.c.application_id
        )
        # The decision's lock serialises two managers correcting one letter; the unique
        # index on the order's corrects_id would refuse the second anyway.
        decision, app = await load_decision(ctx, found.decision_id, manager=True, for_update=True)
        corrected_by = (
            await ctx.session.execute(sa.select(_l.c.id).where(_l.c.corrects_id == letter_id))
        ).scalar_one_or_none()
        if corrected_by is not None:
            raise Conflict(
                "Dieses Schreiben ist schon berichtigt; berichtigt wird nur das neueste "
                "(already corrected: only the newest letter can be corrected).",
                extra={"corrected_by_id": str(corrected_by)},
            )
        ordered = (
            await ctx.session.execute(sa.select(_q).where(_q.c.corrects_id == letter_id))
        ).first()
        if ordered is not None and ordered.status != "failed":
            raise Conflict(
                "Die Berichtigung dieses Schreibens ist schon beauftragt (a correction is "
                "already ordered).",
                extra={"order_id": str(ordered.id), "status": ordered.status},
            )
        await _ensure_complete(ctx, decision, app)
        if ordered is None:
            request_id = await _enqueue(
                ctx, decision.id, None, corrects_id=found.id, reason=reason.strip()
            )
        else:
            request_id = await _order_again(ctx, ordered, reason=reason.strip())
        await ctx.audit(
            action=AuditAction.LETTER_CORRECTION_ORDERED,
            object_type="letter",
            object_id=found.id,
            before=None if ordered is None else {"failed": ordered.error},
            after={"request_id": str(request_id), "reason": reason.strip()},
        )
        row = (await ctx.session.execute(sa.select(_q).where(_q.c.id == request_id))).one()
    return _request_public(row)


async def get_request(ctx: UserContext, decision_id: uuid.UUID) -> LetterRequestPublic:
    async with ctx.session.begin():
        decision, _ = await load_decision(ctx, decision_id, manager=True)
        row = await _existing_request(ctx.session, decision.id)
    if row is None:
        raise NotFound("Zu diesem Bescheid ist kein Schreiben beauftragt (no letter ordered).")
    return _request_public(row)


async def _batch_public(session: AsyncSession, batch: Any) -> LetterBatchPublic:
    requests = [
        _request_public(r)
        for r in await session.execute(
            sa.select(_q).where(_q.c.batch_id == batch.id).order_by(_q.c.requested_at, _q.c.id)
        )
    ]
    counts = {s: sum(1 for r in requests if r.status == s) for s in ("pending", "issued", "failed")}
    return LetterBatchPublic(
        id=batch.id,
        guideline_id=batch.guideline_id,
        call_code=batch.call_code,
        created_at=batch.created_at,
        total=batch.total,
        requests=requests,
        **counts,
    )


async def request_batch(ctx: UserContext, guideline_id: str, call_code: str) -> LetterBatchPublic:
    """Every released decision of the call whose letter is not ordered yet."""
    ensure_manager(ctx)
    ensure_call(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        released = await released_in_call(ctx, guideline_id, call_code)
        ordered = set(
            (
                await ctx.session.execute(
                    sa.select(_q.c.decision_id).where(_q.c.decision_id.in_(released))
                )
            ).scalars()
        )
        decisions = [d for d in released if d not in ordered]
        if not decisions:
            raise Conflict(
                "Zu diesem Aufruf gibt es keinen freigegebenen Bescheid ohne Schreiben "
                "(no released decision of this call lacks its letter)."
            )
        batch_id = uuid.uuid4()
        await ctx.session.execute(
            sa.insert(_b).values(
                id=batch_id,
                guideline_id=guideline_id,
                call_code=call_code,
                created_by=ctx.principal.user_id,
                created_at=ctx.now,
                total=len(decisions),
            )
        )
        for decision_id in decisions:
            await _enqueue(ctx, decision_id, batch_id)
        await ctx.audit(
            action=AuditAction.LETTER_BATCH_ORDERED,
            object_type="letter_batch",
            object_id=batch_id,
            after={"call": call_code, "total": len(decisions)},
        )
        batch = (await ctx.session.execute(sa.select(_b).where(_b.c.id == batch_id))).one()
        return await _batch_public(ctx.session, batch)


async def get_batch(ctx: UserContext, batch_id: uuid.UUID) -> LetterBatchPublic:
    ensure_manager(ctx)
    async with ctx.session.begin():
        batch = (await ctx.session.execute(sa.select(_b).where(_b.c.id == batch_id))).first()
        if batch is None:
            raise NotFound(f"Auftrag {batch_id} nicht gefunden (letter batch not found)")
        return await _batch_public(ctx.session, batch)


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where a batch stands, for `grants letters watch` (which has no principal: the
    operator of the command line reads the database)."""

    total: int
    issued: int
    failed: int
    errors: tuple[tuple[uuid.UUID, str], ...]  # (decision, why) of each failed request

    @property
    def finished(self) -> int:
        return self.issued + self.failed

    @property
    def pending(self) -> int:
        return self.total - self.finished


async def batch_progress(session: AsyncSession, batch_id: uuid.UUID) -> BatchProgress | None:
    """The batch's requests counted by status (None: no such batch), in a transaction of
    its own so that each call sees what the workers committed since."""
    async with session.begin():
        total = (
            await session.execute(sa.select(_b.c.total).where(_b.c.id == batch_id))
        ).scalar_one_or_none()
        if total is None:
            return None
        rows = (
            await session.execute(
                sa.select(_q.c.decision_id, _q.c.status, _q.c.error)
                .where(_q.c.batch_id == batch_id)
                .order_by(_q.c.requested_at, _q.c.id)
            )
        ).all()
    return BatchProgress(
        total=int(total),
        issued=sum(1 for r in rows if r.status == "issued"),
        failed=sum(1 for r in rows if r.status == "failed"),
        errors=tuple((r.decision_id, r.error) for r in rows if r.status == "failed"),
    )


# --- Issuing (the job's work) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssueResources:
    session_factory: async_sessionmaker[AsyncSession]
    guidelines: GuidelineRegistry
    clock: Callable[[], datetime]
    pool: RenderPool


async def _pending(session: AsyncSession, request_id: uuid.UUID, *, lock: bool) -> Any | None:
    query = sa.select(_q).where(_q.c.id == request_id, _q.c.status == "pending")
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def _context(resources: IssueResources, session: AsyncSession, request: Any) -> UserContext:
    principal = await load_user_principal(session, request.requested_by)
    if principal is None or not principal.has_staff_role(*MANAGER_ROLES):
        raise Forbidden(
            "Wer das Schreiben beauftragt hat, ist nicht mehr Programmverantwortliche(r) "
            "(the person who ordered the letter is no longer a programme manager)."
        )
    return UserContext.of(
        session, principal, now=resources.clock(), guidelines=resources.guidelines
    )


async def _fail(resources: IssueResources, request_id: uuid.UUID, reason: str) -> str:
    async with resources.session_factory() as session, session.begin():
        request = await _pending(session, request_id, lock=True)
        if request is None:
            return "done before"
        await session.execute(
            sa.update(_q)
            .where(_q.c.id == request_id)
            .values(status="failed", error=reason[:4000], finished_at=resources.clock())
        )
    return "failed"


async def issue(resources: IssueResources, request_id: uuid.UUID) -> str:
    """Issue one ordered letter: ``issued``, ``failed`` (with the reason on the request) or
    ``done before``. Anything unexpected (the database went away, the render crashed)
    raises, and the job is retried; nothing half-done is left."""
    async with resources.session_factory() as session:
        try:
            async with session.begin():
                request = await _pending(session, request_id, lock=False)
                if request is None:
                    return "done before"
                ctx = await _context(resources, session, request)
                decision, app = await load_decision(ctx, request.decision_id, manager=True)
                guideline = programme(ctx, app.guideline_id)
                head = await letterhead_of(session, app.guideline_id)
                template, data = decision_letter(
                    _decision_dict(decision),
                    head.data,
                    guideline_title=guideline.short_name,
                    draft=False,
                    correction=await _correction(ctx, request),
                )
                data["audit_head"] = await _audit_anchor(session)
        except IncompleteLetter as error:
            return await _fail(resources, request_id, "Unvollständig: " + "; ".join(error.missing))
        except DomainError as error:
            return await _fail(resources, request_id, error.detail)
    pdf, refused = await resources.pool.render(template, data, assets=head.assets)
    if refused:  # the templates name only project assets: a refusal is a defect, not data
        raise RuntimeError(f"letter render asked for foreign URLs: {refused[:3]}")
    async with resources.session_factory() as session, session.begin():
        request = await _pending(session, request_id, lock=True)
        if request is None:
            return "done before"
        ctx = await _context(resources, session, request)
        decision, app = await load_decision(ctx, request.decision_id, manager=True, for_update=True)
        letter_id = await _store(ctx, app, decision, request, data, pdf)
        await session.execute(
            sa.update(_q)
            .where(_q.c.id == request_id)
            .values(status="issued", letter_id=letter_id, finished_at=ctx.now)
        )
    return "issued"


async def _audit_anchor(session: AsyncSession) -> dict[str, Any] | None:
    """The audit log's latest signed tree head, printed on the letter: a copy outside the
    database that any later `grants audit verify --head SIZE:ROOT` checks the log against.
    Only issued letters carry one; previews and on-request documents (which must read the
    same whenever fetched) do not. None before the sequencer's first head."""
    head = await latest_head(session)
    if head is None:
        return None
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "signed_at": head.signed_at.isoformat(),
        "key_id": head.key_id,
    }


async def _correction(ctx: UserContext, request: Any) -> dict[str, Any] | None:
    """What a correction's letter says about the letter it corrects (None for a first
    letter)."""
    if request.corrects_id is None:
        return None
    old = (
        await ctx.session.execute(
            sa.select(_l.c.id, _l.c.file_name, _l.c.sha256, _l.c.issued_at).where(
                _l.c.id == request.corrects_id
            )
        )
    ).one()
    return {
        "corrects_letter_id": str(old.id),
        "corrected_file_name": old.file_name,
        "corrected_sha256": old.sha256,
        "corrected_issued_at": old.issued_at.isoformat(),
        "reason": request.reason,
        "dated": berlin_date(ctx.now).isoformat(),
    }


async def _store(
    ctx: UserContext,
    app: Any,
    decision: Any,
    request: Any,
    data: dict[str, Any],
    pdf: bytes,
) -> uuid.UUID:
    """The letter, its dispatch on the portal (a first letter's), the e-mail and the audit
    entry; or, when the letter exists already — the decision's first, or the correction of
    the same letter —, that letter's id and nothing else."""
    digest = hashlib.sha256(pdf).hexdigest()
    kind, title = str(data["kind"]), str(data["title"])
    corrects = request.corrects_id
    safe_reference = safe_file_name(decision.file_reference)
    file_name = f"{safe_reference}.pdf"
    if corrects is not None:
        earlier = (
            await ctx.session.execute(
                sa.select(sa.func.count())
                .select_from(_l)
                .where(_l.c.decision_id == decision.id, _l.c.corrects_id.is_not(None))
            )
        ).scalar_one()
        file_name = f"{safe_reference}-Berichtigung-{earlier + 1}.pdf"
    letter_id = uuid.uuid4()
    inserted = (
        await ctx.session.execute(
            pg_insert(_l)
            .values(
                id=letter_id,
                application_id=app.id,
                decision_id=decision.id,
                kind=kind,
                title=title,
                file_name=file_name,
                template_version=template_version(),
                data=data,
                sha256=digest,
                size_bytes=len(pdf),
                pdf=pdf,
                corrects_id=corrects,
                correction_reason=request.reason if corrects is not None else "",
                issued_by=ctx.principal.user_id,
                issued_at=ctx.now,
            )
            # Without a target: either partial unique index (the decision's first letter, or
            # the one correction of a letter) makes this a no-op.
            .on_conflict_do_nothing()
            .returning(_l.c.id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        same = (
            _l.c.corrects_id == corrects
            if corrects is not None
            else sa.and_(_l.c.decision_id == decision.id, _l.c.corrects_id.is_(None))
        )
        existing: uuid.UUID = (
            await ctx.session.execute(sa.select(_l.c.id).where(same))
        ).scalar_one()
        return existing
    # A correction changes nothing of the decision's notification: that ran from the first
    # letter's dispatch (or the post's).
    dispatched = (
        await dispatch_on_portal(ctx, decision, app.organisation_id) if corrects is None else False
    )
    recipient, _ = await contact_of(ctx.session, app.created_by)
    await enqueue_message(
        ctx.session,
        dedupe_key=f"letter_ready:{letter_id}",
        kind="letter_ready",
        recipient=recipient,
        subject=f"Neues Dokument im Förderportal: {title} {decision.file_reference} "
        "(a new document is ready)",
        body_text=(
            "Guten Tag,\n\nim Förderportal liegt für Ihr Vorhaben "
            f"{app.reference_number or ''} ein neues Dokument für Sie bereit: {title}, "
            f"Aktenzeichen {decision.file_reference}.\n\n"
            f"Abruf: /api/letters/{letter_id}/pdf\n\n"
            + _ready_note(dispatched, request.reason if corrects is not None else None)
            + f"A new document ({title}) is ready for you on the portal.\n"
        ),
        now=ctx.now,
        application_id=app.id,
    )
    await ctx.audit(
        action=AuditAction.LETTER_ISSUED,
        object_type="letter",
        object_id=letter_id,
        after={
            "decision_id": str(decision.id),
            "sha256": digest,
            "template_version": template_version(),
            "portal_dispatch": dispatched,
            "corrects_id": None if corrects is None else str(corrects),
        },
    )
    return letter_id


def _ready_note(on_portal: bool, correction_reason: str | None) -> str:
    """What the e-mail says about the letter's notification."""
    if correction_reason is not None:
        return (
            "Es berichtigt nach § 42 VwVfG ein früheres Schreiben zu diesem Bescheid (Grund: "
            f"{correction_reason}); an der Entscheidung selbst ändert es nichts.\n\n"
        )
    if on_portal:
        return (
            "Ein Bescheid gilt am Tag nach dem Abruf als bekanntgegeben (§ 41 Abs. 2a VwVfG); "
            "wird er nicht innerhalb von zehn Tagen abgerufen, gilt er nicht als "
            "bekanntgegeben und wird Ihnen per Post zugesandt.\n\n"
        )
    return (
        "Der Bescheid wird Ihnen per Post bekanntgegeben (der Bekanntgabe über das Portal "
        "haben Sie nicht zugestimmt, § 41 Abs. 2a VwVfG, oder er ist schon versandt); das "
        "Dokument im Portal ist eine Abschrift. Die Einwilligung können Sie im Portal für "
        "künftige Bescheide erteilen.\n\n"
    )


# --- Reading ----------------------------------------------------------------------------------

_LISTED = (
    _l.c.id,
    _l.c.application_id,
    _l.c.decision_id,
    _l.c.kind,
    _l.c.title,
    _l.c.file_name,
    _l.c.sha256,
    _l.c.size_bytes,
    _l.c.template_version,
    _l.c.corrects_id,
    _l.c.correction_reason,
    _l.c.issued_at,
)


def _corrected_by() -> Any:
    later = _l.alias("later")
    return (
        sa.select(later.c.id)
        .where(later.c.corrects_id == _l.c.id)
        .scalar_subquery()
        .label("corrected_by_id")
    )


def _first_retrieval() -> Any:
    return (
        sa.select(sa.func.min(_r.c.retrieved_at))
        .where(_r.c.letter_id == _l.c.id, _r.c.by_recipient.is_(True))
        .scalar_subquery()
        .label("first_retrieved_at")
    )


async def list_letters(ctx: UserContext, application_id: uuid.UUID) -> list[LetterPublic]:
    async with ctx.session.begin():
        app, _ = await load_application(ctx, application_id)
        rows = await ctx.session.execute(
            sa.select(*_LISTED, _first_retrieval(), _corrected_by())
            .where(_l.c.application_id == app.id)
            # A correction after the letter it corrects, should both bear one instant.
            .order_by(_l.c.issued_at, _l.c.corrects_id.is_not(None), _l.c.id)
        )
        return [LetterPublic.model_validate(r, from_attributes=True) for r in rows]


def _letter_not_found(letter_id: uuid.UUID) -> NotFound:
    return NotFound(f"Schreiben {letter_id} nicht gefunden (letter not found)")


async def _load_letter(ctx: UserContext, letter_id: uuid.UUID, *columns: Any) -> tuple[Any, Role]:
    found = (await ctx.session.execute(sa.select(*columns).where(_l.c.id == letter_id))).first()
    if found is None:
        raise _letter_not_found(letter_id)
    try:
        _, role = await load_application(ctx, found.application_id)
    except (NotFound, Forbidden):
        raise _letter_not_found(letter_id) from None
    return found, role


async def get_letter(ctx: UserContext, letter_id: uuid.UUID) -> LetterPublic:
    async with ctx.session.begin():
        found, _ = await _load_letter(ctx, letter_id, *_LISTED, _first_retrieval(), _corrected_by())
        return LetterPublic.model_validate(found, from_attributes=True)


@dataclass(frozen=True, slots=True)
class Download:
    pdf: bytes
    file_name: str
    sha256: str


async def download(ctx: UserContext, letter_id: uuid.UUID) -> Download:
    """The PDF; recorded, and for the recipient's organisation the decision's retrieval."""
    async with ctx.session.begin():
        found, role = await _load_letter(
            ctx,
            letter_id,
            _l.c.application_id,
            _l.c.decision_id,
            _l.c.pdf,
            _l.c.file_name,
            _l.c.sha256,
        )
        recipient = role is Role.APPLICANT
        await ctx.session.execute(
            sa.insert(_r).values(
                letter_id=letter_id,
                retrieved_by=ctx.principal.user_id,
                by_recipient=recipient,
                retrieved_at=ctx.now,
            )
        )
        if recipient:
            decision, _ = await load_decision(
                ctx, found.decision_id, manager=False, for_update=True
            )
            await record_portal_retrieval(ctx, decision)
        return Download(bytes(found.pdf), found.file_name, found.sha256)


async def unretrieved(ctx: UserContext, guideline_id: str) -> list[UnretrievedLetter]:
    """The programme's decision letters to be posted, oldest first (managers): those whose
    recipient has not consented to notification by portal retrieval (at once), and those
    not downloaded by the last day a portal retrieval notifies
    (``core.legal_dates.portal_retrieval_deadline``: ten days after the issue, which is the
    day the notice of availability went out) — on the portal neither is notified. A letter
    leaves the list when its decision's dispatch by post is recorded; a later download does
    not take it off: it no longer notifies. Corrections are not listed: the decision's
    notification runs from its first letter."""
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        rows = list(
            await ctx.session.execute(
                sa.select(
                    _l.c.id.label("letter_id"),
                    _l.c.application_id,
                    _l.c.decision_id,
                    _apps.c.reference_number,
                    _l.c.title,
                    _l.c.file_name,
                    _l.c.issued_at,
                    _first_retrieval(),
                )
                .join(_apps, _apps.c.id == _l.c.application_id)
                .where(_apps.c.guideline_id == guideline_id, _l.c.corrects_id.is_(None))
                .order_by(_l.c.issued_at, _l.c.id)
            )
        )
        dispatches = await dispatches_of(ctx.session, [r.decision_id for r in rows])
    found = []
    for row in rows:
        channels = {channel for channel, _ in dispatches[row.decision_id]}
        if Channel.POST.value in channels:
            continue
        values = {k: v for k, v in row._mapping.items() if k != "first_retrieved_at"}
        if Channel.PORTAL.value not in channels:
            found.append(
                UnretrievedLetter(
                    **values, reason="no_portal_consent", due_for_posting_since=row.issued_at
                )
            )
            continue
        deadline = portal_retrieval_deadline(berlin_date(row.issued_at))
        retrieved = row.first_retrieved_at
        if today <= deadline or (retrieved is not None and berlin_date(retrieved) <= deadline):
            continue
        found.append(
            UnretrievedLetter(
                **values,
                reason="not_retrieved",
                due_for_posting_since=row.issued_at + timedelta(days=RETRIEVAL_DAYS),
            )
        )
    return sorted(found, key=lambda letter: (letter.due_for_posting_since, letter.letter_id))
