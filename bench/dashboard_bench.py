"""The managers' dashboard of a programme with 10,000 awards and 200,000 ledger rows: p50, p95
and p99 of the dashboard's service calls and of each of its queries, next to baselines
measured in the same run.

    .venv/bin/python bench/dashboard_bench.py [--awards 10000] [--rows-per-award 20]
        [--runs 200] [--reseed] [--explain]

The database ``grants_bench_dashboard`` lives on ``BENCH_DATABASE_URL`` (a server URL;
default postgresql://postgres@127.0.0.1:5432/postgres). The first run creates it, migrates it
to head and seeds it with COPY (asyncpg ``copy_records_to_table``), directly, past the
services: the shipped municipality register (418 municipalities of Saxony); one manager,
one organisation; budgets for the programme ``frl-lifd``, both calls and their lines,
2025–2027; N awarded applications (approved, a fifth of them partially) in call ``2024-1``
over both lines and every municipality (a few without a key), plus 4,000 applications in
other states of the pipeline (both calls); and ``--rows-per-award`` ledger rows per award
(default 20: 10,000 × 20 = 200,000): three commitments (one per fiscal year, at the
release), payments spread over 2025–2027, a de-commitment for one award in ten and a refund
for one in twenty; then VACUUM ANALYZE. Later runs reuse it (migrating to head, so a new
index arrives); ``--reseed`` rebuilds it.

Cases, interleaved round-robin after a warm-up (so a noisy moment hurts all alike), on one
autocommit ``AsyncSession``, as a request would use it:

- baselines: ``SELECT 1`` (one round trip) and ``SELECT sum(amount)`` over the programme's
  ledger rows (the floor of any aggregate that reads them all);
- the dashboard as the route calls it (``dashboards.service.dashboard``: the budgets
  overview, pipeline, awards by district and area, monthly series), unfiltered, for one
  call, and for one fiscal year — the issue's target, p99 ≤ 50 ms, applies to these;
- its parts: the budgets overview (``budgets.service.budget_overview``) and the dashboard's
  three own queries, and the JSON, CSV and XLSX rendering of the result.

Ratios are against ``SELECT 1`` of the same run. Nothing asserts on time; the machine is
shared, compare ratios. ``--explain`` prints the plans of the ledger aggregates.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from grants.awards.budgets import service as budgets
from grants.awards.dashboards import exports
from grants.awards.dashboards import service as dashboards
from grants.awards.dashboards.schemas import DashboardFilters, DashboardTable
from grants.context import UserContext
from grants.core.access import Principal
from grants.db import migrate
from grants.guidelines.registry import load_registry
from grants.municipalities.service import shipped_rows
from grants.settings import as_asyncpg_url

DATABASE = "grants_bench_dashboard"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PROGRAMME = "frl-lifd"
AWARD_CALL = "2024-1"
LINES = ("stationary", "mobile")
YEARS = (2025, 2026, 2027)
PIPELINE = {  # the other applications: state → how many
    "submitted": 400,
    "formal_check": 300,
    "in_review": 1200,
    "reviewed": 300,
    "jury_decided": 300,
    "invited": 200,
    "application_check": 300,
    "not_selected": 600,
    "rejected": 200,
    "draft": 200,  # never counted
}
TARGET_P99_MS = 50.0


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """``total`` in ``parts`` positive amounts (whole cents) that add up exactly."""
    cents = int(total * 100)
    cuts = sorted(rng.sample(range(1, cents), parts - 1))
    edges = [0, *cuts, cents]
    return [Decimal(b - a) / 100 for a, b in itertools.pairwise(edges)]


@dataclass
class Seed:
    applications: list[tuple[Any, ...]] = field(default_factory=list)
    ledger: list[tuple[Any, ...]] = field(default_factory=list)


def _application(
    seed: Seed,
    number: int,
    *,
    organisation: uuid.UUID,
    user: uuid.UUID,
    call: str,
    line: str,
    status: str,
    key: str | None,
    grant: Decimal,
    at: datetime,
) -> uuid.UUID:
    application = uuid.uuid4()
    submitted = None if status == "draft" else at
    reference = None if status == "draft" else f"LIfD-{call}-{line[0].upper()}-{number:05d}"
    seed.applications.append(
        (
            application,
            organisation,
            PROGRAMME,
            call,
            line,
            status,
            reference,
            f"Vorhaben {number}",
            key,
            grant,
            "{}",
            1,
            0 if status == "draft" else 1,
            user,
            at,
            at,
            submitted,
            submitted,
        )
    )
    return application


def _ledger_rows(
    seed: Seed,
    rng: random.Random,
    application: uuid.UUID,
    line: str,
    grant: Decimal,
    released: datetime,
    rows: int,
) -> None:
    def add(kind: str, year: int, amount: Decimal, at: datetime) -> None:
        seed.ledger.append(
            (
                kind,
                application,
                PROGRAMME,
                AWARD_CALL,
                line,
                year,
                amount,
                "bench@sab.example",
                "Benchmark",
                at,
            )
        )

    instalments = _split(grant, len(YEARS), rng)
    for year, amount in zip(YEARS, instalments, strict=True):
        add("commitment", year, amount, released)
    extra = rows - len(YEARS)
    decommit = rng.random() < 0.1 and extra > 1
    refund = rng.random() < 0.05 and extra > 2
    payments = extra - decommit - refund
    paid_total = Decimal(0)
    if payments > 0:
        # Each payment pays part of its year's instalment: never more than committed.
        per_year = [payments // len(YEARS) + (i < payments % len(YEARS)) for i in range(3)]
        for year, amount, count in zip(YEARS, instalments, per_year, strict=True):
            if count == 0:
                continue
            for part in _split(amount * Decimal("0.8"), count, rng):
                at = datetime(year, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=UTC)
                add("payment", year, max(part, Decimal("0.01")), at)
                paid_total += part
    if decommit:
        at = datetime(YEARS[-1], rng.randint(1, 12), rng.randint(1, 28), 9, tzinfo=UTC)
        add(
            "decommitment",
            YEARS[-1],
            (instalments[-1] * Decimal("0.1")).quantize(Decimal("0.01")),
            at,
        )
    if refund:
        at = datetime(YEARS[-1], rng.randint(1, 12), rng.randint(1, 28), 11, tzinfo=UTC)
        add(
            "refund",
            YEARS[0],
            max(Decimal("0.01"), (paid_total / 50).quantize(Decimal("0.01"))),
            at,
        )


async def seed(url: str, awards: int, rows_per_award: int) -> None:
    rng = random.Random(20271130)
    now = datetime(2027, 11, 30, tzinfo=UTC)
    _, register = shipped_rows()
    keys = [row.key for row in register]
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.copy_records_to_table(
            "municipalities",
            columns=[
                "key",
                "name",
                "district",
                "population",
                "area_category",
                "area_category_source",
                "population_date",
                "updated_at",
            ],
            records=[
                (
                    r.key,
                    r.name,
                    r.district,
                    r.population,
                    r.area_category.value,
                    r.area_category_source.value if r.area_category_source else None,
                    r.population_date,
                    now,
                )
                for r in register
            ],
        )
        manager, organisation = uuid.uuid4(), uuid.uuid4()
        await connection.copy_records_to_table(
            "users",
            columns=["id", "email", "display_name", "is_active", "created_at", "updated_at"],
            records=[(manager, "pm@bench.example", "PM", True, now, now)],
        )
        await connection.copy_records_to_table(
            "organisations",
            columns=[
                "id",
                "customer_number",
                "legal_name",
                "legal_form",
                "applicant_type",
                "street",
                "postal_code",
                "city",
                "municipality_key",
                "version",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    organisation,
                    "B300001",
                    "Verein e.V.",
                    "eingetragener Verein",
                    "nonprofit",
                    "Markt 1",
                    "08289",
                    "Schneeberg",
                    "14521530",
                    1,
                    now,
                    now,
                )
            ],
        )
        scopes = [("", ""), *[(call, "") for call in (AWARD_CALL, "demo")]]
        scopes += [(call, line) for call in (AWARD_CALL, "demo") for line in LINES]
        await connection.copy_records_to_table(
            "budgets",
            columns=[
                "id",
                "guideline_id",
                "call_code",
                "funding_line",
                "fiscal_year",
                "cash_appropriation",
                "commitment_authorisation",
                "version",
                "changed_by",
                "changed_at",
            ],
            records=[
                (
                    uuid.uuid4(),
                    PROGRAMME,
                    call,
                    line,
                    year,
                    Decimal("4000000000.00") / (4 if line else 2 if call else 1),
                    Decimal("0.00"),
                    1,
                    manager,
                    now,
                )
                for call, line in scopes
                for year in YEARS
            ],
        )
        data = Seed()
        start = datetime(2024, 7, 1, tzinfo=UTC)
        for number in range(awards):
            line = LINES[number % 2]
            status = "partially_approved" if number % 5 == 0 else "approved"
            key = None if number % 500 == 0 else rng.choice(keys)
            grant = _cents(rng, 20_000, 400_000)
            submitted = start + timedelta(seconds=rng.randrange(60 * 24 * 3600))
            application = _application(
                data,
                number,
                organisation=organisation,
                user=manager,
                call=AWARD_CALL,
                line=line,
                status=status,
                key=key,
                grant=grant,
                at=submitted,
            )
            released = datetime(2024, 12, 1, tzinfo=UTC) + timedelta(
                seconds=rng.randrange(90 * 24 * 3600)
            )
            _ledger_rows(data, rng, application, line, grant, released, rows_per_award)
        number = awards
        for status, count in PIPELINE.items():
            for _ in range(count):
                call = AWARD_CALL if number % 3 else "demo"
                _application(
                    data,
                    number,
                    organisation=organisation,
                    user=manager,
                    call=call,
                    line=LINES[number % 2],
                    status=status,
                    key=rng.choice(keys),
                    grant=_cents(rng, 20_000, 400_000),
                    at=start + timedelta(seconds=rng.randrange(60 * 24 * 3600)),
                )
                number += 1
        await connection.copy_records_to_table(
            "applications",
            columns=[
                "id",
                "organisation_id",
                "guideline_id",
                "call_code",
                "funding_line",
                "status",
                "reference_number",
                "title",
                "municipality_key",
                "requested_grant",
                "draft",
                "version",
                "submission_count",
                "created_by",
                "created_at",
                "updated_at",
                "first_submitted_at",
                "submitted_at",
            ],
            records=data.applications,
        )
        await connection.copy_records_to_table(
            "ledger_entries",
            columns=[
                "kind",
                "application_id",
                "guideline_id",
                "call_code",
                "funding_line",
                "fiscal_year",
                "amount",
                "actor_label",
                "reason",
                "occurred_at",
            ],
            records=data.ledger,
        )
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()


async def prepare_database(server: str, awards: int, rows_per_award: int, reseed: bool) -> str:
    url = database_url(server, DATABASE)
    admin = await asyncpg.connect(dsn(database_url(server, "postgres")))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
        if exists and reseed:
            await admin.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = None
        if not exists:
            await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    await asyncio.to_thread(migrate.upgrade, url)
    connection = await asyncpg.connect(dsn(url))
    try:
        count = await connection.fetchval("SELECT count(*) FROM ledger_entries")
    finally:
        await connection.close()
    if count == 0:
        print(f"seeding {awards:,} awards × {rows_per_award} ledger rows into {DATABASE} ...")
        began = time.perf_counter()
        await seed(url, awards, rows_per_award)
        print(f"seeded in {time.perf_counter() - began:.1f} s")
    else:
        print(f"reusing {DATABASE}: {count:,} ledger rows (--reseed to rebuild)")
    return url


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Case:
    name: str
    run: Callable[[], Awaitable[object]]
    goal: bool = False  # the p99 ≤ 50 ms applies
    ms: list[float] = field(default_factory=list)


def manager() -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        email="pm@bench.example",
        display_name="PM",
        staff_roles=frozenset({"programme_manager"}),
    )


def raw_sql(statement: Any) -> str:
    compiled = statement.compile(
        dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"literal_binds": True},
    )
    return str(compiled)


async def measure(url: str, runs: int, explain: bool) -> None:
    engine = create_async_engine(
        as_asyncpg_url(url),
        pool_size=1,
        max_overflow=0,
        connect_args={"server_settings": {"timezone": "UTC"}},
    )
    factory = async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        class_=AsyncSession,
        expire_on_commit=False,
    )
    registry = load_registry()
    principal = manager()
    everything = DashboardFilters(call=None, fiscal_year=None)
    ledger_sum = sa.text("SELECT sum(amount) FROM ledger_entries WHERE guideline_id = :g")
    async with factory() as session:

        def ctx() -> UserContext:
            return UserContext.of(session, principal, now=datetime.now(UTC), guidelines=registry)

        result = await dashboards.dashboard(ctx(), PROGRAMME)

        async def baseline(statement: Any, params: dict[str, Any] | None = None) -> object:
            # In a transaction of its own, as the services open theirs.
            async with session.begin():
                return (await session.execute(statement, params)).all()

        async def private_part(name: str) -> Any:
            # The dashboard's own queries, one by one (module internals: a benchmark's view).
            async with session.begin():
                if name == "pipeline":
                    return await dashboards._pipeline(ctx(), PROGRAMME, everything)
                if name == "awards":
                    query = dashboards._awards_query(PROGRAMME, everything)
                    return (await session.execute(query)).all()
                return await dashboards._series(ctx(), PROGRAMME, everything)

        cases = [
            Case("baseline: SELECT 1", lambda: baseline(sa.text("SELECT 1"))),
            Case(
                "baseline: SELECT sum(amount) of the programme's ledger",
                lambda: baseline(ledger_sum, {"g": PROGRAMME}),
            ),
            Case(
                "dashboard (service), whole programme",
                lambda: dashboards.dashboard(ctx(), PROGRAMME),
                goal=True,
            ),
            Case(
                f"dashboard (service), call {AWARD_CALL}",
                lambda: dashboards.dashboard(ctx(), PROGRAMME, call=AWARD_CALL),
                goal=True,
            ),
            Case(
                "dashboard (service), fiscal year 2026",
                lambda: dashboards.dashboard(ctx(), PROGRAMME, fiscal_year=2026),
                goal=True,
            ),
            Case(
                "part: budgets overview (budgets service)",
                lambda: budgets.budget_overview(ctx(), PROGRAMME),
            ),
            Case("part: pipeline query", lambda: private_part("pipeline")),
            Case("part: awards by district/area query", lambda: private_part("awards")),
            Case("part: monthly series query", lambda: private_part("series")),
            Case("render: JSON of the dashboard", lambda: _sync(result.model_dump_json)),
            Case(
                "render: CSV, series table",
                lambda: _sync(lambda: exports.dashboard_csv(result, DashboardTable.SERIES)),
            ),
            Case("render: XLSX, all sheets", lambda: _sync(lambda: exports.dashboard_xlsx(result))),
        ]
        warmup = 20
        print(f"measuring {len(cases)} cases × {runs} runs (after {warmup} warm-up rounds) ...")
        for run in range(warmup + runs):
            for case in cases:
                began = time.perf_counter()
                await case.run()
                elapsed = (time.perf_counter() - began) * 1000
                if run >= warmup:
                    case.ms.append(elapsed)
        counts = (
            await session.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM ledger_entries), "
                    "(SELECT count(*) FROM applications WHERE status IN "
                    "('approved', 'partially_approved')), (SELECT count(*) FROM applications)"
                )
            )
        ).one()
        plans: list[tuple[str, list[str]]] = []
        if explain:
            statements = {
                "budgets overview's ledger aggregate": sa.text(
                    "SELECT call_code, funding_line, fiscal_year, kind, sum(amount) "
                    "FROM ledger_entries WHERE guideline_id = 'frl-lifd' "
                    "GROUP BY call_code, funding_line, fiscal_year, kind"
                ),
                "awards by district/area": sa.text(
                    raw_sql(dashboards._awards_query(PROGRAMME, everything))
                ),
            }
            for label, statement in statements.items():
                plan = await session.execute(
                    sa.text("EXPLAIN (ANALYZE, BUFFERS) " + str(statement))
                )
                plans.append((label, [row[0] for row in plan]))
    await engine.dispose()
    report(cases, counts, result)
    for label, lines in plans:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) — {label}")
        print("\n".join(lines))


async def _sync(fn: Callable[[], object]) -> object:
    return fn()


def report(cases: list[Case], counts: Any, result: Any) -> None:
    ledger_rows, awards, applications = counts
    print(
        f"\n{awards:,} awards, {applications:,} applications, {ledger_rows:,} ledger rows; "
        f"dashboard: {len(result.budget.rows)} budget rows, {len(result.pipeline)} pipeline "
        f"rows, {len(result.awards_by_district)} districts, {len(result.series)} months"
    )
    base = percentile(cases[0].ms, 0.5)
    header = (
        f"{'case':<56} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'mean':>7} "
        f"| {'p50/SELECT 1':>12} | {'p99/SELECT 1':>12}"
    )
    print(f"milliseconds over {len(cases[0].ms)} runs; ratios against SELECT 1 (p50) of this run")
    print(header)
    print("-" * len(header))
    for case in cases:
        p50, p95, p99 = (percentile(case.ms, q) for q in (0.5, 0.95, 0.99))
        print(
            f"{case.name:<56} | {p50:7.2f} | {p95:7.2f} | {p99:7.2f} "
            f"| {statistics.fmean(case.ms):7.2f} | {p50 / base:11.1f}× | {p99 / base:11.1f}×"
        )
    worst = max(percentile(c.ms, 0.99) for c in cases if c.goal)
    verdict = "met" if worst <= TARGET_P99_MS else "NOT met"
    print(
        f"\nTarget (issue 13 item 11): dashboard p99 ≤ {TARGET_P99_MS:.0f} ms at 10,000 awards "
        f"and 200,000 ledger rows: worst service p99 {worst:.2f} ms -> {verdict} "
        "(reported, not asserted)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--rows-per-award", type=int, default=20)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--explain", action="store_true", help="print plans (ANALYZE, BUFFERS)")
    args = parser.parse_args()
    if args.rows_per_award < 3:
        parser.error("--rows-per-award: at least 3 (one commitment per fiscal year)")
    server = server_url()
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, server {make_url(server).render_as_string()}"
    )
    url = await prepare_database(server, args.awards, args.rows_per_award, args.reseed)
    await measure(url, args.runs, args.explain)


if __name__ == "__main__":
    asyncio.run(main())
