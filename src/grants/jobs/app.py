"""The procrastinate app of one process: its connector (psycopg 3, a small pool of its own)
and every task of ``registry``.

procrastinate's objects live in the PostgreSQL schema ``procrastinate`` (migration 0016);
its connections find them through their ``search_path``. The app's own asyncpg connections
never need that: they reach the queue only through ``grants_defer_job`` and qualified reads.
"""

from typing import Any

import procrastinate
from sqlalchemy.engine import make_url

from grants.jobs import registry
from grants.settings import Settings

SCHEMA = "procrastinate"
# Beside the jobs a worker runs at once: the LISTEN connection, heartbeats and the periodic
# deferrer, fetching and finishing jobs.
_EXTRA_CONNECTIONS = 3


def conninfo(database_url: str) -> str:
    """libpq's form of the configured URL (psycopg takes no SQLAlchemy driver suffix)."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(settings: Settings, *, max_connections: int | None = None) -> procrastinate.App:
    """A new app with every task registered; open it with ``async with app.open_async()``.

    ``max_connections`` bounds its pool (default: enough for one worker of
    ``GRANTS_WORKER_CONCURRENCY`` jobs).
    """
    if settings.database_url is None:
        raise RuntimeError("database_url is not resolved; start the embedded server first")
    size = max_connections or settings.worker_concurrency + _EXTRA_CONNECTIONS
    connection_options: dict[str, Any] = {
        "options": f"-c search_path={SCHEMA}",
        "application_name": "grants-jobs",
    }
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(settings.database_url),
        kwargs=connection_options,
        min_size=1,
        max_size=size,
        name="grants-jobs",
    )
    app = procrastinate.App(
        connector=connector,
        # A periodic task missed by more than this (all workers down) waits for its next
        # turn rather than running late; every periodic task here runs at least hourly.
        periodic_defaults={"max_delay": 600},
    )
    registry.register_tasks(app)
    return app
