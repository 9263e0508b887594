"""The workers' health, read from the queue: live workers (a heartbeat younger than
``GRANTS_WORKER_STALLED_SECONDS``), jobs due now and how long the oldest has waited, failed
and stalled jobs. Shown by ``/health/ready`` and ``grants jobs status``; ``grants worker
--check`` exits 1 when no worker is alive. Plain reads on the app's own connection."""

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

_JOBS = "procrastinate.procrastinate_jobs"
_WORKERS = "procrastinate.procrastinate_workers"
_EVENTS = "procrastinate.procrastinate_events"

# The oldest due job: the earliest scheduled time among scheduled ones, or the deferral of
# the lowest id among the others (ids grow with time), never a scan of every job's events.
_HEALTH = sa.text(
    f"""
WITH live AS (
    SELECT id, last_heartbeat FROM {_WORKERS}
     WHERE last_heartbeat >= now() - make_interval(secs => :stalled)
), due AS (
    SELECT id, scheduled_at FROM {_JOBS}
     WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())
)
SELECT
    (SELECT count(*) FROM live) AS alive,
    (SELECT extract(epoch FROM now() - max(last_heartbeat)) FROM {_WORKERS}) AS heartbeat_age,
    (SELECT count(*) FROM due) AS due,
    extract(epoch FROM now() - LEAST(
        (SELECT min(scheduled_at) FROM due),
        (SELECT min(at) FROM {_EVENTS}
          WHERE job_id = (SELECT min(id) FROM due WHERE scheduled_at IS NULL)
            AND type = 'deferred')
    )) AS oldest_due_age,
    (SELECT count(*) FROM {_JOBS}
      WHERE status = 'todo' AND scheduled_at > now()) AS waiting,
    (SELECT count(*) FROM {_JOBS} WHERE status = 'failed') AS failed,
    (SELECT count(*) FROM {_JOBS} j
      WHERE j.status = 'doing'
        AND NOT EXISTS (SELECT 1 FROM live WHERE live.id = j.worker_id)) AS stalled
"""  # noqa: S608 (constants only)
)


@dataclass(frozen=True, slots=True)
class WorkerHealth:
    alive: int
    last_heartbeat_seconds: float | None
    due: int
    oldest_due_seconds: float | None
    waiting: int
    failed: int
    stalled: int

    @property
    def ok(self) -> bool:
        return self.alive > 0

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        for key in ("last_heartbeat_seconds", "oldest_due_seconds"):
            if body[key] is not None:
                body[key] = round(body[key], 1)
        return {"status": "ok" if self.ok else "no_worker", **body}


async def worker_health(session: AsyncSession, *, stalled_seconds: float) -> WorkerHealth:
    row = (await session.execute(_HEALTH, {"stalled": stalled_seconds})).one()
    return WorkerHealth(
        alive=int(row.alive),
        last_heartbeat_seconds=None if row.heartbeat_age is None else float(row.heartbeat_age),
        due=int(row.due),
        oldest_due_seconds=None if row.oldest_due_age is None else float(row.oldest_due_age),
        waiting=int(row.waiting),
        failed=int(row.failed),
        stalled=int(row.stalled),
    )
