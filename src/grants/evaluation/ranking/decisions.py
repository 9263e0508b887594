"""The jury's recommendation per application: the system proposes, a human decides
(§ 35a VwVfG: no fully automated discretionary decision).

``record_decision`` computes the proposal from the funding line as it stands (default line
budget and thresholds, ``rankings.proposal_for``: funded → recommended, reserve list →
reserve, otherwise not recommended) and stores it beside what the programme manager decided,
with the mandatory reason, the final score and the rank at that moment. Deviating from the
proposal is allowed — that is the point — and visible (``follows_proposal``) and audited.
Decisions are possible while the application is ``in_review``, ``reviewed`` or
``jury_decided``, and only in the procedure's order: after a formal check of the submitted
version with the outcome "to review", and on a complete review — the rubric's number of
submitted score sheets (``minimum_evaluators``, counted as the ranking counts them). A jury
may have to decide on what it has: with fewer sheets the decision is refused (409) unless the
request says why the jury decides anyway (``incomplete_review_reason``, a field of its own,
stored beside the decision with the counts and audited). Where a tie at the funding line
leaves the choice to the jury, the proposal says so (``tie_at_funding_line``) instead of
preferring one of them by reference number.

States: recording a decision moves the application through the lifecycle in the same
transaction — ``complete_review`` (in_review → reviewed, when still in review) and
``record_jury_decision`` (reviewed → jury_decided) — so that no sheet can change under a
decision (sheets are written only in review). The applicant's status e-mail carries a
neutral text, not the jury's internal reason or the recommendation: those reach the
applicant with the invitation or rejection letter. Changing a decision later (while
``jury_decided``) needs ``If-Match`` with the decision's version and changes no state; after
the invitation (or the Bescheid that declines) the decision is final (409). An invitation
that deviates from the recommendation needs its own reason (``core.lifecycle``).
"""

import uuid
from typing import Any

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.applications.queries import applications_table
from grants.applications.transitions import apply_transition, step_facts
from grants.context import Context, UserContext
from grants.core.audit_actions import AuditAction
from grants.core.errors import Conflict, PreconditionFailed, PreconditionRequired
from grants.core.lifecycle import EVENT_LABELS, STATE_LABELS, Event, Requirement, State, require
from grants.core.roles import Role
from grants.core.versions import parse_if_match
from grants.evaluation.jury.officials import ensure_official_not_excluded
from grants.evaluation.ranking.schemas import DecisionPublic, DecisionRequest
from grants.evaluation.ranking.service import check_line, find_call, proposal_for
from grants.evaluation.tables import jury_decisions_table

_jd = jury_decisions_table
_apps = applications_table

DECIDABLE = frozenset({State.IN_REVIEW, State.REVIEWED, State.JURY_DECIDED})
APPLICANT_NOTICE = (
    "Die Jury hat über Ihre Projektskizze beraten. Sie erhalten das Ergebnis mit gesondertem "
    "Schreiben. (The jury has deliberated; you will receive the result by letter.)"
)


def _public(decision: Any, application: Any) -> DecisionPublic:
    return DecisionPublic(
        application_id=decision.application_id,
        reference_number=application.reference_number,
        funding_line=application.funding_line,
        recommendation=decision.recommendation,
        proposed=decision.proposed,
        follows_proposal=decision.proposed == decision.recommendation,
        reason=decision.reason,
        final_score=decision.final_score,
        rank=decision.rank,
        counted_evaluations=decision.counted_evaluations,
        required_evaluations=decision.required_evaluations,
        incomplete_review_reason=decision.incomplete_review_reason,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        version=decision.version,
        application_status=application.status,
    )


def _snapshot(decision: Any) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "recommendation": decision.recommendation,
        "proposed": decision.proposed,
        "reason": decision.reason,
        "final_score": None if decision.final_score is None else str(decision.final_score),
        "rank": decision.rank,
        "version": decision.version,
        "counted_evaluations": decision.counted_evaluations,
        "required_evaluations": decision.required_evaluations,
        "incomplete_review_reason": decision.incomplete_review_reason,
    }


