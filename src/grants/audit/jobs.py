"""``audit.sequence``: the sequencer on the job queue, every ten seconds, once for all workers
(procrastinate's periodic deferrer and a queueing lock; the sequencer's advisory lock keeps a
second one, e.g. ``grants audit sequence`` by hand, from doing the same work). An entry is
therefore in a signed tree head within about ten seconds of its commit while a worker runs."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import procrastinate
from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.audit.sequencer import run_sequencer
from grants.audit.signing import HeadSigner
from grants.jobs.retry import Backoff

logger = logging.getLogger("grants.audit")
SEQUENCE_TASK = "audit.sequence"
SEQUENCE_QUEUE = "audit"
SEQUENCE_CRON = "* * * * * */10"  # croniter's sixth field: seconds
RESOURCES = "grants.audit"


@dataclass(frozen=True, slots=True)
class SequencerResources:
    session_factory: async_sessionmaker[AsyncSession]
    signer: HeadSigner
    clock: Callable[[], datetime]


async def sequence(context: JobContext, timestamp: int) -> int:
    resources: SequencerResources = context.additional_context[RESOURCES]
    done = await run_sequencer(resources.session_factory, resources.signer, resources.clock)
    if done:
        logger.info("audit entries sequenced: %d", done)
    return done


def register_tasks(app: procrastinate.App) -> None:
    task = app.task(
        name=SEQUENCE_TASK,
        queue=SEQUENCE_QUEUE,
        pass_context=True,
        queueing_lock=SEQUENCE_TASK,
        retry=Backoff(),
    )(sequence)
    app.periodic(cron=SEQUENCE_CRON)(task)
