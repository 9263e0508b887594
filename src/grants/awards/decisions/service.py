"""Decisions (Bescheide): draft, second approval, release — one transaction each.

- ``create_draft`` / ``update_draft`` (If-Match) / ``discard_draft``: programme managers;
  one open draft per application. The content is composed anew on every save
  (``compose``), so the proposal beside it reflects the facts of the day.
- ``approve_draft``: a second person (never the one who drafted it, never the one who will
  release it) approves the draft; required where the programme's settings say so.
- ``release``: the acting manager becomes the named official (§ 37 Abs. 3 VwVfG). In one
  transaction: the application's row is locked; the official must not be excluded
  (§ 20 VwVfG); an approval binds its annual instalments on the line's budget
  (``ledger.commit_funds``: 409 and nothing written when the budget does not hold); the
  decision is fixed (file reference, decision date, content hash; the database refuses any
  later change); the application takes the decision's lifecycle step (history, audit, the
  applicant's status e-mail in the outbox). A revocation or withdrawal (drafted by
  ``reclaims.service`` after a hearing) takes no lifecycle step: it enters its
  de-commitments and reclaim in the ledger instead (``reclaims.money``).

Applicants see released decisions of their own organisation only; drafts are staff work.
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.delivery_consent import consent_in_force
from grants.applications.access import load_application, role_of
from grants.applications.queries import applications_table as _apps
from grants.applications.transitions import apply_transition
from grants.awards import ledger
from grants.awards.access import load_with_application
from grants.awards.decisions import notices
from grants.awards.decisions.compose import compose
from grants.awards.decisions.schemas import (
    AwardLedger,
    DecisionDraftIn,
    DecisionPublic,
    LedgerEntryPublic,
    NoticeIn,
    ProgrammeSettingsIn,
    ProgrammeSettingsPublic,
    StandingPublic,
)
from grants.awards.formal.service import DEFAULT_WEEKS
from grants.awards.reclaims.money import FOLLOW_ON, apply_follow_on
from grants.awards.tables import decisions_table, notices_table, programme_settings_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.canonical import sha256_of
from grants.core.deadlines import berlin_date
from grants.core.decision import (
    GRANTING,
    IN_FORCE,
    OPEN_STATUSES,
    DecisionKind,
    DecisionStatus,
    decision_event,
    file_reference,
    states_for,
)
from grants.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from grants.core.legal_dates import Channel
from grants.core.lifecycle import STATE_LABELS, State
from grants.core.money import ZERO
from grants.core.roles import MANAGER_ROLES, Role
from grants.core.standing import NoticeKind, Standing
from grants.core.versions import ensure_version, parse_if_match
from grants.evaluation.jury.officials import ensure_official_not_excluded

_d, _ps = decisions_table, programme_settings_table


def _not_found(decision_id: uuid.UUID) -> NotFound:
    return NotFound(f"Bescheid {decision_id} nicht gefunden (decision not found)")


async def second_approval_required(ctx: UserContext, guideline_id: str) -> bool:
    found = (
        await ctx.session.execute(
            sa.select(_ps.c.second_approval_required).where(_ps.c.guideline_id == guideline_id)
        )
    ).scalar_one_or_none()
    return bool(found)


def public_view(
    row: Any, *, second_required: bool, standing: StandingPublic | None = None
) -> DecisionPublic:
    return DecisionPublic(
        id=row.id,
        application_id=row.application_id,
        number=row.number,
        kind=row.kind,
        status=row.status,
        version=row.version,
        file_reference=row.file_reference,
        max_amount=row.max_amount,
        official_name=row.official_name,
        decision_date=row.decision_date,
        drafted_by=row.drafted_by,
        drafted_at=row.drafted_at,
        second_approved_by=row.second_approved_by,
        second_approved_at=row.second_approved_at,
        released_by=row.released_by,
        released_at=row.released_at,
        content_hash=row.content_hash,
        second_approval_required=second_required,
        content=row.content,
        standing=standing,
    )


def _ensure_decidable(kind: DecisionKind, status: str) -> None:
    state = State(status)
    if decision_event(kind, state) is None:
        where = STATE_LABELS[state]
        possible = ", ".join(f"„{STATE_LABELS[s].de}“" for s in states_for(kind))
        raise Conflict(
            f"Ein Bescheid dieser Art ist im Zustand „{where.de}“ nicht möglich; möglich in: "
            f"{possible} (a decision of this kind is not possible in the state “{where.en}”).",
            extra={"current_state": state.value, "kind": kind.value},
        )


async def ensure_no_open_draft(ctx: UserContext, application_id: uuid.UUID) -> None:
    """409 while the application has a draft being worked on: one draft at a time, of any
    kind (approval, amendment, revocation, settlement)."""
    existing = (
        await ctx.session.execute(
            sa.select(_d.c.id).where(
                _d.c.application_id == application_id, _d.c.status.in_(OPEN_STATUSES)
            )
        )
    ).first()
    if existing is not None:
        raise Conflict(
            "Für diesen Antrag liegt schon ein offener Entwurf vor; er wird bearbeitet oder "
            "verworfen (an open draft exists: edit or discard it).",
            extra={"decision_id": str(existing.id)},
        )


async def insert_draft(
    ctx: UserContext,
    application_id: uuid.UUID,
    kind: DecisionKind,
    content: dict[str, Any],
    max_amount: Decimal | None,
    *,
    audit: dict[str, Any],
) -> Any:
    """A new draft decision with the application's next number, and its audit entry
    (``audit``: what the entry records beside the application and the kind)."""
    number = (
        await ctx.session.execute(
            sa.select(sa.func.coalesce(sa.func.max(_d.c.number), 0)).where(
                _d.c.application_id == application_id
            )
        )
    ).scalar_one() + 1
    created = (
        await ctx.session.execute(
            sa.insert(_d)
            .values(
                id=uuid.uuid4(),
                application_id=application_id,
                number=number,
                kind=kind.value,
                status=DecisionStatus.DRAFT.value,
                content=content,
                max_amount=max_amount,
                version=1,
                drafted_by=ctx.principal.user_id,
                drafted_at=ctx.now,
                updated_at=ctx.now,
                official_name="",
            )
            .returning(_d)
        )
    ).one()
    await ctx.audit(
        action=AuditAction.DECISION_DRAFTED,
        object_type="decision",
        object_id=created.id,
        after={"application_id": str(application_id), "kind": kind.value, **audit},
    )
    return created


async def create_draft(
    ctx: UserContext, application_id: uuid.UUID, data: DecisionDraftIn
) -> DecisionPublic:
    async with ctx.session.begin():
        row, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, application_id)
        kind = DecisionKind(data.kind)
        _ensure_decidable(kind, row.status)
        await ensure_no_open_draft(ctx, application_id)
        content, max_amount = await compose(ctx, row, data, decision_date=berlin_date(ctx.now))
        created = await insert_draft(
            ctx,
            application_id,
            kind,
            content,
            max_amount,
            audit={"max_amount": None if max_amount is None else str(max_amount)},
        )
        required = await second_approval_required(ctx, row.guideline_id)
    return public_view(created, second_required=required)


async def _load(
    ctx: UserContext, decision_id: uuid.UUID, *, manager: bool, for_update: bool = False
) -> tuple[Any, Any]:
    """The decision and its application (both locked when ``for_update``: application
    first, as every writer of either locks them). Applicants see released ones only."""
    decision, app, role = await load_with_application(
        ctx,
        _d,
        decision_id,
        manager=manager,
        for_update=for_update,
        not_found=_not_found(decision_id),
    )
    if role is not Role.PROGRAMME_MANAGER and decision.status != DecisionStatus.RELEASED.value:
        raise _not_found(decision_id)
    return decision, app


def _ensure_open(decision: Any) -> None:
    if decision.status not in OPEN_STATUSES:
        raise Conflict(
            f"Der Bescheid ist nicht mehr im Entwurf (status „{decision.status}“): er kann "
            "nicht mehr geändert werden (the decision is no longer a draft).",
            extra={"status": decision.status},
        )


async def update_draft(
    ctx: UserContext, decision_id: uuid.UUID, data: DecisionDraftIn, *, if_match: str | None
) -> DecisionPublic:
    """Replace the draft's content; a second approval given before no longer holds."""
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        decision, app = await _load(ctx, decision_id, manager=True, for_update=True)
        ensure_version(decision.version, expected)
        _ensure_open(decision)
        if DecisionKind(decision.kind) in FOLLOW_ON:
            raise Conflict(
                "Ein Entwurf eines Widerrufs, einer Rücknahme oder eines Schlussbescheids wird "
                "nicht geändert, sondern verworfen und neu entworfen (such a draft is "
                "discarded and drafted again, not edited).",
                extra={"kind": decision.kind},
            )
        await ensure_official_not_excluded(ctx, app.id)
        kind = DecisionKind(data.kind)
        _ensure_decidable(kind, app.status)
        content, max_amount = await compose(ctx, app, data, decision_date=berlin_date(ctx.now))
        updated = (
            await ctx.session.execute(
                sa.update(_d)
                .where(_d.c.id == decision_id)
                .values(
                    kind=kind.value,
                    status=DecisionStatus.DRAFT.value,
                    content=content,
                    max_amount=max_amount,
                    version=decision.version + 1,
                    updated_at=ctx.now,
                    second_approved_by=None,
                    second_approved_at=None,
                )
                .returning(_d)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.DECISION_DRAFT_UPDATED,
            object_type="decision",
            object_id=decision_id,
            before={"kind": decision.kind, "status": decision.status, "version": decision.version},
            after={"kind": kind.value, "version": updated.version},
        )
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(updated, second_required=required)


async def discard_draft(
    ctx: UserContext, decision_id: uuid.UUID, *, if_match: str | None
) -> DecisionPublic:
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        decision, app = await _load(ctx, decision_id, manager=True, for_update=True)
        ensure_version(decision.version, expected)
        _ensure_open(decision)
        updated = (
            await ctx.session.execute(
                sa.update(_d)
                .where(_d.c.id == decision_id)
                .values(
                    status=DecisionStatus.DISCARDED.value,
                    version=decision.version + 1,
                    updated_at=ctx.now,
                )
                .returning(_d)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.DECISION_DRAFT_DISCARDED,
            object_type="decision",
            object_id=decision_id,
            before={"status": decision.status},
            after={"status": DecisionStatus.DISCARDED.value},
        )
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(updated, second_required=required)


async def approve_draft(
    ctx: UserContext, decision_id: uuid.UUID, *, if_match: str | None
) -> DecisionPublic:
    """The second person's approval of the draft as it stands (If-Match: of that version)."""
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        decision, app = await _load(ctx, decision_id, manager=True, for_update=True)
        ensure_version(decision.version, expected)
        if decision.status != DecisionStatus.DRAFT.value:
            _ensure_open(decision)
            raise Conflict(
                "Der Entwurf ist bereits freigegeben (the draft is already approved).",
                extra={"status": decision.status},
            )
        if decision.drafted_by == ctx.principal.user_id:
            raise Forbidden(
                "Wer den Bescheid entworfen hat, kann ihn nicht als zweite Person freigeben "
                "(the person who drafted the decision cannot approve it as the second person)."
            )
        await ensure_official_not_excluded(ctx, app.id)
        updated = (
            await ctx.session.execute(
                sa.update(_d)
                .where(_d.c.id == decision_id)
                .values(
                    status=DecisionStatus.SECOND_APPROVED.value,
                    second_approved_by=ctx.principal.user_id,
                    second_approved_at=ctx.now,
                    version=decision.version + 1,
                    updated_at=ctx.now,
                )
                .returning(_d)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.DECISION_SECOND_APPROVED,
            object_type="decision",
            object_id=decision_id,
            before={"status": decision.status, "version": decision.version},
            after={"status": updated.status},
        )
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(updated, second_required=required)


def _summary(decision: Any) -> str:
    """The reason the status history records: the decision, never its full reasoning
    (which belongs in the letter)."""
    reference = decision.content.get("application", {}).get("reference_number")
    return f"Bescheid {decision.kind} Nr. {decision.number} zu {reference}"


async def release(
    ctx: UserContext, decision_id: uuid.UUID, *, if_match: str | None
) -> DecisionPublic:
    """Release the decision as the acting official, in one transaction (see the module)."""
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        return await release_in_transaction(ctx, decision_id, expected_version=expected)


async def release_in_transaction(
    ctx: UserContext, decision_id: uuid.UUID, *, expected_version: int
) -> DecisionPublic:
    """The release in the caller's open transaction: the API's request, or one item of a
    bulk release on the job queue, whose own bookkeeping commits with it."""
    decision, app = await _load(ctx, decision_id, manager=True, for_update=True)
    ensure_version(decision.version, expected_version)
    _ensure_open(decision)
    kind = DecisionKind(decision.kind)
    required = await second_approval_required(ctx, app.guideline_id)
    approver = decision.second_approved_by
    if required and decision.status != DecisionStatus.SECOND_APPROVED.value:
        raise Conflict(
            "Das Programm verlangt die Freigabe des Entwurfs durch eine zweite Person vor "
            "der Bekanntgabe (the programme requires a second person's approval first).",
            extra={"status": decision.status, "second_approval_required": True},
        )
    if approver is not None and approver == ctx.principal.user_id:
        raise Forbidden(
            "Wer den Entwurf als zweite Person freigegeben hat, kann ihn nicht selbst "
            "erlassen (the second approver cannot also release the decision)."
        )
    await ensure_official_not_excluded(ctx, app.id)
    state = State(app.status)
    event = None
    if kind in FOLLOW_ON:
        # A revocation or withdrawal changes the award's money, not its lifecycle state.
        found = await granting_decision(ctx, app.id)
        granting = None if found is None else found[0]
        await apply_follow_on(ctx, app, decision, granting, reason=_summary(decision))
    else:
        event = decision_event(kind, state)
        if event is None:
            _ensure_decidable(kind, app.status)
    if kind in GRANTING:
        instalments = {
            int(item["fiscal_year"]): Decimal(item["amount"])
            for item in decision.content["instalments"]
        }
        await ledger.commit_funds(
            ctx,
            key=ledger.LineKey(app.guideline_id, app.call_code, app.funding_line),
            application_id=app.id,
            decision_id=decision.id,
            instalments={y: a for y, a in instalments.items() if a > ZERO},
            reason=_summary(decision),
        )
    decision_date = berlin_date(ctx.now)
    reference = file_reference(app.reference_number or str(app.id), decision.number)
    official = ctx.principal.display_name or ctx.principal.email
    fixed = {
        "kind": decision.kind,
        "file_reference": reference,
        "decision_date": decision_date.isoformat(),
        "official": official,
        "content": decision.content,
    }
    updated = (
        await ctx.session.execute(
            sa.update(_d)
            .where(_d.c.id == decision_id)
            .values(
                status=DecisionStatus.RELEASED.value,
                released_by=ctx.principal.user_id,
                released_at=ctx.now,
                official_name=official,
                decision_date=decision_date,
                file_reference=reference,
                content_hash=sha256_of(fixed),
                version=decision.version + 1,
                updated_at=ctx.now,
            )
            .returning(_d)
        )
    ).one()
    if event is not None:
        await apply_transition(ctx, app, event, Role.PROGRAMME_MANAGER, reason=_summary(decision))
    await ctx.audit(
        action=AuditAction.DECISION_RELEASED,
        object_type="decision",
        object_id=decision_id,
        before={"status": decision.status},
        after={
            "status": DecisionStatus.RELEASED.value,
            "file_reference": reference,
            "decision_date": decision_date.isoformat(),
            "official": official,
            "second_approved_by": None if approver is None else str(approver),
            "max_amount": None if updated.max_amount is None else str(updated.max_amount),
            "content_hash": updated.content_hash,
        },
    )
    standing = notices.standing_public(updated, [], decision_date)
    return public_view(updated, second_required=required, standing=standing)


async def _with_standing(
    ctx: UserContext, decision: Any, role: Role | None, *, second_required: bool
) -> DecisionPublic:
    """A released decision with its standing; opened by the addressee's organisation, the
    first opening after a portal dispatch is recorded as its retrieval."""
    if decision.status != DecisionStatus.RELEASED.value:
        return public_view(decision, second_required=second_required)
    rows = await notices.notice_rows(ctx.session, decision.id)
    if role is Role.APPLICANT:
        rows = await notices.record_retrieval(ctx, decision, rows)
    standing = notices.standing_public(decision, rows, berlin_date(ctx.now))
    return public_view(decision, second_required=second_required, standing=standing)


async def list_decisions(ctx: UserContext, application_id: uuid.UUID) -> list[DecisionPublic]:
    async with ctx.session.begin():
        app, role = await load_application(ctx, application_id)
        query = sa.select(_d).where(_d.c.application_id == application_id)
        if role is not Role.PROGRAMME_MANAGER:
            query = query.where(_d.c.status == DecisionStatus.RELEASED.value)
        rows = list(await ctx.session.execute(query.order_by(_d.c.number)))
        required = await second_approval_required(ctx, app.guideline_id)
        return [await _with_standing(ctx, r, role, second_required=required) for r in rows]


async def get_decision(ctx: UserContext, decision_id: uuid.UUID) -> DecisionPublic:
    async with ctx.session.begin():
        decision, app = await _load(ctx, decision_id, manager=False)
        role = role_of(ctx.principal, app.organisation_id, State(app.status))
        required = await second_approval_required(ctx, app.guideline_id)
        return await _with_standing(ctx, decision, role, second_required=required)


async def record_notice(ctx: UserContext, decision_id: uuid.UUID, data: NoticeIn) -> DecisionPublic:
    """Staff record a notice on a released decision (dispatch, proven receipt, objection…)."""
    async with ctx.session.begin():
        decision, app = await _load(ctx, decision_id, manager=True, for_update=True)
        if decision.status != DecisionStatus.RELEASED.value:
            raise Conflict(
                "Nur ein erlassener Bescheid wird versandt oder angefochten (only a released "
                "decision is dispatched or objected to).",
                extra={"status": decision.status},
            )
        if (
            data.kind == NoticeKind.DISPATCHED.value
            and data.channel == Channel.PORTAL.value
            and not await consent_in_force(ctx.session, app.organisation_id)
        ):
            raise InvalidInput(
                "Der Vermerk passt nicht zum Bescheid (the notice does not fit the decision).",
                problems=(
                    FieldProblem(
                        "channel",
                        "portal_consent_missing",
                        "Die Organisation hat der Bekanntgabe über das Portal nicht zugestimmt "
                        "(§ 41 Abs. 2a VwVfG); der Bescheid wird per Post versandt (no consent "
                        "to notification by portal retrieval: post it)",
                    ),
                ),
            )
        standing = await notices.record_notice(ctx, decision, data)
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(decision, second_required=required, standing=standing)


async def granting_decision(
    ctx: UserContext, application_id: uuid.UUID
) -> tuple[Any, Standing] | None:
    """The application's latest released approval, partial approval or amendment (the grant
    in force) and where it stands today; None when there is none. In the caller's
    transaction, after its access check."""
    row = (
        await ctx.session.execute(
            sa.select(_d)
            .where(
                _d.c.application_id == application_id,
                _d.c.status == DecisionStatus.RELEASED.value,
                _d.c.kind.in_([k.value for k in IN_FORCE]),
            )
            .order_by(_d.c.number.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    rows = await notices.notice_rows(ctx.session, row.id)
    return row, notices.standing_of(rows, berlin_date(ctx.now))


async def award_ledger(ctx: UserContext, application_id: uuid.UUID) -> AwardLedger:
    """The award's money movements and balances per fiscal year: its organisation and
    managers (``load_application`` decides; evaluators and others get 404)."""
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        entries = await ledger.application_entries(ctx.session, application_id)
        balances = await ledger.application_balances(ctx.session, application_id)
    return AwardLedger(
        application_id=application_id,
        entries=[
            LedgerEntryPublic(
                id=e.id,
                kind=e.kind,
                fiscal_year=e.fiscal_year,
                amount=e.amount,
                decision_id=e.decision_id,
                payment_id=e.payment_id,
                reason=e.reason,
                occurred_at=e.occurred_at,
            )
            for e in entries
        ],
        by_year=[
            {
                "fiscal_year": year,
                "committed": str(b.committed),
                "paid": str(b.paid),
                "open": str(b.open),
                "reclaimed": str(b.reclaimed),
                "refunded": str(b.refunded),
            }
            for year, b in balances.items()
        ],
    )


def _settings_public(guideline_id: str, row: Any) -> ProgrammeSettingsPublic:
    if row is None:
        return ProgrammeSettingsPublic(
            guideline_id=guideline_id,
            second_approval_required=False,
            formal_application_weeks=DEFAULT_WEEKS,
            version=0,
            changed_at=None,
        )
    return ProgrammeSettingsPublic(
        guideline_id=guideline_id,
        second_approval_required=row.second_approval_required,
        formal_application_weeks=row.formal_application_weeks,
        version=row.version,
        changed_at=row.changed_at,
    )


def _ensure_known(ctx: UserContext, guideline_id: str) -> None:
    if not ctx.principal.has_staff_role(*MANAGER_ROLES):
        raise Forbidden("Nur für Programmverantwortliche (programme managers only).")
    if ctx.guidelines.get(guideline_id) is None:
        raise NotFound(f"Programm {guideline_id} nicht gefunden (programme not found)")


async def get_settings(ctx: UserContext, guideline_id: str) -> ProgrammeSettingsPublic:
    _ensure_known(ctx, guideline_id)
    async with ctx.session.begin():
        row = (
            await ctx.session.execute(sa.select(_ps).where(_ps.c.guideline_id == guideline_id))
        ).first()
    return _settings_public(guideline_id, row)


async def set_settings(
    ctx: UserContext, guideline_id: str, data: ProgrammeSettingsIn
) -> ProgrammeSettingsPublic:
    _ensure_known(ctx, guideline_id)
    async with ctx.session.begin():
        row = (
            await ctx.session.execute(
                sa.select(_ps).where(_ps.c.guideline_id == guideline_id).with_for_update()
            )
        ).first()
        values = {
            "second_approval_required": data.second_approval_required,
            "formal_application_weeks": data.formal_application_weeks,
            "changed_by": ctx.principal.user_id,
            "changed_at": ctx.now,
        }
        if row is None:
            await ctx.session.execute(
                sa.insert(_ps).values(guideline_id=guideline_id, version=1, **values)
            )
        else:
            await ctx.session.execute(
                sa.update(_ps)
                .where(_ps.c.guideline_id == guideline_id)
                .values(version=row.version + 1, **values)
            )
        await ctx.audit(
            action=AuditAction.PROGRAMME_SETTINGS_CHANGED,
            object_type="programme",
            object_id=guideline_id,
            before=None
            if row is None
            else {
                "second_approval_required": row.second_approval_required,
                "formal_application_weeks": row.formal_application_weeks,
            },
            after={
                "second_approval_required": data.second_approval_required,
                "formal_application_weeks": data.formal_application_weeks,
                "reason": data.reason.strip(),
            },
        )
        row = (
            await ctx.session.execute(sa.select(_ps).where(_ps.c.guideline_id == guideline_id))
        ).one()
    return _settings_public(guideline_id, row)


# --- For the letters feature: in the caller's transaction ----------------------------------


async def load_decision(
    ctx: UserContext, decision_id: uuid.UUID, *, manager: bool, for_update: bool = False
) -> tuple[Any, Any]:
    """The decision and its application, as the decisions API checks access to them
    (applicants: their organisation's released decisions only)."""
    return await _load(ctx, decision_id, manager=manager, for_update=for_update)


async def dispatch_on_portal(ctx: UserContext, decision: Any, organisation_id: uuid.UUID) -> bool:
    """The decision's letter was made available on the portal today: its dispatch, unless a
    dispatch (by post, say) was recorded before — notification then runs from that one — or
    the organisation has not consented to notification by portal retrieval (§ 41 Abs. 2a
    VwVfG: the letter is then to be posted). Returns whether a dispatch was recorded. The
    caller has locked the decision."""
    if not await consent_in_force(ctx.session, organisation_id):
        return False
    rows = await notices.notice_rows(ctx.session, decision.id)
    if any(r.kind == NoticeKind.DISPATCHED.value for r in rows):
        return False
    await notices.record_notice(
        ctx,
        decision,
        NoticeIn(kind="dispatched", channel="portal", on_date=berlin_date(ctx.now)),
    )
    return True


async def dispatches_of(
    session: AsyncSession, decision_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, date]]]:
    """Each decision's recorded dispatches as (channel, day), in the order recorded."""
    found: dict[uuid.UUID, list[tuple[str, date]]] = {d: [] for d in decision_ids}
    if not decision_ids:
        return found
    rows = await session.execute(
        sa.select(notices_table.c.decision_id, notices_table.c.channel, notices_table.c.on_date)
        .where(
            notices_table.c.decision_id.in_(decision_ids),
            notices_table.c.kind == NoticeKind.DISPATCHED.value,
        )
        .order_by(notices_table.c.decision_id, notices_table.c.number)
    )
    for row in rows:
        found[row.decision_id].append((row.channel, row.on_date))
    return found


async def record_portal_retrieval(ctx: UserContext, decision: Any) -> None:
    """The addressee downloaded the decision's letter: its retrieval, as opening it does."""
    rows = await notices.notice_rows(ctx.session, decision.id)
    await notices.record_retrieval(ctx, decision, rows)


async def released_in_call(ctx: UserContext, guideline_id: str, call_code: str) -> list[uuid.UUID]:
    """The released decisions of a call, by file reference, locked (for a batch order)."""
    return list(
        (
            await ctx.session.execute(
                sa.select(_d.c.id)
                .join(_apps, _apps.c.id == _d.c.application_id)
                .where(
                    _apps.c.guideline_id == guideline_id,
                    _apps.c.call_code == call_code,
                    _d.c.status == DecisionStatus.RELEASED.value,
                )
                .order_by(_d.c.file_reference)
                .with_for_update(of=_d)
            )
        ).scalars()
    )
