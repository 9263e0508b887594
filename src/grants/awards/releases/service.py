"""Bulk releases: a manager orders drafts of a call released; the batch, its items and one job
per item are written in one transaction (``jobs.defer``), so either all of it is queued or
nothing. The jobs (``releases.jobs``) release each decision in the manager's name."""

import uuid
from typing import Any

import sqlalchemy as sa

from grants.applications.queries import applications_table
from grants.awards.access import ensure_call, ensure_manager
from grants.awards.releases.schemas import BatchIn, BatchItemPublic, BatchPublic
from grants.awards.releases.tables import batches_table, items_table
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.decision import OPEN_STATUSES
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.jobs.defer import defer_job

_b, _i, _d, _a = batches_table, items_table, decisions_table, applications_table
RELEASE_TASK = "awards.release_decision"
RELEASE_QUEUE = "releases"


async def create_batch(
    ctx: UserContext, guideline_id: str, call_code: str, data: BatchIn
) -> BatchPublic:
    ensure_manager(ctx)
    ensure_call(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        found = {
            row.id: row
            for row in await ctx.session.execute(
                sa.select(_d.c.id, _d.c.status, _d.c.version, _a.c.guideline_id, _a.c.call_code)
                .join(_a, _a.c.id == _d.c.application_id)
                .where(_d.c.id.in_(data.decision_ids))
                .with_for_update(of=_d)
            )
        }
        waiting = set(
            (
                await ctx.session.execute(
                    sa.select(_i.c.decision_id).where(
                        _i.c.decision_id.in_(data.decision_ids), _i.c.status == "pending"
                    )
                )
            ).scalars()
        )
        problems, seen = [], set()
        for index, decision_id in enumerate(data.decision_ids):
            row, field = found.get(decision_id), f"decision_ids.{index}"
            if decision_id in seen:
                problems.append(FieldProblem(field, "unique", "doppelt genannt (listed twice)"))
            elif row is None or (row.guideline_id, row.call_code) != (guideline_id, call_code):
                problems.append(
                    FieldProblem(field, "unknown", "kein Bescheid des Aufrufs (not in this call)")
                )
            elif row.status not in OPEN_STATUSES:
                problems.append(
                    FieldProblem(
                        field, "not_a_draft", f"Stand „{row.status}“, kein Entwurf (not a draft)"
                    )
                )
            elif decision_id in waiting:
                problems.append(
                    FieldProblem(
                        field, "already_queued", "wartet schon in einem anderen Auftrag (queued)"
                    )
                )
            seen.add(decision_id)
        if problems:
            raise InvalidInput(
                "Der Auftrag kann so nicht angenommen werden; nichts wurde eingereiht (the "
                "batch is refused as a whole: nothing was queued).",
                problems=tuple(problems),
            )
        batch = (
            await ctx.session.execute(
                sa.insert(_b)
                .values(
                    id=uuid.uuid4(),
                    guideline_id=guideline_id,
                    call_code=call_code,
                    created_by=ctx.principal.user_id,
                    created_at=ctx.now,
                    total=len(data.decision_ids),
                )
                .returning(_b)
            )
        ).one()
        items = [
            {
                "id": uuid.uuid4(),
                "batch_id": batch.id,
                "position": position,
                "decision_id": decision_id,
                "decision_version": found[decision_id].version,
                "status": "pending",
                "error_code": "",
                "error": "",
            }
            for position, decision_id in enumerate(data.decision_ids, start=1)
        ]
        await ctx.session.execute(sa.insert(_i), items)
        for item in items:
            await defer_job(
                ctx.session,
                task=RELEASE_TASK,
                queue=RELEASE_QUEUE,
                args={"item_id": str(item["id"])},
            )
        await ctx.audit(
            action=AuditAction.RELEASE_BATCH_ORDERED,
            object_type="release_batch",
            object_id=batch.id,
            after={
                "call": f"{guideline_id}/{call_code}",
                "decisions": [str(d) for d in data.decision_ids],
            },
        )
        return await _public(ctx, batch)


async def _public(ctx: UserContext, batch: Any) -> BatchPublic:
    rows = list(
        await ctx.session.execute(
            sa.select(_i).where(_i.c.batch_id == batch.id).order_by(_i.c.position)
        )
    )
    counts = {status: sum(1 for r in rows if r.status == status) for status in _STATUSES}
    return BatchPublic(
        id=batch.id,
        guideline_id=batch.guideline_id,
        call_code=batch.call_code,
        created_by=batch.created_by,
        created_at=batch.created_at,
        total=batch.total,
        **counts,
        items=[
            BatchItemPublic(
                position=r.position,
                decision_id=r.decision_id,
                status=r.status,
                error_code=r.error_code,
                error=r.error,
                finished_at=r.finished_at,
            )
            for r in rows
        ],
    )


_STATUSES = ("pending", "released", "failed")


async def get_batch(ctx: UserContext, batch_id: uuid.UUID) -> BatchPublic:
    ensure_manager(ctx)
    async with ctx.session.begin():
        batch = (await ctx.session.execute(sa.select(_b).where(_b.c.id == batch_id))).first()
        if batch is None:
            raise NotFound(f"Auftrag {batch_id} nicht gefunden (batch not found)")
        return await _public(ctx, batch)
