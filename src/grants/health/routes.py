"""Liveness (the process answers) and readiness (the database answers, within a second).

Readiness also reports the job workers (``workers``: live ones by heartbeat, jobs due and how
long the oldest has waited, failed and stalled jobs) without depending on them: the API
serves while the workers are down, and a probe that restarted it then would only add an
outage. Alert on ``workers.status`` instead (``no_worker``), or run ``grants worker --check``.
"""

import asyncio
from typing import Any

import sqlalchemy as sa
from litestar import Response, get
from litestar.datastructures import State

from grants.http.problems import PROBLEM_JSON
from grants.jobs.health import worker_health


@get(
    "/health/live",
    operation_id="healthLive",
    tags=["health"],
    exclude_from_auth=True,
    sync_to_thread=False,
)
def live() -> dict[str, str]:
    return {"status": "live"}


async def _workers(state: State) -> dict[str, Any]:
    try:
        async with asyncio.timeout(1.0), state.read_session_factory() as session:
            health = await worker_health(
                session, stalled_seconds=state.settings.worker_stalled_seconds
            )
    except Exception as exc:  # the queue's tables missing or slow: say so, stay ready
        return {"status": "unknown", "detail": type(exc).__name__}
    return health.as_json()


@get("/health/ready", operation_id="healthReady", tags=["health"], exclude_from_auth=True)
async def ready(state: State) -> Response[dict[str, Any]]:
    try:
        async with asyncio.timeout(1.0), state.read_session_factory() as session:
            await session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; the reason goes to the body
        body = {
            "type": "urn:grants:problem:service-unavailable",
            "title": "Service Unavailable",
            "status": 503,
            "detail": f"database not reachable: {type(exc).__name__}",
            "checks": {"database": "failing"},
        }
        return Response(body, status_code=503, media_type=PROBLEM_JSON)
    return Response(
        {"status": "ready", "checks": {"database": "ok"}, "workers": await _workers(state)}
    )
