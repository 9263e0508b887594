"""Programme managers' side of assignment: automatic balanced assignment of a call and line,
the board, the shortfall report and manual reassignment. The arithmetic is
``core.assignment``; this module loads its inputs, writes its answer and audits it.

Concurrency: every writer of assignments takes one transaction-scoped advisory lock (the
pool's), held to its commit. Caps count assignments of all calls, so two managers assigning
two different calls at once could otherwise both fill the same evaluator's last slot; under
the lock the second one waits, then reads the first one's rows (READ COMMITTED takes a new
snapshot per statement) and adds nothing twice. The unique (application, evaluator) pair is
the database's own backstop.
"""

import uuid
from collections.abc import Collection, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.queries import users_table
from grants.applications.content import guideline_of, line_and_call
from grants.applications.queries import applications_table
from grants.context import Context, UserContext
from grants.core.assignment import (
    AssignmentSource,
    AssignmentStatus,
    Pair,
    Shortfall,
    assign,
    reassign,
)
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import review_due
from grants.core.errors import Conflict, NotFound
from grants.core.guideline import Guideline
from grants.core.lifecycle import State
from grants.evaluation.assignment.conflicts import (
    ACTIVE_STATUSES,
    EVALUATION_STATES,
    any_of,
    conflict_details_of,
    conflicts_of,
    copy_rows,
    refresh_conflicts,
)
from grants.evaluation.assignment.schemas import (
    AssignmentPublic,
    AutoAssignOut,
    AutoAssignRequest,
    BoardApplication,
    BoardEntry,
    BoardEvaluator,
    BoardOut,
    ConflictOut,
    LoadSummary,
    ReassignOut,
    ReassignRequest,
    RemovedOut,
    ShortfallOut,
    ShortfallReport,
)
from grants.evaluation.tables import assignments_table, evaluator_profiles_table
from grants.guidelines.registry import GuidelineRegistry

_apps = applications_table
_asg = assignments_table
_prof = evaluator_profiles_table

POOL_LOCK = "grants:evaluation:assignments"
_BLOCKED_FOR_AUTO = (AssignmentStatus.DECLINED.value, AssignmentStatus.REMOVED.value)


async def lock_pool(session: AsyncSession) -> None:
    """The assignment writers' lock, to the end of the transaction."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(POOL_LOCK))))


def assignment_public(row: Any) -> AssignmentPublic:
    return AssignmentPublic(
        id=row.id,
        application_id=row.application_id,
        evaluator_id=row.evaluator_id,
        status=row.status,
        source=row.source,
        decline_reason=row.decline_reason,
        assigned_by=row.assigned_by,
        assigned_at=row.assigned_at,
        responded_at=row.responded_at,
        due_at=row.due_at,
        version=row.version,
    )


class _Scope(NamedTuple):
    guideline: Guideline
    call: str
    line: str
    per_application: int


def _scope(
    registry: GuidelineRegistry,
    guideline_id: str,
    call_code: str,
    line_code: str,
    per_application: int | None,
) -> _Scope:
    guideline = guideline_of(registry, guideline_id, field="guideline")
    _, call = line_and_call(guideline, call_code, line_code)
    return _Scope(
        guideline, call.code, line_code, per_application or guideline.rubric.minimum_evaluators
    )


async def _applications(session: AsyncSession, scope: _Scope) -> list[Any]:
    """The call and line's applications under review, in receipt order."""
    rows = await session.execute(
        sa.select(_apps.c.id, _apps.c.reference_number)
        .where(
            _apps.c.guideline_id == scope.guideline.id,
            _apps.c.call_code == scope.call,
            _apps.c.funding_line == scope.line,
            _apps.c.status == State.IN_REVIEW.value,
        )
        .order_by(_apps.c.submitted_at, _apps.c.id)
    )
    return list(rows)


async def _caps(session: AsyncSession) -> dict[str, int]:
    """The pool: evaluator -> cap; inactive evaluators keep what they have but get nothing
    new (cap 0)."""
    rows = await session.execute(
        sa.select(_prof.c.user_id, _prof.c.max_assignments, _prof.c.active)
    )
    return {str(r.user_id): (r.max_assignments if r.active else 0) for r in rows}


async def _existing(session: AsyncSession, caps: Mapping[str, int]) -> list[Pair]:
    """Active assignments of the pool's evaluators, every call: they count towards caps."""
    rows = await session.execute(
        sa.select(_asg.c.application_id, _asg.c.evaluator_id)
        .where(_asg.c.status.in_(ACTIVE_STATUSES))
        .order_by(_asg.c.assigned_at, _asg.c.id)
    )
    return [
        Pair(str(r.application_id), str(r.evaluator_id))
        for r in rows
        if str(r.evaluator_id) in caps
    ]


