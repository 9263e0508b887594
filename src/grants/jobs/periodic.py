"""The queue's own periodic tasks.

``jobs.retry_stalled`` (every minute) is the recipe procrastinate asks its users to schedule:
a worker killed mid-job (SIGKILL, a lost machine) leaves its jobs in ``doing``; once its
heartbeat is older than ``GRANTS_WORKER_STALLED_SECONDS`` they are put back in the queue and
another worker runs them. ``jobs.remove_old`` (hourly) deletes finished jobs after
``GRANTS_JOBS_KEEP_DAYS``; failed ones stay until a person has looked (``grants jobs``).

procrastinate defers each periodic job once per tick for all workers together (a unique
row per task and tick), and the queueing lock keeps a slow run from being joined by the next.
"""

import logging
from dataclasses import dataclass

import procrastinate
from procrastinate import JobContext

logger = logging.getLogger("grants.jobs")

RETRY_STALLED_TASK = "jobs.retry_stalled"
REMOVE_OLD_TASK = "jobs.remove_old"
JOBS_QUEUE = "jobs"
RESOURCES = "grants.jobs"
RETRY_STALLED_CRON = "* * * * *"
REMOVE_OLD_CRON = "17 * * * *"


@dataclass(frozen=True, slots=True)
class JobsResources:
    stalled_seconds: float
    keep_hours: int


async def retry_stalled(context: JobContext, timestamp: int) -> int:
    """Put the running jobs of dead workers back in the queue; returns how many."""
    resources: JobsResources = context.additional_context[RESOURCES]
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=resources.stalled_seconds)
    retried = 0
    for job in stalled:
        try:
            await manager.retry_job(job)
        except procrastinate.exceptions.ConnectorException:
            # Finished or retried by someone else in the meantime; the others still count.
            logger.exception("could not retry stalled job %s", job.id)
            continue
        retried += 1
        logger.warning(
            "job %s (%s) of a worker that stopped answering runs again",
            job.id,
            job.task_name,
            extra={"job_id": job.id, "task": job.task_name, "attempts": job.attempts},
        )
    return retried


async def remove_old(context: JobContext, timestamp: int) -> None:
    resources: JobsResources = context.additional_context[RESOURCES]
    await context.app.job_manager.delete_old_jobs(
        nb_hours=resources.keep_hours, include_cancelled=True, include_aborted=True
    )


def register_tasks(app: procrastinate.App) -> None:
    stalled = app.task(
        name=RETRY_STALLED_TASK,
        queue=JOBS_QUEUE,
        pass_context=True,
        queueing_lock=RETRY_STALLED_TASK,
    )(retry_stalled)
    app.periodic(cron=RETRY_STALLED_CRON)(stalled)
    old = app.task(
        name=REMOVE_OLD_TASK, queue=JOBS_QUEUE, pass_context=True, queueing_lock=REMOVE_OLD_TASK
    )(remove_old)
    app.periodic(cron=REMOVE_OLD_CRON)(old)
