"""Liveness (the process answers) and readiness (the database answers, within a second)."""

import asyncio
from typing import Any

import sqlalchemy as sa
from litestar import Response, get
from litestar.datastructures import State

from grants.http.problems import PROBLEM_JSON


@get(
    "/health/live",
    operation_id="healthLive",
    tags=["health"],
    exclude_from_auth=True,
    sync_to_thread=False,
)
def live() -> dict[str, str]:
    return {"status": "live"}


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
    return Response({"status": "ready", "checks": {"database": "ok"}})