async def _blocked(
    session: AsyncSession, application_ids: Collection[uuid.UUID], statuses: tuple[str, ...]
) -> list[Pair]:
    rows = await session.execute(
        sa.select(_asg.c.application_id, _asg.c.evaluator_id).where(
            any_of(_asg.c.application_id, application_ids), _asg.c.status.in_(statuses)
        )
    )
    return [Pair(str(r.application_id), str(r.evaluator_id)) for r in rows]


def _shortfall_out(shortfall: Shortfall, references: Mapping[str, str | None]) -> ShortfallOut:
    return ShortfallOut(
        application_id=uuid.UUID(shortfall.application_id),
        reference_number=references.get(shortfall.application_id),
        assigned=shortfall.assigned,
        required=shortfall.required,
        reason=shortfall.reason.value,
        message_de=shortfall.text.de,
        message_en=shortfall.text.en,
        conflicted=shortfall.conflicted,
        declined=shortfall.declined,
    )


def _load_summary(loads: Mapping[str, int], caps: Mapping[str, int]) -> LoadSummary:
    counted = [load for evaluator_id, load in loads.items() if caps.get(evaluator_id, 0) > 0]
    mean = Decimal(sum(counted)) / len(counted) if counted else Decimal(0)
    return LoadSummary(
        minimum=min(counted, default=0),
        maximum=max(counted, default=0),
        mean=mean.quantize(Decimal("0.01"), ROUND_HALF_UP),
        per_evaluator=dict(sorted(loads.items())),
    )


async def auto_assign(ctx: UserContext, data: AutoAssignRequest) -> AutoAssignOut:
    """Refresh conflicts, then give every application under review of the call and line
    ``per_application`` conflict-free evaluators, balanced and within caps; one transaction."""
    scope = _scope(
        ctx.guidelines, data.guideline, data.call, data.funding_line, data.per_application
    )
    async with ctx.session.begin():
        await lock_pool(ctx.session)
        applications = await _applications(ctx.session, scope)
        app_ids = [row.id for row in applications]
        refreshed = await refresh_conflicts(ctx.session, application_ids=app_ids, now=ctx.now)
        caps = await _caps(ctx.session)
        result = assign(
            [str(a) for a in app_ids],
            caps,
            {str(a): {str(e) for e in es} for a, es in refreshed.conflicted.items()},
            per_application=scope.per_application,
            existing=await _existing(ctx.session, caps),
            declined=await _blocked(ctx.session, app_ids, _BLOCKED_FOR_AUTO),
            seed=data.seed,
        )
        batch = set(app_ids)
        app_uuid = {str(a): a for a in app_ids}
        removed = [d for d in result.dropped if uuid.UUID(d.pair.application_id) in batch]
        keys = sa.tuple_(_asg.c.application_id, _asg.c.evaluator_id)
        for reason in {d.reason for d in removed}:
            group = [d for d in removed if d.reason is reason]
            await ctx.session.execute(
                sa.update(_asg)
                .where(
                    keys.in_([(uuid.UUID(d.pair[0]), uuid.UUID(d.pair[1])) for d in group]),
                    _asg.c.status.in_(ACTIVE_STATUSES),
                )
                .values(
                    status=AssignmentStatus.REMOVED.value,
                    decline_reason=f"{group[0].text.de} ({group[0].text.en})",
                    responded_at=ctx.now,
                    version=_asg.c.version + 1,
                )
            )
        await copy_rows(
            ctx.session,
            _asg,
            (
                "id",
                "application_id",
                "evaluator_id",
                "status",
                "source",
                "assigned_by",
                "assigned_at",
                "due_at",
                "version",
            ),
            [
                (
                    uuid.uuid4(),
                    app_uuid[pair.application_id],
                    uuid.UUID(pair.evaluator_id),
                    AssignmentStatus.PENDING.value,
                    AssignmentSource.AUTO.value,
                    ctx.principal.user_id,
                    ctx.now,
                    review_due(ctx.now, data.due_in_days),
                    1,
                )
                for pair in result.added
            ],
        )
        references = {str(row.id): row.reference_number for row in applications}
        kept = sum(len(evaluators) for evaluators in result.assignments.values()) - len(
            result.added
        )
        out = AutoAssignOut(
            call=scope.call,
            funding_line=scope.line,
            per_application=scope.per_application,
            applications=len(app_ids),
            added=len(result.added),
            kept=kept,
            removed=[
                RemovedOut(
                    application_id=uuid.UUID(d.pair.application_id),
                    evaluator_id=uuid.UUID(d.pair.evaluator_id),
                    reason=d.reason.value,
                )
                for d in removed
            ],
            conflicts_added=refreshed.added,
            conflicts_removed=refreshed.removed,
            loads=_load_summary(result.loads, caps),
            shortfalls=[_shortfall_out(s, references) for s in result.shortfalls],
        )
        await ctx.audit(
            action=AuditAction.EVALUATORS_AUTO_ASSIGNED,
            object_type="call",
            object_id=f"{scope.guideline.id}/{scope.call}/{scope.line}",
            after={
                "per_application": scope.per_application,
                "seed": data.seed,
                "applications": len(app_ids),
                "added": len(result.added),
                "kept": kept,
                "removed": [[d.pair[0], d.pair[1], d.reason.value] for d in removed],
                "shortfalls": [s.application_id for s in result.shortfalls],
                "load_min": out.loads.minimum,
                "load_max": out.loads.maximum,
            },
        )
    return out


