"""The attachments' jobs: retry the malware scans that could not finish at upload time
(clamd down or loading its signatures, a timeout).

``attachments.schedule_rescan`` runs every minute (procrastinate's periodic deferrer, once
for all workers) and defers one sweep, ``attachments.rescan``, when a quarantined file is due
and no sweep is waiting or running. The sweep (``service.rescan_pending``) scans the due
files one by one without holding a lock; each file that still gets no verdict waits longer
before its next try (``scan_retry_at``: 30 s, 1, 2, 4 … minutes, at most an hour).

When the scanner does not answer, the sweep ends at the first file, logs one warning and
fails; procrastinate retries it with the same back-off (``grants.jobs.retry``), and while it
waits no other sweep is deferred. An outage of a night is so a handful of log lines, not one
per file every few seconds.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import procrastinate
import sqlalchemy as sa
from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.attachments.scanner import Scanner, scanner_from_settings, scans
from grants.applications.attachments.service import rescan_due, rescan_pending
from grants.applications.attachments.storage import Storage, storage_from_settings
from grants.jobs.defer import defer_unless_queued
from grants.jobs.retry import Backoff
from grants.settings import Settings

logger = logging.getLogger("grants.applications.attachments.jobs")

RESCAN_TASK = "attachments.rescan"
SCHEDULE_TASK = "attachments.schedule_rescan"
SCAN_QUEUE = "scans"
RESOURCES = "grants.attachments"
SCHEDULE_CRON = "* * * * *"
# Files per sweep; a full sweep defers the next one at once.
SWEEP_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ScanResources:
    session_factory: async_sessionmaker[AsyncSession]
    storage: Storage
    scanner: Scanner
    clock: Callable[[], datetime]


def scan_resources(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    clock: Callable[[], datetime],
    storage: Storage | None = None,
    scanner: Scanner | None = None,
) -> ScanResources:
    return ScanResources(
        session_factory=session_factory,
        storage=storage or storage_from_settings(settings),
        scanner=scanner or scanner_from_settings(settings),
        clock=clock,
    )


class ScannerOutage(Exception):
    """The scanner did not answer; the sweep is retried after the back-off."""


async def defer_sweep(session: AsyncSession) -> int | None:
    """Defer a sweep in the caller's transaction unless one is waiting or running."""
    return await defer_unless_queued(
        session,
        task=RESCAN_TASK,
        queue=SCAN_QUEUE,
        queueing_lock=RESCAN_TASK,
        lock=RESCAN_TASK,
    )


async def rescan(context: JobContext) -> str:
    """The task ``attachments.rescan``: one sweep over the due quarantined files."""
    resources: ScanResources = context.additional_context[RESOURCES]
    summary = await rescan_pending(
        resources.session_factory,
        resources.storage,
        resources.scanner,
        now=resources.clock(),
        limit=SWEEP_LIMIT,
    )
    outcome = (
        f"{summary.clean} clean, {summary.infected} infected, {summary.still_pending} still pending"
    )
    if summary.clean or summary.infected:
        logger.info("attachments rescanned: %s", outcome)
    if summary.unavailable is not None:
        attempt = context.job.attempts + 1
        logger.warning(
            "malware scanner unavailable (sweep attempt %d); quarantined attachments wait: %s",
            attempt,
            summary.unavailable,
            extra={"attempt": attempt},
        )
        raise ScannerOutage(summary.unavailable)
    if summary.clean + summary.infected + summary.still_pending >= SWEEP_LIMIT:
        # More may be due right now. This job is running, so its queueing lock lets one wait.
        async with resources.session_factory() as session, session.begin():
            await defer_sweep(session)
    return outcome


async def schedule_rescan(context: JobContext, timestamp: int) -> bool:
    """The periodic task ``attachments.schedule_rescan``: a sweep if any file is due."""
    resources: ScanResources = context.additional_context[RESOURCES]
    # The sweep's own predicate: a worker with a scanner also takes the files nobody scanned.
    now, scanner = resources.clock(), resources.scanner
    due = sa.select(sa.exists().where(rescan_due(now, not_scanned=scans(scanner))))
    async with resources.session_factory() as session, session.begin():
        if not await session.scalar(due):
            return False
        return await defer_sweep(session) is not None


def register_tasks(app: procrastinate.App) -> None:
    app.task(
        name=RESCAN_TASK,
        queue=SCAN_QUEUE,
        pass_context=True,
        lock=RESCAN_TASK,
        queueing_lock=RESCAN_TASK,
        retry=Backoff(),
    )(rescan)
    schedule = app.task(
        name=SCHEDULE_TASK, queue=SCAN_QUEUE, pass_context=True, queueing_lock=SCHEDULE_TASK
    )(schedule_rescan)
    app.periodic(cron=SCHEDULE_CRON)(schedule)
