"""The floor for ``bench/submit_bench.py``: a bare Litestar endpoint that inserts one row
with raw asyncpg (a pool of the same size as the real app's) and answers its id — the least
work any "receive and store" request can do.

    FLOOR_DATABASE_URL=postgresql://... uvicorn --app-dir bench insert_floor_app:app
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from litestar import Litestar, get, post

_state: dict[str, asyncpg.Pool] = {}


@asynccontextmanager
async def lifespan(_: Litestar) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(
        os.environ["FLOOR_DATABASE_URL"],
        min_size=int(os.environ.get("FLOOR_POOL_SIZE", "10")),
        max_size=int(os.environ.get("FLOOR_POOL_SIZE", "10")),
    )
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS bench_floor "
        "(id uuid PRIMARY KEY, received_at timestamptz NOT NULL, body jsonb NOT NULL)"
    )
    _state["pool"] = pool
    try:
        yield
    finally:
        await pool.close()


@post("/floor", status_code=201)
async def insert() -> dict[str, str]:
    row_id = uuid.uuid4()
    await _state["pool"].execute(
        "INSERT INTO bench_floor (id, received_at, body) VALUES ($1, now(), $2)",
        row_id,
        '{"received": true}',
    )
    return {"id": str(row_id)}


@get("/ready", sync_to_thread=False)
def ready() -> str:
    return "ok"


app = Litestar(route_handlers=[insert, ready], lifespan=[lifespan])