async def shortfall_report(
    ctx: Context, *, guideline_id: str, call: str, funding_line: str, per_application: int | None
) -> ShortfallReport:
    """Applications under review that cannot reach N conflict-free evaluators: a dry run of
    the automatic assignment on the current pool, conflicts and declines; nothing written."""
    scope = _scope(ctx.guidelines, guideline_id, call, funding_line, per_application)
    applications = await _applications(ctx.session, scope)
    app_ids = [row.id for row in applications]
    caps = await _caps(ctx.session)
    conflicts = await conflicts_of(ctx.session, app_ids)
    result = assign(
        [str(a) for a in app_ids],
        caps,
        {str(a): {str(e) for e in es} for a, es in conflicts.items()},
        per_application=scope.per_application,
        existing=await _existing(ctx.session, caps),
        declined=await _blocked(ctx.session, app_ids, _BLOCKED_FOR_AUTO),
    )
    references = {str(row.id): row.reference_number for row in applications}
    return ShortfallReport(
        call=scope.call,
        funding_line=scope.line,
        per_application=scope.per_application,
        applications=len(app_ids),
        shortfalls=[_shortfall_out(s, references) for s in result.shortfalls],
    )


async def board(ctx: Context, *, guideline_id: str, call: str, funding_line: str) -> BoardOut:
    """Per application of the call and line (under review, or with assignments): its
    evaluators with their status; per evaluator of the pool: its load."""
    scope = _scope(ctx.guidelines, guideline_id, call, funding_line, None)
    in_call = sa.and_(
        _apps.c.guideline_id == scope.guideline.id,
        _apps.c.call_code == scope.call,
        _apps.c.funding_line == scope.line,
    )
    has_assignment = sa.exists(sa.select(sa.literal(1)).where(_asg.c.application_id == _apps.c.id))
    applications = list(
        await ctx.session.execute(
            sa.select(_apps.c.id, _apps.c.reference_number, _apps.c.title, _apps.c.status)
            .where(in_call, sa.or_(_apps.c.status == State.IN_REVIEW.value, has_assignment))
            .order_by(_apps.c.reference_number, _apps.c.id)
        )
    )
    app_ids = [row.id for row in applications]
    users = users_table
    entries = await ctx.session.execute(
        sa.select(_asg, users.c.display_name)
        .select_from(_asg.join(users, users.c.id == _asg.c.evaluator_id))
        .where(any_of(_asg.c.application_id, app_ids))
        .order_by(_asg.c.assigned_at, _asg.c.id)
    )
    conflicts = await conflict_details_of(ctx.session, app_ids)
    by_app: dict[uuid.UUID, list[BoardEntry]] = {}
    load_in_call: dict[uuid.UUID, int] = {}
    for row in entries:
        found = conflicts.get(row.application_id, {}).get(row.evaluator_id, [])
        by_app.setdefault(row.application_id, []).append(
            BoardEntry(
                assignment_id=row.id,
                evaluator_id=row.evaluator_id,
                display_name=row.display_name,
                status=row.status,
                source=row.source,
                decline_reason=row.decline_reason,
                due_at=row.due_at,
                conflicts=[c.reason for c in found],
                conflict_details=[
                    ConflictOut(
                        reason=c.reason,
                        legal_basis=c.legal_basis,
                        excluded=c.excluded,
                        message_de=c.text.de,
                        message_en=c.text.en,
                    )
                    for c in found
                ],
            )
        )
        if row.status in ACTIVE_STATUSES:
            load_in_call[row.evaluator_id] = load_in_call.get(row.evaluator_id, 0) + 1
    load = (
        sa.select(sa.func.count())
        .where(_asg.c.evaluator_id == _prof.c.user_id, _asg.c.status.in_(ACTIVE_STATUSES))
        .scalar_subquery()
    )
    evaluators = await ctx.session.execute(
        sa.select(_prof, users.c.display_name, load.label("load"))
        .select_from(_prof.join(users, users.c.id == _prof.c.user_id))
        .order_by(users.c.display_name, _prof.c.user_id)
    )
    return BoardOut(
        call=scope.call,
        funding_line=scope.line,
        required=scope.per_application,
        applications=[
            BoardApplication(
                application_id=row.id,
                reference_number=row.reference_number,
                title=row.title,
                status=row.status,
                active=sum(
                    1
                    for e in by_app.get(row.id, [])
                    if e.status in ACTIVE_STATUSES and not e.conflicts
                ),
                required=scope.per_application,
                evaluators=by_app.get(row.id, []),
            )
            for row in applications
        ],
        evaluators=[
            BoardEvaluator(
                evaluator_id=row.user_id,
                display_name=row.display_name,
                active=row.active,
                max_assignments=row.max_assignments,
                load=row.load,
                load_in_call=load_in_call.get(row.user_id, 0),
            )
            for row in evaluators
        ],
    )


