"""The floors for ``bench/submit_bench.py``: bare Litestar endpoints on raw asyncpg (a pool
of the same size as the real app's).

- ``POST /floor`` inserts one row and answers its id: the least work any "receive and store"
  request can do.
- ``POST /floor-serial`` does the same with a gap-free number from a counter row in the same
  transaction: the least work any request can do that hands out gap-free numbers. The
  counter's row lock is held until the commit (a rollback must give the number back), so
  these requests queue behind one another's commit (WAL flush) — the bound that such
  numbering sets on this machine, whatever the code around it.

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
        "(id uuid PRIMARY KEY, received_at timestamptz NOT NULL, body jsonb NOT NULL, "
        "number integer)"
    )
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS bench_floor_counter (key text PRIMARY KEY, last integer)"
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


@post("/floor-serial", status_code=201)
async def insert_numbered() -> dict[str, str | int]:
    row_id = uuid.uuid4()
    async with _state["pool"].acquire() as connection, connection.transaction():
        number = await connection.fetchval(
            "INSERT INTO bench_floor_counter VALUES ('floor', 1) ON CONFLICT (key) "
            "DO UPDATE SET last = bench_floor_counter.last + 1 RETURNING last"
        )
        await connection.execute(
            "INSERT INTO bench_floor (id, received_at, body, number) VALUES ($1, now(), $2, $3)",
            row_id,
            '{"received": true}',
            number,
        )
    return {"id": str(row_id), "number": number}


@get("/ready", sync_to_thread=False)
def ready() -> str:
    return "ok"


app = Litestar(route_handlers=[insert, insert_numbered, ready], lifespan=[lifespan])
