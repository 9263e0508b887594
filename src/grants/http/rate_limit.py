"""The per-client-address limit of routes marked ``opt={RATE_LIMITED: True}`` (the anonymous
pre-check), counted in PostgreSQL so that every app process shares it: N processes allow the
limit, not N times it (``db.request_counters``, one autocommitted upsert on the hot pool).

A refused request is a 429 problem with ``Retry-After``; every answer of a limited route
carries the draft IETF ``RateLimit-*`` headers (limit, remaining, seconds to the reset) that
Litestar's in-memory limiter sent before, so clients see the same.
"""

import math
from datetime import datetime, timedelta
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from grants.core.errors import TooManyAttempts
from grants.db.hot_reads import HotReads

RATE_LIMITED = "rate_limited"  # route opt: the per-address limit applies
WINDOW = timedelta(minutes=1)
TOO_MANY_REQUESTS = (
    "Zu viele Anfragen; bitte später erneut versuchen (too many requests; try again later)."
)


def _client_address(scope: Scope) -> str:
    # The ASGI peer (see accounts.throttle on proxies); never a request header.
    client = scope.get("client")
    return client[0] if client else "unknown"


class SharedRateLimit(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler: Any = scope.get("route_handler")
        if handler is None or not handler.opt.get(RATE_LIMITED):
            await next_app(scope, receive, send)
            return
        state = scope["litestar_app"].state
        reads: HotReads = state.hot_reads
        now: datetime = state.clock()
        key = f"{scope['path']}|{_client_address(scope)}"
        count, started = await reads.bump(key, WINDOW, now)
        reset = max(1, math.ceil((started + WINDOW - now).total_seconds()))
        if count > self.limit:
            raise TooManyAttempts(TOO_MANY_REQUESTS, retry_after=reset)
        headers = [
            (b"ratelimit-policy", f"{self.limit}; w={int(WINDOW.total_seconds())}".encode()),
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.limit - count).encode()),
            (b"ratelimit-reset", str(reset).encode()),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await next_app(scope, receive, send_with_headers)
