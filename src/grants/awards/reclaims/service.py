"""Revocations and reclaims, one transaction each, serialised per award on the application's
row:

- ``open_hearing``: a manager tells the recipient the facts, the measure considered and the
  grant intended, and the day by which it may comment (§ 28 VwVfG); by e-mail, in the same
  transaction. ``respond`` records a comment (a late one too, marked late).
- ``draft_revocation``: once the hearing is concluded (a comment, or its day passed), a
  manager drafts the revocation or withdrawal as a decision (kind ``revocation`` or
  ``withdrawal``) with its reasons, its discretion and how the comment was weighed, within
  the one-year limit; the money it moves (``core.revocation.allocate``) is part of its
  content. It is approved and released as every decision is (``decisions.service``), which
  enters the de-commitments and the reclaim in the ledger.
- ``record_refund``: money received back on the reclaim, with the day it was credited.
- ``set_interest``: once the reclaim is repaid, the interest on it (§ 49a Abs. 3 VwVfG),
  computed from the effective day to the last refund's day with the shipped base rates (on
  what was still owed, day by day), claimed in full or waived in part or whole with a
  reason — a person's decision, recorded once.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from grants.accounts.service import contact_of
from grants.applications.access import load_application
from grants.awards import ledger
from grants.awards.access import load_with_application
from grants.awards.base_rates import load_base_rates
from grants.awards.decisions.schemas import DecisionPublic
from grants.awards.decisions.service import (
    ensure_no_open_draft,
    granting_decision,
    insert_draft,
    public_view,
    second_approval_required,
)
from grants.awards.reclaims.money import (
    AWARDED,
    REVOKING,
    allocation_content,
    award_money,
    follow_on_parties,
)
from grants.awards.reclaims.schemas import (
    HearingIn,
    HearingPublic,
    HearingResponseIn,
    HearingResponsePublic,
    InterestIn,
    InterestPublic,
    ReclaimPublic,
    RefundIn,
    RefundPublic,
    RevocationIn,
)
from grants.awards.reclaims.tables import (
    hearing_responses_table,
    hearings_table,
    interest_table,
    refunds_table,
)
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import berlin_date
from grants.core.decision import DecisionKind, DecisionStatus
from grants.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from grants.core.interest import InterestError, reclaim_interest_with_repayments
from grants.core.money import ZERO, format_eur
from grants.core.revocation import (
    DEFAULT_HEARING_WEEKS,
    LEGAL_BASES,
    Measure,
    RevocationInput,
    allocate,
    decision_problems,
    hearing_concluded,
    hearing_problems,
    one_year_limit,
)
from grants.core.roles import Role
from grants.evaluation.jury.officials import ensure_official_not_excluded
from grants.notifications.service import enqueue_message

_h, _hr, _r, _i, _d = (
    hearings_table,
    hearing_responses_table,
    refunds_table,
    interest_table,
    decisions_table,
)


def _hearing_not_found(hearing_id: uuid.UUID) -> NotFound:
    return NotFound(f"Anhörung {hearing_id} nicht gefunden (hearing not found)")


async def grant_in_force(ctx: UserContext, app: Any) -> Any:
    found = await granting_decision(ctx, app.id)
    if found is None or not found[1].effective or app.status not in AWARDED:
        raise Conflict(
            "Für dieses Vorhaben gibt es keinen wirksamen Zuwendungsbescheid, der widerrufen "
            "werden könnte (no decision in force to revoke).",
            extra={"current_state": app.status},
        )
    return found[0]


async def hearing_responses(
    ctx: UserContext, hearing_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """The comments of these hearings, each hearing's in order, in one query."""
    rows = await ctx.session.execute(
        sa.select(_hr).where(_hr.c.hearing_id.in_(hearing_ids)).order_by(_hr.c.number)
    )
    found: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        found.setdefault(row.hearing_id, []).append(row)
    return found


async def _responses(ctx: UserContext, hearing_id: uuid.UUID) -> list[Any]:
    rows = await ctx.session.execute(
        sa.select(_hr).where(_hr.c.hearing_id == hearing_id).order_by(_hr.c.number)
    )
    return list(rows)


