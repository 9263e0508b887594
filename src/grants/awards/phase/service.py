"""The facts an award's phase is derived from, read in one transaction after the access
check (the recipient's organisation and managers; others get 404)."""

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.awards import ledger
from grants.awards.decisions import notices
from grants.awards.decisions.service import granting_decision
from grants.awards.phase.schemas import AwardPhasePublic
from grants.awards.proofs.tables import proofs_table
from grants.awards.reclaims.money import REVOKING
from grants.awards.reclaims.service import hearing_responses
from grants.awards.reclaims.tables import hearings_table, refunds_table
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.award_phase import LABELS, AwardFacts, award_phase
from grants.core.deadlines import berlin_date
from grants.core.decision import OPEN_STATUSES, DecisionKind, DecisionStatus
from grants.core.errors import Conflict
from grants.core.money import ZERO
from grants.core.reminders import Duty, overdue
from grants.core.revocation import hearing_concluded
from grants.core.standing import StandingStatus

_d, _p, _h, _r = decisions_table, proofs_table, hearings_table, refunds_table


async def award_status(ctx: UserContext, application_id: uuid.UUID) -> AwardPhasePublic:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        app, _ = await load_application(ctx, application_id)
        found = await granting_decision(ctx, app.id)
        if found is None:
            raise Conflict(
                "Für diesen Antrag ist keine Zuwendung bewilligt (no grant on this application).",
                extra={"current_state": app.status},
            )
        grant = found[0]
        decisions = list(
            await ctx.session.execute(
                sa.select(_d).where(_d.c.application_id == app.id).order_by(_d.c.number)
            )
        )
        released = [d for d in decisions if d.status == DecisionStatus.RELEASED.value]
        latest = released[-1]
        standing = notices.standing_of(await notices.notice_rows(ctx.session, latest.id), today)
        balances = await ledger.application_balances(ctx.session, app.id)
        committed = sum((b.committed for b in balances.values()), ZERO)
        paid = sum((b.paid for b in balances.values()), ZERO)
        revocations = [d for d in released if DecisionKind(d.kind) in REVOKING]
        outstanding = ZERO
        if revocations:
            last = revocations[-1]
            refunded = (
                await ctx.session.execute(
                    sa.select(sa.func.coalesce(sa.func.sum(_r.c.amount), ZERO)).where(
                        _r.c.decision_id == last.id
                    )
                )
            ).scalar_one()
            outstanding = Decimal(last.content["figures"]["reclaim"]) - Decimal(refunded)
        given = {
            (r.kind, r.fiscal_year)
            for r in await ctx.session.execute(
                sa.select(_p.c.kind, _p.c.fiscal_year).where(
                    _p.c.application_id == app.id, _p.c.status.in_(("submitted", "checked"))
                )
            )
        }
        duties = [
            Duty(r.kind, r.fiscal_year, r.due_on, (r.kind, r.fiscal_year) in given)
            for r in notices.reports_due(grant)
        ]
        hearings = list(
            await ctx.session.execute(
                sa.select(_h.c.id, _h.c.respond_by).where(_h.c.application_id == app.id)
            )
        )
        responses = await hearing_responses(ctx, [h.id for h in hearings])
        hearing_open = any(
            not hearing_concluded(
                respond_by=h.respond_by, responses=len(responses.get(h.id, [])), today=today
            )
            for h in hearings
        )
    settled = any(
        d.kind == DecisionKind.FINAL_SETTLEMENT.value
        or (DecisionKind(d.kind) in REVOKING and Decimal(d.content["figures"]["new_grant"]) == 0)
        for d in released
    )
    period = grant.content["approval_period"]
    result = award_phase(
        AwardFacts(
            today=today,
            effective=standing.effective,
            final=standing.status is StandingStatus.FINAL,
            period_start=date.fromisoformat(period["start"]),
            period_end=date.fromisoformat(period["end"]),
            committed=committed,
            paid=paid,
            reclaim_outstanding=max(outstanding, ZERO),
            reports_owed=sum(not d.submitted for d in duties),
            reports_overdue=len(overdue(duties, today)),
            hearing_open=hearing_open,
            draft_pending=any(d.status in OPEN_STATUSES for d in decisions),
            settled=settled,
        )
    )
    label = LABELS[result.phase]
    return AwardPhasePublic(
        application_id=app.id,
        phase=result.phase.value,
        label={"de": label.de, "en": label.en},
        closed=result.closed,
        open_items=[{"de": t.de, "en": t.en} for t in result.open_items],
        committed=committed,
        paid=paid,
        reclaim_outstanding=max(outstanding, ZERO),
        reports_owed=sum(not d.submitted for d in duties),
        reports_overdue=len(overdue(duties, today)),
    )
