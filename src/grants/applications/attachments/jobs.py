"""The attachments' background job: retry scans that the scanner could not finish at upload
time (clamd down, a timeout). Run by ``grants worker`` beside mail delivery."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.attachments.scanner import Scanner
from grants.applications.attachments.service import rescan_pending
from grants.applications.attachments.storage import Storage

logger = logging.getLogger("grants.applications.attachments.jobs")


async def run_rescanner(
    session_factory: async_sessionmaker[AsyncSession],
    storage: Storage,
    scanner: Scanner,
    *,
    poll_seconds: float,
    stop: asyncio.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Rescan quarantined attachments until ``stop`` is set. Errors (database or scanner
    away) are logged and retried at the next poll; quarantined files stay quarantined."""
    while not stop.is_set():
        try:
            summary = await rescan_pending(session_factory, storage, scanner, now=clock())
        except Exception:
            logger.exception("attachment rescan round failed; retrying after the poll interval")
        else:
            if summary.clean or summary.infected:
                logger.info(
                    "attachments rescanned: %d clean, %d infected, %d still pending",
                    summary.clean,
                    summary.infected,
                    summary.still_pending,
                )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