def _hearing_public(row: Any, responses: list[Any], today: date) -> HearingPublic:
    return HearingPublic(
        id=row.id,
        application_id=row.application_id,
        decision_id=row.decision_id,
        number=row.number,
        measure=row.measure,
        legal_basis=row.legal_basis,
        facts=row.facts,
        facts_known_on=row.facts_known_on,
        one_year_limit=one_year_limit(row.facts_known_on),
        current_grant=row.current_grant,
        intended_grant=row.intended_grant,
        respond_by=row.respond_by,
        opened_at=row.opened_at,
        concluded=hearing_concluded(
            respond_by=row.respond_by, responses=len(responses), today=today
        ),
        responses=[
            HearingResponsePublic(
                number=r.number, text=r.text, late=r.late, responded_at=r.responded_at
            )
            for r in responses
        ],
    )


async def next_number(ctx: UserContext, table: sa.Table, column: Any, value: Any) -> int:
    found = await ctx.session.execute(
        sa.select(sa.func.coalesce(sa.func.max(table.c.number), 0)).where(column == value)
    )
    return int(found.scalar_one()) + 1


async def open_hearing(
    ctx: UserContext, application_id: uuid.UUID, data: HearingIn
) -> HearingPublic:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, app.id)
        grant = await grant_in_force(ctx, app)
        committed, _ = await award_money(ctx, app)
        current = sum(committed.values(), ZERO)
        respond_by = data.respond_by or today + timedelta(weeks=DEFAULT_HEARING_WEEKS)
        problems = hearing_problems(
            facts=data.facts,
            intended_grant=data.intended_grant,
            current_grant=current,
            respond_by=respond_by,
            today=today,
        )
        if data.facts_known_on > today:
            problems.append(
                FieldProblem(
                    "facts_known_on",
                    "in_future",
                    "Der Tag der Kenntnis liegt nicht nach heute (not after today)",
                )
            )
        if problems:
            raise InvalidInput(
                "Die Anhörung kann so nicht eröffnet werden (the hearing cannot be opened as "
                "given).",
                problems=tuple(problems),
            )
        measure = Measure(data.measure)
        created = (
            await ctx.session.execute(
                sa.insert(_h)
                .values(
                    id=uuid.uuid4(),
                    application_id=app.id,
                    decision_id=grant.id,
                    number=await next_number(ctx, _h, _h.c.application_id, app.id),
                    measure=measure.value,
                    legal_basis=LEGAL_BASES[measure],
                    facts=data.facts.strip(),
                    facts_known_on=data.facts_known_on,
                    current_grant=current,
                    intended_grant=data.intended_grant,
                    respond_by=respond_by,
                    opened_by=ctx.principal.user_id,
                    opened_at=ctx.now,
                )
                .returning(_h)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.HEARING_OPENED,
            object_type="hearing",
            object_id=created.id,
            after={
                "application_id": str(app.id),
                "measure": measure.value,
                "intended_grant": str(data.intended_grant),
                "respond_by": respond_by.isoformat(),
            },
        )
        recipient, _ = await contact_of(ctx.session, app.created_by)
        reference = app.reference_number or "—"
        what = "Widerruf" if measure is Measure.REVOCATION else "Rücknahme"
        await enqueue_message(
            ctx.session,
            dedupe_key=f"hearing_opened:{created.id}",
            kind="hearing_opened",
            recipient=recipient,
            subject=f"Anhörung vor einem {what}: {reference} (hearing before a revocation)",
            body_text=(
                f"Guten Tag,\n\nwir beabsichtigen, den Zuwendungsbescheid zum Vorhaben "
                f"{reference} teilweise oder ganz aufzuheben ({what}, "
                f"{LEGAL_BASES[measure]}): die Zuwendung soll {format_eur(data.intended_grant)} "
                f"statt {format_eur(current)} betragen; was darüber hinaus ausgezahlt wurde, "
                "wäre mit Zinsen zu erstatten (§ 49a VwVfG).\n\nDem liegen folgende "
                f"Tatsachen zugrunde:\n\n{created.facts}\n\nSie haben Gelegenheit, sich bis "
                f"zum {respond_by.strftime('%d.%m.%Y')} zu äußern (§ 28 VwVfG), im Portal "
                "beim Vorhaben. Eine Entscheidung ist noch nicht getroffen.\n\n"
                f"We intend to reduce the grant for {reference} to "
                f"{format_eur(data.intended_grant)}; you may comment by "
                f"{respond_by.isoformat()}. No decision has been taken yet.\n"
            ),
            now=ctx.now,
            application_id=app.id,
        )
        return _hearing_public(created, [], today)


async def respond(
    ctx: UserContext, hearing_id: uuid.UUID, data: HearingResponseIn
) -> HearingPublic:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        hearing, _, role = await load_with_application(
            ctx,
            _h,
            hearing_id,
            manager=False,
            for_update=True,
            not_found=_hearing_not_found(hearing_id),
        )
        if role is not Role.APPLICANT:
            raise Forbidden("Nur der Zuwendungsempfänger äußert sich (only the recipient).")
        late = today > hearing.respond_by
        created = (
            await ctx.session.execute(
                sa.insert(_hr)
                .values(
                    id=uuid.uuid4(),
                    hearing_id=hearing_id,
                    number=await next_number(ctx, _hr, _hr.c.hearing_id, hearing_id),
                    text=data.text.strip(),
                    late=late,
                    responded_by=ctx.principal.user_id,
                    responded_at=ctx.now,
                )
                .returning(_hr)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.HEARING_RESPONDED,
            object_type="hearing",
            object_id=hearing_id,
            after={"number": created.number, "late": late},
        )
        return _hearing_public(hearing, await _responses(ctx, hearing_id), today)


async def list_hearings(ctx: UserContext, application_id: uuid.UUID) -> list[HearingPublic]:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        rows = list(
            await ctx.session.execute(
                sa.select(_h).where(_h.c.application_id == application_id).order_by(_h.c.number)
            )
        )
        responses = await hearing_responses(ctx, [r.id for r in rows])
        return [_hearing_public(r, responses.get(r.id, []), today) for r in rows]


async def draft_revocation(
    ctx: UserContext, application_id: uuid.UUID, data: RevocationIn
) -> DecisionPublic:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, app.id)
        grant = await grant_in_force(ctx, app)
        hearing = (
            await ctx.session.execute(
                sa.select(_h).where(_h.c.id == data.hearing_id, _h.c.application_id == app.id)
            )
        ).first()
        if hearing is None:
            raise InvalidInput(
                "Die Anhörung gehört nicht zu diesem Vorhaben (no such hearing here).",
                problems=(FieldProblem("hearing_id", "unknown", "keine Anhörung hier (none)"),),
            )
        responses = await _responses(ctx, hearing.id)
        concluded = hearing_concluded(
            respond_by=hearing.respond_by, responses=len(responses), today=today
        )
        if not concluded:
            raise Conflict(
                "Die Frist zur Äußerung läuft noch bis zum "
                f"{hearing.respond_by.strftime('%d.%m.%Y')}, und es liegt keine Äußerung vor "
                "(§ 28 VwVfG: the period to comment has not passed).",
                extra={"respond_by": hearing.respond_by.isoformat()},
            )
        await ensure_no_open_draft(ctx, app.id)
        committed, paid = await award_money(ctx, app)
        current = sum(committed.values(), ZERO)
        problems = decision_problems(
            RevocationInput(
                new_grant=data.new_grant,
                effective_from=data.effective_from,
                reasons=data.reasons,
                discretion=data.discretion,
                response_weighed=data.response_weighed,
            ),
            current_grant=current,
            granted_on=grant.decision_date,
            facts_known_on=hearing.facts_known_on,
            responses=len(responses),
            decision_date=today,
        )
        if problems:
            raise InvalidInput(
                "Der Bescheid kann so nicht entworfen werden (the decision cannot be drafted "
                "as given).",
                problems=tuple(problems),
            )
        split = allocate(committed, paid, data.new_grant)
        measure = Measure(hearing.measure)
        kind = DecisionKind.REVOCATION if measure is Measure.REVOCATION else DecisionKind.WITHDRAWAL
        content = {
            "kind": kind.value,
            **follow_on_parties(app, grant),
            "legal_basis": LEGAL_BASES[measure],
            "scope": "full" if data.new_grant == ZERO else "partial",
            "hearing": {
                "id": str(hearing.id),
                "respond_by": hearing.respond_by.isoformat(),
                "responses": len(responses),
                "facts_known_on": hearing.facts_known_on.isoformat(),
                "one_year_limit": one_year_limit(hearing.facts_known_on).isoformat(),
            },
            "facts": hearing.facts,
            "reasons": [r.strip() for r in data.reasons if r.strip()],
            "discretion": data.discretion.strip(),
            "response_weighed": data.response_weighed.strip(),
            "effective_from": data.effective_from.isoformat(),
            "figures": {
                "current_grant": str(current),
                "new_grant": str(data.new_grant),
                "paid": str(sum(paid.values(), ZERO)),
                "decommitment": str(split.decommitment),
                "reclaim": str(split.reclaim),
            },
            "years": allocation_content(split),
            "interest": {
                "basis": "§ 49a Abs. 3 VwVfG",
                "rate": "5 Prozentpunkte über dem Basiszinssatz (§ 247 BGB) jährlich",
                "from": data.effective_from.isoformat(),
                "until": "bis zur Erstattung (Tag der Gutschrift ausgenommen)",
                "day_count": "act/365",
            },
            "legal_remedy": grant.content.get("legal_remedy"),
        }
        created = await insert_draft(
            ctx,
            app.id,
            kind,
            content,
            data.new_grant,
            audit={"new_grant": str(data.new_grant), "reclaim": str(split.reclaim)},
        )
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(created, second_required=required)


async def _revocation(
    ctx: UserContext, application_id: uuid.UUID, *, missing: Exception | None = None
) -> Any:
    """The latest released revocation or withdrawal with a reclaim; ``missing`` (default a
    409: nothing to book against) without one."""
    row = (
        await ctx.session.execute(
            sa.select(_d)
            .where(
                _d.c.application_id == application_id,
                _d.c.status == DecisionStatus.RELEASED.value,
                _d.c.kind.in_([k.value for k in REVOKING]),
            )
            .order_by(_d.c.number.desc())
            .limit(1)
        )
    ).first()
    if row is None or Decimal(row.content["figures"]["reclaim"]) == ZERO:
        raise missing or Conflict(
            "Zu diesem Vorhaben ist keine Erstattung festgesetzt (no reclaim has been decided)."
        )
    return row


async def _refunds(ctx: UserContext, decision_id: uuid.UUID) -> list[Any]:
    rows = await ctx.session.execute(
        sa.select(_r).where(_r.c.decision_id == decision_id).order_by(_r.c.number)
    )
    return list(rows)


async def record_refund(
    ctx: UserContext, application_id: uuid.UUID, data: RefundIn
) -> ReclaimPublic:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        decision = await _revocation(ctx, app.id)
        refunds = await _refunds(ctx, decision.id)
        reclaim = Decimal(decision.content["figures"]["reclaim"])
        outstanding = reclaim - sum((r.amount for r in refunds), ZERO)
        effective = date.fromisoformat(decision.content["effective_from"])
        problems = []
        if data.amount <= ZERO or data.amount > outstanding:
            problems.append(
                FieldProblem(
                    "amount",
                    "exceeds_outstanding",
                    f"Offen sind {outstanding} EUR (outstanding: {outstanding} EUR)",
                )
            )
        if not effective <= data.received_on <= today:
            problems.append(
                FieldProblem(
                    "received_on",
                    "out_of_range",
                    f"Ein Tag vom {effective.isoformat()} bis heute (between the effective "
                    "day and today)",
                )
            )
        if problems:
            raise InvalidInput(
                "Die Erstattung kann so nicht verbucht werden (the refund cannot be recorded).",
                problems=tuple(problems),
            )
        number = await next_number(ctx, _r, _r.c.application_id, app.id)
        await ctx.session.execute(
            sa.insert(_r).values(
                id=uuid.uuid4(),
                application_id=app.id,
                decision_id=decision.id,
                number=number,
                amount=data.amount,
                received_on=data.received_on,
                note=data.note.strip(),
                recorded_by=ctx.principal.user_id,
                recorded_at=ctx.now,
            )
        )
        # Booked against the years reclaimed, the earliest first: each year's paid falls back.
        years = sorted(
            (int(y["fiscal_year"]), Decimal(y["reclaim"]))
            for y in decision.content["years"]
            if Decimal(y["reclaim"]) > ZERO
        )
        credited = sum((r.amount for r in refunds), ZERO)
        left = data.amount
        key = ledger.LineKey(app.guideline_id, app.call_code, app.funding_line)
        for year, amount in years:
            room = max(amount - credited, ZERO)
            credited = max(credited - amount, ZERO)
            part = min(room, left)
            if part > ZERO:
                await ledger.record_movement(
                    ctx,
                    ledger.Movement.REFUND,
                    key=key,
                    application_id=app.id,
                    fiscal_year=year,
                    amount=part,
                    reason=f"Erstattung Nr. {number} zu {decision.file_reference}",
                    decision_id=decision.id,
                )
                left -= part
        await ctx.audit(
            action=AuditAction.REFUND_RECORDED,
            object_type="decision",
            object_id=decision.id,
            after={
                "number": number,
                "amount": str(data.amount),
                "received_on": data.received_on.isoformat(),
            },
        )
        return await _reclaim_public(ctx, decision)


def _interest_inputs(
    decision: Any, refunds: list[Any], today: date
) -> tuple[Decimal, date, list[tuple[date, Decimal]], date]:
    """Principal, first day, repayments and the day the interest runs to (exclusive): the
    last refund's day once all is repaid, else today."""
    principal = Decimal(decision.content["figures"]["reclaim"])
    start = date.fromisoformat(decision.content["effective_from"])
    repayments = [(r.received_on, r.amount) for r in refunds]
    repaid = sum((a for _, a in repayments), ZERO)
    until = max(d for d, _ in repayments) if repaid >= principal and repayments else today
    return principal, start, repayments, until


def _computation(result: Any) -> dict[str, Any]:
    return {
        "margin_points": str(result.margin_points),
        "day_count": "act/365",
        "segments": [
            {
                "from_day": s.from_day.isoformat(),
                "until_day": s.until_day.isoformat(),
                "days": s.days,
                "principal": str(s.principal),
                "base_rate": str(s.base_rate),
                "annual_rate": str(s.annual_rate),
                "amount": str(s.amount),
                "assumed": s.assumed,
            }
            for s in result.segments
        ],
        "total": str(result.total),
    }


def _compute_interest(
    decision: Any, refunds: list[Any], today: date
) -> tuple[Any, Decimal, date, date]:
    principal, start, repayments, until_day = _interest_inputs(decision, refunds, today)
    try:
        result = reclaim_interest_with_repayments(
            principal,
            from_day=start,
            repayments=repayments,
            until_day=until_day,
            table=load_base_rates(),
        )
    except InterestError as error:
        raise InvalidInput(
            "Die Zinsen lassen sich so nicht berechnen (interest cannot be computed).",
            problems=(FieldProblem("refunds", "out_of_range", str(error)),),
        ) from None
    return result, principal, start, until_day


async def set_interest(
    ctx: UserContext, application_id: uuid.UUID, data: InterestIn
) -> ReclaimPublic:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        decision = await _revocation(ctx, app.id)
        existing = (
            await ctx.session.execute(sa.select(_i.c.id).where(_i.c.decision_id == decision.id))
        ).first()
        if existing is not None:
            raise Conflict(
                "Die Zinsen zu diesem Bescheid sind schon festgesetzt (interest already set)."
            )
        refunds = await _refunds(ctx, decision.id)
        outstanding = Decimal(decision.content["figures"]["reclaim"]) - sum(
            (r.amount for r in refunds), ZERO
        )
        if outstanding > ZERO:
            # One interest decision per revocation, so it is taken when the interest is
            # complete: interest on a part still owed would otherwise never be claimed.
            raise Conflict(
                f"Es sind noch {format_eur(outstanding)} offen; die Zinsen werden nach der "
                "vollständigen Erstattung festgesetzt (interest is set once all is repaid; "
                "GET …/reclaim shows it to date).",
                extra={"outstanding": str(outstanding)},
            )
        result, principal, start, until_day = _compute_interest(decision, refunds, today)
        claimed = result.total if data.claimed is None else data.claimed
        problems = []
        if claimed > result.total:
            problems.append(
                FieldProblem(
                    "claimed",
                    "above_computed",
                    f"Höchstens die berechneten {result.total} EUR (at most the computed)",
                )
            )
        if claimed < result.total and not data.waiver_reason.strip():
            problems.append(
                FieldProblem(
                    "waiver_reason",
                    "required",
                    "Ein Verzicht auf Zinsen ist zu begründen (§ 49a Abs. 3 S. 2 VwVfG; a "
                    "waiver is reasoned)",
                )
            )
        if problems:
            raise InvalidInput(
                "Die Zinsen können so nicht festgesetzt werden (interest cannot be set).",
                problems=tuple(problems),
            )
        await ctx.session.execute(
            sa.insert(_i).values(
                id=uuid.uuid4(),
                application_id=app.id,
                decision_id=decision.id,
                principal=principal,
                from_day=start,
                until_day=until_day,
                computation=_computation(result),
                computed=result.total,
                claimed=claimed,
                waiver_reason=data.waiver_reason.strip(),
                rate_assumed=result.any_assumed,
                decided_by=ctx.principal.user_id,
                decided_at=ctx.now,
            )
        )
        if claimed > ZERO:
            await ledger.record_movement(
                ctx,
                ledger.Movement.INTEREST,
                key=ledger.LineKey(app.guideline_id, app.call_code, app.funding_line),
                application_id=app.id,
                fiscal_year=today.year,
                amount=claimed,
                reason=f"Zinsen (§ 49a Abs. 3 VwVfG) zu {decision.file_reference}",
                decision_id=decision.id,
            )
        await ctx.audit(
            action=AuditAction.INTEREST_SET,
            object_type="decision",
            object_id=decision.id,
            after={
                "computed": str(result.total),
                "claimed": str(claimed),
                "waived": str(result.total - claimed),
                "waiver_reason": data.waiver_reason.strip(),
                "until_day": until_day.isoformat(),
            },
        )
        return await _reclaim_public(ctx, decision)


async def _reclaim_public(ctx: UserContext, decision: Any) -> ReclaimPublic:
    today = berlin_date(ctx.now)
    refunds = await _refunds(ctx, decision.id)
    reclaim = Decimal(decision.content["figures"]["reclaim"])
    refunded = sum((r.amount for r in refunds), ZERO)
    decided = (
        await ctx.session.execute(sa.select(_i).where(_i.c.decision_id == decision.id))
    ).first()
    interest: InterestPublic | None
    if decided is not None:
        interest = InterestPublic(
            principal=decided.principal,
            from_day=decided.from_day,
            until_day=decided.until_day,
            computed=decided.computed,
            claimed=decided.claimed,
            waiver_reason=decided.waiver_reason,
            rate_assumed=decided.rate_assumed,
            computation=decided.computation,
            decided_at=decided.decided_at,
        )
    else:
        result, principal, start, until_day = _compute_interest(decision, refunds, today)
        interest = InterestPublic(
            principal=principal,
            from_day=start,
            until_day=until_day,
            computed=result.total,
            claimed=ZERO,
            waiver_reason="",
            rate_assumed=result.any_assumed,
            computation=_computation(result),
            decided_at=None,
        )
    return ReclaimPublic(
        application_id=decision.application_id,
        decision_id=decision.id,
        file_reference=decision.file_reference,
        effective_from=date.fromisoformat(decision.content["effective_from"]),
        reclaimed=reclaim,
        refunded=refunded,
        outstanding=reclaim - refunded,
        refunds=[
            RefundPublic(
                number=r.number,
                amount=r.amount,
                received_on=r.received_on,
                note=r.note,
                recorded_at=r.recorded_at,
            )
            for r in refunds
        ],
        interest=interest,
    )


async def get_reclaim(ctx: UserContext, application_id: uuid.UUID) -> ReclaimPublic:
    async with ctx.session.begin():
        app, _ = await load_application(ctx, application_id)
        none = NotFound("Zu diesem Vorhaben ist keine Erstattung festgesetzt (no reclaim).")
        decision = await _revocation(ctx, app.id, missing=none)
        return await _reclaim_public(ctx, decision)
