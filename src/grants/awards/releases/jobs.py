"""The job of a bulk release: one decision of a batch, released in the name of the manager
who ordered the batch.

Exactly once, whatever happens to the worker: the item's row is locked and checked first
(``pending``, or the job was done before: nothing to do), and the release — ledger rows,
decision, lifecycle step, audit entries, outbox e-mail — and the item's ``released`` commit in
one transaction. A worker killed in the middle leaves nothing of that transaction; the
stalled job is run again (``jobs.retry_stalled``) and finds the item still pending. A release
the rules refuse (the budget does not hold, the draft was changed, a second approval is
missing) rolls back and marks the item ``failed`` with the problem, as the API would have
answered it; the job itself succeeds. Anything else (the database went away) fails the job,
and it is retried with the back-off.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.accounts.service import load_user_principal
from grants.awards.decisions.service import release_in_transaction
from grants.awards.releases.service import RELEASE_QUEUE, RELEASE_TASK
from grants.awards.releases.tables import batches_table, items_table
from grants.context import UserContext
from grants.core.errors import DomainError, Forbidden
from grants.core.roles import MANAGER_ROLES
from grants.guidelines.registry import GuidelineRegistry
from grants.jobs.retry import Backoff

logger = logging.getLogger("grants.awards.releases")
RESOURCES = "grants.releases"
_b, _i = batches_table, items_table


@dataclass(frozen=True, slots=True)
class ReleaseResources:
    session_factory: async_sessionmaker[AsyncSession]
    guidelines: GuidelineRegistry
    clock: Callable[[], datetime]


async def _pending_item(session: AsyncSession, item_id: uuid.UUID) -> Any:
    return (
        await session.execute(
            sa.select(_i, _b.c.created_by)
            .join(_b, _b.c.id == _i.c.batch_id)
            .where(_i.c.id == item_id, _i.c.status == "pending")
            .with_for_update(of=_i)
        )
    ).first()


async def release_item(resources: ReleaseResources, item_id: uuid.UUID) -> str:
    """Release one item's decision; ``released``, ``failed`` or ``done before``."""
    async with resources.session_factory() as session:
        try:
            async with session.begin():
                item = await _pending_item(session, item_id)
                if item is None:
                    return "done before"
                principal = await load_user_principal(session, item.created_by)
                if principal is None or not principal.has_staff_role(*MANAGER_ROLES):
                    raise Forbidden(
                        "Wer den Auftrag erteilt hat, ist nicht mehr Programmverantwortliche(r) "
                        "(the person who ordered the batch is no longer a programme manager)."
                    )
                now = resources.clock()
                ctx = UserContext.of(session, principal, now=now, guidelines=resources.guidelines)
                await release_in_transaction(
                    ctx, item.decision_id, expected_version=item.decision_version
                )
                await session.execute(
                    sa.update(_i)
                    .where(_i.c.id == item_id)
                    .values(status="released", finished_at=now)
                )
            return "released"
        except DomainError as refused:
            reason = refused
        # The release rolled back; the item records why, in a transaction of its own.
        async with session.begin():
            if await _pending_item(session, item_id) is None:
                return "done before"
            await session.execute(
                sa.update(_i)
                .where(_i.c.id == item_id)
                .values(
                    status="failed",
                    error_code=reason.code,
                    error=reason.detail[:4000],
                    finished_at=resources.clock(),
                )
            )
        logger.info("bulk release item %s refused: %s", item_id, reason.code)
        return "failed"


async def release_decision(context: JobContext, item_id: str) -> str:
    """The task ``awards.release_decision``."""
    resources: ReleaseResources = context.additional_context[RESOURCES]
    return await release_item(resources, uuid.UUID(item_id))


def register_tasks(app: procrastinate.App) -> None:
    app.task(name=RELEASE_TASK, queue=RELEASE_QUEUE, pass_context=True, retry=Backoff())(
        release_decision
    )
