"""The daily job that queues the reminders due (``reminders.service.send_reminders``): at
05:00 UTC, once for all workers (procrastinate's periodic deferrer), and safe to run again —
the outbox's dedupe keys send each reminder once."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import procrastinate
from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.awards.reminders.service import send_reminders
from grants.jobs.retry import Backoff

logger = logging.getLogger("grants.awards.reminders")
REMIND_TASK = "awards.send_reminders"
REMIND_QUEUE = "reminders"
REMIND_CRON = "0 5 * * *"
RESOURCES = "grants.reminders"


@dataclass(frozen=True, slots=True)
class ReminderResources:
    session_factory: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]


async def remind(context: JobContext, timestamp: int) -> int:
    """The periodic task ``awards.send_reminders``."""
    resources: ReminderResources = context.additional_context[RESOURCES]
    queued = await send_reminders(resources.session_factory, resources.clock)
    if queued:
        logger.info("reminders queued: %d", queued)
    return queued


def register_tasks(app: procrastinate.App) -> None:
    task = app.task(
        name=REMIND_TASK,
        queue=REMIND_QUEUE,
        pass_context=True,
        queueing_lock=REMIND_TASK,
        retry=Backoff(),
    )(remind)
    app.periodic(cron=REMIND_CRON)(task)