async def record_decision(
    ctx: UserContext, application_id: uuid.UUID, request: DecisionRequest, *, if_match: str | None
) -> DecisionPublic:
    reason = request.reason.strip()
    incomplete = (request.incomplete_review_reason or "").strip() or None
    async with ctx.session.begin():
        row, role = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, application_id)
        state = State(row.status)
        if state not in DECIDABLE:
            where = STATE_LABELS[state]
            raise Conflict(
                f"Eine Jury-Empfehlung ist im Zustand „{where.de}“ nicht (mehr) möglich "
                f"(no jury recommendation in the state “{where.en}”).",
                extra={"current_state": state.value},
            )
        existing = (
            await ctx.session.execute(
                sa.select(_jd).where(_jd.c.application_id == application_id).with_for_update()
            )
        ).first()
        current = existing.version if existing is not None else 0
        if existing is not None and if_match is None:
            raise PreconditionRequired(
                "Die Empfehlung besteht schon: bitte If-Match mit ihrer Version senden "
                "(a decision exists: send If-Match with its version)."
            )
        if if_match is not None and parse_if_match(if_match) != current:
            raise PreconditionFailed(
                f"Die Empfehlung wurde inzwischen geändert (stale version; current is {current}).",
                extra={"current_version": current},
            )
        # The procedure's order, whichever state the row claims: a passed formal check, and
        # a complete review or the reason for deciding on less.
        needed = (Requirement.FORMAL_CHECK_PASSED, Requirement.SCORE_SHEETS)
        facts = await step_facts(ctx, row, needed, incomplete_review_reason=incomplete)
        require(
            needed,
            facts,
            current=state,
            step=EVENT_LABELS[Event.RECORD_JURY_DECISION],
            event=Event.RECORD_JURY_DECISION,
        )
        _, call = find_call(ctx.guidelines, row.call_code)
        check_line(call, row.funding_line)
        proposal = await proposal_for(
            ctx.session, ctx.guidelines, row.call_code, row.funding_line, application_id
        )
        values = {
            "recommendation": request.recommendation.value,
            "reason": reason,
            "final_score": proposal.final_score,
            "rank": proposal.rank,
            "proposed": proposal.recommendation,
            "decided_by": ctx.principal.user_id,
            "decided_at": ctx.now,
            "counted_evaluations": facts.counted_sheets,
            "required_evaluations": facts.required_sheets,
            "incomplete_review_reason": incomplete,
        }
        if existing is None:
            statement: Any = sa.insert(_jd).values(
                application_id=application_id, version=1, **values
            )
        else:
            statement = (
                sa.update(_jd)
                .where(_jd.c.application_id == application_id)
                .values(version=existing.version + 1, **values)
            )
        decision = (await ctx.session.execute(statement.returning(_jd))).one()
        if state is State.IN_REVIEW:
            row = await apply_transition(
                ctx,
                row,
                Event.COMPLETE_REVIEW,
                role,
                reason=None,
                incomplete_review_reason=incomplete,
            )
        if state in (State.IN_REVIEW, State.REVIEWED):
            row = await apply_transition(
                ctx,
                row,
                Event.RECORD_JURY_DECISION,
                role,
                reason=APPLICANT_NOTICE,
                incomplete_review_reason=incomplete,
            )
        await ctx.audit(
            action=AuditAction.JURY_DECISION_RECORDED,
            object_type="application",
            object_id=application_id,
            before=_snapshot(existing),
            after={
                **(_snapshot(decision) or {}),
                "follows_proposal": decision.proposed == decision.recommendation,
            },
        )
    return _public(decision, row)


async def list_decisions(
    ctx: Context, *, call: str, funding_line: str | None
) -> list[DecisionPublic]:
    guideline, found = find_call(ctx.guidelines, call)
    check_line(found, funding_line)
    query = (
        sa.select(
            _jd,
            _apps.c.reference_number,
            _apps.c.funding_line,
            _apps.c.status,
        )
        .select_from(_jd.join(_apps, _apps.c.id == _jd.c.application_id))
        .where(_apps.c.guideline_id == guideline.id, _apps.c.call_code == found.code)
        .order_by(_apps.c.funding_line, _jd.c.rank.nulls_last(), _apps.c.reference_number)
    )
    if funding_line is not None:
        query = query.where(_apps.c.funding_line == funding_line)
    return [_public(row, row) for row in (await ctx.session.execute(query)).all()]
