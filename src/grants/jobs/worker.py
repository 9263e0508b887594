"""Running workers: ``grants worker`` (one per process; start more processes, on more
machines, for more throughput), the in-process worker of ``grants serve`` on the embedded
database, and the tests.

A worker is procrastinate's: it takes jobs with ``FOR UPDATE SKIP LOCKED``, wakes on
PostgreSQL's NOTIFY when one is deferred (polling every ``GRANTS_WORKER_POLL_SECONDS`` as a
fallback), runs up to ``GRANTS_WORKER_CONCURRENCY`` at once, and records a heartbeat that
``/health/ready``, ``grants worker --check`` and the stalled-job retry read. procrastinate
stops a worker whose database connection failed (a heartbeat, the LISTEN); here it is
started again after a pause, so a restart of PostgreSQL needs no restart of the workers.
"""

import asyncio
import contextlib
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import procrastinate
from procrastinate import JobContext
from procrastinate.middleware import AsyncCallNext
from procrastinate.worker import Worker

from grants.db.engine import build_engine, build_session_factory
from grants.jobs.app import build_app
from grants.jobs.registry import Overrides, build_resources
from grants.settings import Settings

logger = logging.getLogger("grants.jobs")

# After a stop request, how long the jobs in hand may take before they are cut off (and run
# again at once by the next worker): longer than a mail server's or clamd's timeout.
GRACEFUL_SECONDS = 60.0
# Pauses before a worker whose database went away is started again: doubling up to a minute.
_RESTART_FIRST, _RESTART_MAX = 1.0, 60.0


@dataclass
class Tally:
    """What one worker's jobs did, per task (``grants worker --once`` reports it). A worker
    middleware: procrastinate calls it around every job."""

    succeeded: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    async def __call__(self, call_next: AsyncCallNext, context: JobContext, worker: Worker) -> Any:
        try:
            result = await call_next()
        except BaseException:
            self.failed[context.job.task_name] += 1
            raise
        self.succeeded[context.job.task_name] += 1
        return result


def _options(
    settings: Settings,
    resources: dict[str, Any],
    *,
    once: bool,
    queues: list[str] | None,
    name: str | None,
    tally: Tally | None,
) -> dict[str, Any]:
    return {
        "queues": queues or None,
        "name": name or "worker",
        "concurrency": settings.worker_concurrency,
        "wait": not once,
        "fetch_job_polling_interval": settings.worker_poll_seconds,
        "abort_job_polling_interval": settings.worker_poll_seconds,
        "shutdown_graceful_timeout": GRACEFUL_SECONDS,
        "additional_context": resources,
        # Our process decides about signals (grants worker, grants serve, tests).
        "install_signal_handlers": False,
        "update_heartbeat_interval": settings.worker_heartbeat_seconds,
        "stalled_worker_timeout": settings.worker_stalled_seconds,
        "worker_middleware": [tally] if tally is not None else [],
    }


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_worker(
    app: procrastinate.App,
    resources: dict[str, Any],
    settings: Settings,
    *,
    stop: asyncio.Event,
    once: bool = False,
    queues: list[str] | None = None,
    name: str | None = None,
    tally: Tally | None = None,
) -> None:
    """Run a worker of the open ``app`` until ``stop`` is set; with ``once``, until nothing
    is due (jobs retried later, after their back-off, are left for later)."""
    options = _options(settings, resources, once=once, queues=queues, name=name, tally=tally)
    pause = _RESTART_FIRST
    while not stop.is_set():
        running = asyncio.create_task(app.run_worker_async(**options), name="procrastinate")
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            # Stop requested: procrastinate finishes the jobs in hand (up to GRACEFUL_SECONDS).
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            return
        stopping.cancel()
        if once:
            running.result()  # raises what stopped it
            return
        error = running.exception()
        logger.error(
            "job worker stopped by itself; starting it again in %.0f s",
            pause,
            exc_info=error,
        )
        await _wait(stop, pause)
        pause = min(pause * 2, _RESTART_MAX)


async def serve_jobs(
    settings: Settings,
    *,
    stop: asyncio.Event,
    once: bool = False,
    queues: list[str] | None = None,
    name: str | None = None,
    overrides: Overrides | None = None,
    tally: Tally | None = None,
) -> None:
    """A worker with its own engine, session factory and procrastinate app, from settings.

    The queue's pool is opened before the worker starts; while the database cannot be
    reached that is retried (except ``once``, which fails).
    """
    engine = build_engine(settings)
    try:
        resources = build_resources(settings, build_session_factory(engine), overrides)
        app = build_app(settings)
        pause = _RESTART_FIRST
        while not stop.is_set():
            try:
                async with app.open_async():
                    if not await app.check_connection_async():
                        raise RuntimeError(
                            "no job queue in this database: run `grants db upgrade` first"
                        )
                    await run_worker(
                        app,
                        resources,
                        settings,
                        stop=stop,
                        once=once,
                        queues=queues,
                        name=name,
                        tally=tally,
                    )
                    return
            except Exception:
                if once:
                    raise
                logger.exception("job queue unreachable; trying again in %.0f s", pause)
                await _wait(stop, pause)
                pause = min(pause * 2, _RESTART_MAX)
    finally:
        await engine.dispose()


class BackgroundWorker:
    """A worker on a thread of its own with its own event loop, beside a server that owns
    the main thread (``grants serve`` on the embedded database)."""

    def __init__(self, settings: Settings, *, name: str = "serve") -> None:
        self.settings = settings
        self.name = name
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="grants-jobs", daemon=True)
        self._thread.start()
        self._started.wait(timeout=10)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception:
            logger.exception("in-process job worker failed")

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._started.set()
        await serve_jobs(self.settings, stop=self._stop, name=self.name)

    def stop(self, timeout: float = GRACEFUL_SECONDS + 5) -> bool:
        """Ask the worker to finish its jobs in hand and stop; True if it did in time."""
        if self._thread is None:
            return True
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        return not self._thread.is_alive()
