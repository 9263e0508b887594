"""The pre-check's per-address limit across processes: two app instances, each with its own
pools, as two `grants serve` workers run; they share one count in PostgreSQL, so together
they allow the limit, not twice it. Against the naive variant — the former per-process
in-memory limiter (Litestar's), put back in its place — the same requests all pass: the test
tells the two apart."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar.middleware.rate_limit import RateLimitConfig

from grants import app as app_module
from grants.app import create_app
from grants.db.hot_reads import PoolReads
from grants.http.rate_limit import RATE_LIMITED
from grants.settings import Settings
from tests.api.guidelines.test_guideline_api import proposal_body
from tests.conftest import client_for, make_settings

LIMIT = 3


@asynccontextmanager
async def instances(url: str, count: int, address: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(count):
            app = create_app(
                make_settings(url, precheck_requests_per_minute=LIMIT), configure_logs=False
            )
            assert isinstance(app.state.hot_reads, PoolReads)
            await stack.enter_async_context(app.lifespan())
            clients.append(await stack.enter_async_context(client_for(app, address)))
        yield clients


async def _check(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/api/eligibility-checks", json=proposal_body())


def _in_memory_limit(settings: Settings) -> list[Any]:
    async def limited(request: Any) -> bool:
        return bool(request.route_handler.opt.get(RATE_LIMITED))

    config = RateLimitConfig(
        rate_limit=("minute", settings.precheck_requests_per_minute),
        check_throttle_handler=limited,
    )
    return [config.middleware]


async def test_the_naive_per_process_limit_lets_each_process_answer_the_limit(
    committed_register: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "_precheck_rate_limit", _in_memory_limit)
    async with instances(committed_register, 2, "203.0.113.8") as (first, second):
        answers = [await _check(client) for client in (first, second, first, second)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]  # 4 > LIMIT passed


async def test_two_processes_share_one_limit_per_address(committed_register: str) -> None:
    async with instances(committed_register, 2, "203.0.113.7") as (first, second):
        answers = [await _check(client) for client in (first, second, first, second)]
        refused = answers[-1]
        remaining = [a.headers.get("ratelimit-remaining") for a in answers[:3]]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert remaining == ["2", "1", "0"]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "urn:grants:problem:too-many-attempts"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    async with instances(committed_register, 1, "198.51.100.20") as (other,):
        assert (await _check(other)).status_code == 200  # another address, its own count
