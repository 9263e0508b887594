"""Audited writes on different objects, 32 clients: the same write without an audit entry,
with one (as every service writes it now: no lock, the sequencer comes by later), and with
the former hash chain's serial section (a transaction-wide advisory lock and a read of the
chain's head before the entry), measured in one run, variants interleaved.

    .venv/bin/python bench/audit_bench.py [--duration S] [--runs N] [--clients C]

Each client owns one row of a table of its own (different objects: nothing but the audit
log is shared) and loops: BEGIN; UPDATE its row; [the audit entry]; COMMIT — twice over:

- through the app's own SQLAlchemy session and ``grants.db.audit.record_audit`` (the client
  is this one Python process, so its CPU limits, as an app server's does);
- through a bare asyncpg pool (next to no client CPU: PostgreSQL limits, as behind many app
  servers), where two more variants separate the cost of the entry from the cost of one more
  round trip: a second UPDATE instead of the entry (the control), and the entry written in the
  same statement as the UPDATE (as services that batch their writes do, e.g. submissions).

While a "tree" variant runs, the sequencer runs beside it in another process as a worker
would (``grants.audit.sequencer``, every second), so its cost is in the figure; afterwards
the script sequences what is left, times that, and verifies the whole log (every entry in
the tree, every head's signature). Target of the issue: audited writes ≥ 0.8× the writes
without the entry. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from http_bench import _recreate, fmt, ratio, table, with_database
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from grants.audit.sequencer import run_sequencer
from grants.audit.signing import HeadSigner
from grants.audit.verify import verify_audit_log
from grants.core.actors import Actor
from grants.core.audit_chain import content_hash
from grants.db.audit import record_audit
from grants.db.migrate import upgrade
from grants.settings import DEVELOPMENT_AUDIT_KEY, as_asyncpg_url

DATABASE = "grants_bench_audit"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET = 0.8
SIGNER = HeadSigner(bytes.fromhex(DEVELOPMENT_AUDIT_KEY))
NONE, TREE, CHAIN = "without audit entry", "audit entry (tree)", "audit entry (former chain lock)"
SECOND = "a second UPDATE instead (control)"
BATCHED = "audit entry in the write's statement"
CLIENTS = ("app session", "bare asyncpg")
MODES = {
    CLIENTS[0]: (NONE, SECOND, TREE, CHAIN),
    CLIENTS[1]: (NONE, SECOND, TREE, BATCHED, CHAIN),
}
RAW_BATCHED = (
    "WITH written AS (UPDATE bench_things SET n = n + 1 WHERE id = $9 RETURNING id) "
    "INSERT INTO audit_log (occurred_at, actor_id, actor_label, action, object_type, "
    "object_id, before, after, request_id, hash) SELECT $1, NULL, $2, $3, $4, $5, "
    "$6::text::jsonb, $7::text::jsonb, NULL, $8 FROM written RETURNING seq"
)
RAW_INSERT = (
    "INSERT INTO audit_log (occurred_at, actor_id, actor_label, action, object_type, "
    "object_id, before, after, request_id, hash) VALUES ($1, NULL, $2, $3, $4, $5, "
    "$6::text::jsonb, $7::text::jsonb, NULL, $8) RETURNING seq"
)
# The former chain's lock key (migration 0008's audit_lock_head()).
CHAIN_LOCK = 418581342580
UPDATE = "UPDATE bench_things SET n = n + 1 WHERE id = $1"
HEAD_QUERY = sa.text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")


@dataclass
class Result:
    client: str
    variant: str
    transactions: int
    seconds: float
    latencies_ms: list[float]
    client_cpu: float  # this process's CPU seconds per second: 1.0 is one core busy

    @property
    def rate(self) -> float:
        return self.transactions / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _write(session: AsyncSession, variant: str, client: int, i: int) -> None:
    async with session.begin():
        await session.execute(
            sa.text("UPDATE bench_things SET n = n + 1 WHERE id = :id"), {"id": client}
        )
        if variant == NONE:
            return
        if variant == SECOND:
            await session.execute(
                sa.text("UPDATE bench_things SET n = n + 1 WHERE id = :id"), {"id": client}
            )
            return
        if variant == CHAIN:
            await session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
            await session.execute(
                sa.text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            )
        await record_audit(
            session,
            actor=Actor.system(f"bench-{client}"),
            action="thing_changed",
            object_type="thing",
            object_id=client,
            now=datetime.now(UTC),
            before={"n": i},
            after={"n": i + 1, "amount": "1200.00"},
        )


async def _write_raw(connection: Any, variant: str, client: int, i: int) -> None:
    """The same with a bare asyncpg connection: next to no client CPU per statement, so the
    database (one core) is what limits, as with many app servers."""
    async with connection.transaction():
        if variant != BATCHED:
            await connection.execute(UPDATE, client)
        if variant == NONE:
            return
        if variant == SECOND:
            await connection.execute(UPDATE, client)
            return
        if variant == CHAIN:
            await connection.execute("SELECT pg_advisory_xact_lock($1)", CHAIN_LOCK)
            await connection.fetchrow(str(HEAD_QUERY))
        now = datetime.now(UTC)
        before, after = {"n": i}, {"n": i + 1, "amount": "1200.00"}
        digest = content_hash(
            occurred_at=now,
            actor_id=None,
            actor_label=f"system:bench-{client}",
            action="thing_changed",
            object_type="thing",
            object_id=str(client),
            before=before,
            after=after,
            request_id=None,
        )
        await connection.fetchval(
            RAW_BATCHED if variant == BATCHED else RAW_INSERT,
            now,
            f"system:bench-{client}",
            "thing_changed",
            "thing",
            str(client),
            json.dumps(before),
            json.dumps(after),
            digest,
            *([client] if variant == BATCHED else []),
        )


async def _run(
    factory: async_sessionmaker[AsyncSession],
    pool: Any,
    kind: str,
    variant: str,
    clients: int,
    duration: float,
    url: str,
) -> Result:
    stop = time.perf_counter() + duration
    latencies: list[float] = []
    count = 0

    async def client(index: int) -> None:
        nonlocal count
        i = 0
        if kind == CLIENTS[0]:
            async with factory() as session:
                while time.perf_counter() < stop:
                    started = time.perf_counter()
                    await _write(session, variant, index, i)
                    latencies.append((time.perf_counter() - started) * 1000)
                    count += 1
                    i += 1
        else:
            async with pool.acquire() as connection:
                while time.perf_counter() < stop:
                    started = time.perf_counter()
                    await _write_raw(connection, variant, index, i)
                    latencies.append((time.perf_counter() - started) * 1000)
                    count += 1
                    i += 1

    # The sequencer runs beside the tree variant as a worker would: another process.
    sequencer = (
        await asyncio.create_subprocess_exec(sys.executable, __file__, "--sequencer-loop", url)
        if variant == TREE
        else None
    )
    began = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(client(i) for i in range(clients)))
    seconds = time.perf_counter() - began
    if sequencer is not None:
        sequencer.terminate()
        await sequencer.wait()
    return Result(kind, variant, count, seconds, latencies, (time.process_time() - cpu) / seconds)


async def _sequencer_loop(url: str) -> None:
    engine = create_async_engine(as_asyncpg_url(url), pool_size=1)
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    while True:
        await run_sequencer(factory, SIGNER, lambda: datetime.now(UTC))
        await asyncio.sleep(1)


async def main(args: argparse.Namespace) -> int:
    url = with_database(args.database_url, DATABASE)
    await _recreate(args.database_url, DATABASE)
    await asyncio.to_thread(upgrade, url)
    engine = create_async_engine(as_asyncpg_url(url), pool_size=args.clients + 2, max_overflow=0)
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text("CREATE TABLE bench_things (id int PRIMARY KEY, n bigint NOT NULL)")
        )
        await connection.execute(
            sa.text("INSERT INTO bench_things SELECT g, 0 FROM generate_series(0, :n) g"),
            {"n": args.clients},
        )
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"clients: {args.clients}, duration: {args.duration} s per variant and run, "
        f"runs: {args.runs}"
    )
    pool = await asyncpg.create_pool(url, min_size=args.clients, max_size=args.clients)
    combos = [(kind, variant) for kind in CLIENTS for variant in MODES[kind]]
    results: dict[tuple[str, str], list[Result]] = {combo: [] for combo in combos}
    for _ in range(args.warmup_runs):
        for kind, variant in combos:
            await _run(factory, pool, kind, variant, args.clients, 1.0, url)
    for run in range(args.runs):
        for kind, variant in combos:
            result = await _run(factory, pool, kind, variant, args.clients, args.duration, url)
            results[(kind, variant)].append(result)
            print(
                f"run {run + 1}: {kind:12} {variant:32} {fmt(result.rate, 0):>8} tx/s  "
                f"p50 {fmt(result.percentile(0.5))} ms  p99 {fmt(result.percentile(0.99))} ms  "
                f"client CPU {fmt(result.client_cpu)}"
            )
    async with factory() as session, session.begin():
        pending = await session.scalar(
            sa.text("SELECT count(*) FROM audit_log WHERE position IS NULL")
        )
    started = time.perf_counter()
    sequenced = await run_sequencer(factory, SIGNER, lambda: datetime.now(UTC))
    sequencing_s = time.perf_counter() - started
    started = time.perf_counter()
    async with factory() as session, session.begin():
        report = await verify_audit_log(session, public_keys=[SIGNER.public_key])
    verify_s = time.perf_counter() - started
    await pool.close()
    await engine.dispose()

    medians = {combo: statistics.median(r.rate for r in rs) for combo, rs in results.items()}
    rows: list[list[str]] = []
    for (kind, variant), runs in results.items():
        base = medians[(kind, NONE)]
        rows.append(
            [
                kind,
                variant,
                fmt(medians[(kind, variant)], 0),
                fmt(statistics.median(r.percentile(0.5) for r in runs)),
                fmt(statistics.median(r.percentile(0.99) for r in runs)),
                fmt(ratio(medians[(kind, variant)], base)),
                fmt(statistics.median(r.client_cpu for r in runs)),
            ]
        )
    print()
    header = ["client", "variant (median of runs)", "tx/s", "p50 ms", "p99 ms", "vs without"]
    print(table([*header, "client CPU"], rows))
    for kind in CLIENTS:
        measured = ratio(medians[(kind, TREE)], medians[(kind, NONE)])
        verdict = "met" if measured >= TARGET else "NOT met"
        former = ratio(medians[(kind, CHAIN)], medians[(kind, NONE)])
        print(
            f"Target (issue), {kind}: audited writes >= {TARGET}x the same writes without the "
            f"entry: measured {fmt(measured)}x -> {verdict} (reported, not asserted); "
            f"former chain lock {fmt(former)}x"
        )
    print(
        f"left for the sequencer after the runs: {pending} entries, sequenced in "
        f"{fmt(sequencing_s)} s ({fmt(ratio(sequenced, sequencing_s), 0)} entries/s)"
    )
    state = "intact" if report.first_break is None else f"BROKEN: {report.first_break}"
    print(
        f"verify: {report.checked} entries, {report.tree_size} in the tree, "
        f"{report.heads_checked} heads, {fmt(verify_s)} s -> {state}"
    )
    return 0 if report.first_break is None else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup-runs", type=int, default=1)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", default=LOCAL_SERVER)
    parser.add_argument("--sequencer-loop", metavar="URL", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.sequencer_loop:
        asyncio.run(_sequencer_loop(arguments.sequencer_loop))
    sys.exit(asyncio.run(main(arguments)))