async def reassign_application(ctx: UserContext, data: ReassignRequest) -> ReassignOut:
    """Move one application from an evaluator to another (or to the best free one)."""
    application_id = data.application_id
    async with ctx.session.begin():
        await lock_pool(ctx.session)
        app = (
            await ctx.session.execute(
                sa.select(_apps.c.id, _apps.c.status).where(_apps.c.id == application_id)
            )
        ).first()
        if app is None or app.status == State.DRAFT.value:
            raise NotFound(f"Antrag {application_id} nicht gefunden (application not found)")
        if app.status not in EVALUATION_STATES:
            raise Conflict(
                f"Im Zustand „{app.status}“ wird nicht begutachtet (not under evaluation).",
                extra={"current_state": app.status},
            )
        refreshed = await refresh_conflicts(
            ctx.session, application_ids=[application_id], now=ctx.now
        )
        caps = await _caps(ctx.session)
        board_now: dict[str, list[str]] = {}
        for pair in await _existing(ctx.session, caps):
            board_now.setdefault(pair.application_id, []).append(pair.evaluator_id)
        declined = await _blocked(ctx.session, [application_id], (AssignmentStatus.DECLINED.value,))
        move = reassign(
            board_now,
            str(application_id),
            str(data.from_evaluator_id),
            None if data.to_evaluator_id is None else str(data.to_evaluator_id),
            evaluator_caps=caps,
            conflicted={str(e) for e in refreshed.conflicted.get(application_id, set())},
            declined={pair.evaluator_id for pair in declined},
        ).move
        target = uuid.UUID(move.to_evaluator_id)
        before = (
            await ctx.session.execute(
                sa.update(_asg)
                .where(
                    _asg.c.application_id == application_id,
                    _asg.c.evaluator_id == data.from_evaluator_id,
                    _asg.c.status.in_(ACTIVE_STATUSES),
                )
                .values(
                    status=AssignmentStatus.REMOVED.value,
                    decline_reason=data.reason,
                    responded_at=ctx.now,
                    version=_asg.c.version + 1,
                )
                .returning(_asg.c.id, _asg.c.status)
            )
        ).one()
        insert = pg_insert(_asg).values(
            id=uuid.uuid4(),
            application_id=application_id,
            evaluator_id=target,
            status=AssignmentStatus.PENDING.value,
            source=AssignmentSource.MANUAL.value,
            assigned_by=ctx.principal.user_id,
            assigned_at=ctx.now,
            due_at=review_due(ctx.now, data.due_in_days),
            version=1,
        )
        # A pair removed earlier comes back as the same row (the pair is unique).
        row = (
            await ctx.session.execute(
                insert.on_conflict_do_update(
                    index_elements=["application_id", "evaluator_id"],
                    set_={
                        "status": AssignmentStatus.PENDING.value,
                        "source": AssignmentSource.MANUAL.value,
                        "assigned_by": ctx.principal.user_id,
                        "assigned_at": ctx.now,
                        "due_at": review_due(ctx.now, data.due_in_days),
                        "responded_at": None,
                        "decline_reason": None,
                        "version": _asg.c.version + 1,
                    },
                    where=_asg.c.status == AssignmentStatus.REMOVED.value,
                ).returning(_asg)
            )
        ).first()
        if row is None:  # declined or active meanwhile: the core has already refused those
            raise Conflict("Zuordnung besteht bereits (assignment exists).")
        await ctx.audit(
            action=AuditAction.APPLICATION_REASSIGNED,
            object_type="application",
            object_id=application_id,
            before={"evaluator_id": str(data.from_evaluator_id), "assignment_id": str(before.id)},
            after={
                "evaluator_id": move.to_evaluator_id,
                "assignment_id": str(row.id),
                "proposed": data.to_evaluator_id is None,
                "reason": data.reason,
            },
        )
    return ReassignOut(
        application_id=application_id,
        from_evaluator_id=data.from_evaluator_id,
        to_evaluator_id=target,
        assignment=assignment_public(row),
    )
