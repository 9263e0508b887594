"""Application lists at 1,000,000 rows: p50/p99 of the list queries, raw and through the
service, next to a primary-key lookup on the same table measured in the same run.

    .venv/bin/python bench/list_bench.py [--runs 500] [--reseed] [--explain] [--rows N]

The database ``grants_bench_list`` lives on ``BENCH_DATABASE_URL`` (a server URL; default
postgresql://postgres@127.0.0.1:5432/postgres). The first run creates it, migrates it to head
and seeds it with COPY (``copy_records_to_table``): 2,000 organisations with one user each and
N applications (default 1,000,000) over 20 calls × 2 funding lines, statuses weighted by the
call's age (closed calls mostly decided, the open call mostly drafts and receipts), German
titles and summaries, amounts, timestamps and reference numbers. The secondary indexes are
dropped for the load and rebuilt afterwards, then ANALYZE. Later runs reuse the database
(migrating it to head, so new indexes arrive); ``--reseed`` rebuilds it.

Every case runs ``--runs`` times, the cases interleaved round-robin (so a noisy moment hurts
all of them alike), after a warm-up:

- raw: the exact SQL the service's query builder produces, run by a bare asyncpg connection
  (a prepared statement), so the figure is PostgreSQL's time plus one round trip;
- service: ``listing.list_applications`` on an autocommit ``AsyncSession``, as the route calls
  it (query building, SQLAlchemy, rows to summaries, the next cursor).

The baselines are ``SELECT 1`` and a primary-key lookup of one (random) application's summary
columns; ratios are against the PK lookup measured the same way (raw vs raw, service vs
service). Nothing asserts on time; the machine is shared, compare ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from grants.applications import listing
from grants.applications.cursor import cursor_key
from grants.applications.tables import applications_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.db import migrate
from grants.guidelines.registry import GuidelineRegistry
from grants.settings import as_asyncpg_url

DATABASE = "grants_bench_list"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
ORGANISATIONS = 2_000
CHUNK = 50_000
KEY = cursor_key("bench-list-secret-" + "x" * 32)
TARGET_P99_MS = 20.0

CALLS = [f"{year}-{n}" for year in range(2024, 2034) for n in (1, 2)]  # 20 calls
LINES = {"stationary": "S", "mobile": "M"}
# Status weights by the call's phase: closed calls are decided, recent ones under review,
# the open call is mostly drafts and receipts.
PHASES: dict[str, dict[str, int]] = {
    "closed": {
        "draft": 8,
        "not_selected": 42,
        "approved": 18,
        "partially_approved": 5,
        "rejected": 5,
        "formally_rejected": 8,
        "withdrawn": 7,
        "application_draft": 1,
        "invited": 1,
        "application_submitted": 1,
        "application_check": 1,
        "jury_decided": 1,
        "reviewed": 1,
        "in_review": 1,
    },
    "review": {
        "draft": 10,
        "submitted": 8,
        "formal_check": 10,
        "information_requested": 6,
        "formally_rejected": 6,
        "in_review": 25,
        "reviewed": 12,
        "jury_decided": 5,
        "invited": 8,
        "not_selected": 5,
        "withdrawn": 5,
    },
    "open": {
        "draft": 45,
        "submitted": 40,
        "formal_check": 8,
        "information_requested": 4,
        "withdrawn": 3,
    },
}
ADJECTIVES = [
    "Offene",
    "Digitale",
    "Mobile",
    "Kreative",
    "Gemeinsame",
    "Neue",
    "Regionale",
    "Soziale",
    "Innovative",
    "Nachhaltige",
    "Ländliche",
    "Junge",
    "Smarte",
    "Vernetzte",
    "Lebendige",
]
NOUNS = [
    "Werkstatt",
    "Werkstätten",
    "Bibliothek",
    "Dorfbüro",
    "Lernwerkstatt",
    "Coworking-Räume",
    "Begegnungsstätte",
    "Zukunftswerkstatt",
    "Dorfläden",
    "Medienwerkstatt",
    "Repair-Cafés",
    "Makerspaces",
    "Kulturscheune",
    "Bürgerplattform",
    "Lernlabore",
    "Gründerzentren",
    "Jugendtreffs",
    "Mitfahrbänke",
    "Dorfgemeinschaft",
    "Heimatstube",
    "Schulgärten",
]
PLACES = [
    "Schneeberg",
    "Aue",
    "Annaberg-Buchholz",
    "Zwönitz",
    "Freiberg",
    "Görlitz",
    "Bautzen",
    "Pirna",
    "Meißen",
    "Riesa",
    "Zittau",
    "Plauen",
    "Oelsnitz",
    "Marienberg",
    "Stollberg",
    "Döbeln",
    "Grimma",
    "Torgau",
    "Delitzsch",
    "Kamenz",
    "Hoyerswerda",
    "Löbau",
    "Auerbach",
    "Reichenbach",
    "Crimmitschau",
    "Glauchau",
    "Mittweida",
    "Rochlitz",
    "Oschatz",
    "Wurzen",
    "Borna",
    "Eilenburg",
    "Niesky",
    "Weißwasser",
    "Sebnitz",
    "Dippoldiswalde",
    "Olbernhau",
    "Oederan",
    "Brand-Erbisdorf",
    "Frankenberg",
]
TOPICS = [
    "3D-Druck",
    "Lasercutter",
    "Programmierkurse",
    "Reparatur",
    "Handwerk",
    "Senioren",
    "Schulen",
    "Vereine",
    "Kunst",
    "Landwirtschaft",
    "Tourismus",
    "Energie",
    "Mobilität",
    "Gesundheit",
    "Kultur",
    "Bildung",
    "Ehrenamt",
    "Nahversorgung",
    "Telemedizin",
    "Musik",
]
SUMMARY_COLUMNS = [
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
]


# --- database ----------------------------------------------------------------------------


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Seeded:
    organisations: list[uuid.UUID]
    application_ids: list[uuid.UUID]


def _phase(call: str) -> str:
    index = CALLS.index(call)
    if index == len(CALLS) - 1:
        return "open"
    return "review" if index >= len(CALLS) - 3 else "closed"


def _applications(
    rows: int, organisations: list[uuid.UUID], users: list[uuid.UUID], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """The applications, call after call, each call's in the order they were started: the
    table grows over time, so a call's rows sit near each other (as in production)."""
    municipalities = [f"14{rng.randrange(0, 999999):06d}" for _ in range(420)]
    weights = {phase: (list(table), list(table.values())) for phase, table in PHASES.items()}
    # Bigger organisations apply more often: a skewed pick, ~10 % of them hold ~35 % of rows.
    org_weights = [1.0 / (1 + i) ** 0.35 for i in range(len(organisations))]
    per_call = [rows // len(CALLS)] * len(CALLS)
    per_call[-1] += rows - sum(per_call)
    for call, count in zip(CALLS, per_call, strict=True):
        names, weights_ = weights[_phase(call)]
        year = int(call[:4])
        opened = datetime(year, 3 if call.endswith("1") else 9, 1, tzinfo=UTC)
        batch = []
        for org in rng.choices(range(len(organisations)), weights=org_weights, k=count):
            line = "stationary" if rng.random() < 0.7 else "mobile"
            status = rng.choices(names, weights=weights_)[0]
            created = opened + timedelta(seconds=rng.randrange(0, 90 * 86400))
            submitted = None
            if status != "draft":
                submitted = created + timedelta(seconds=rng.randrange(3600, 30 * 86400))
            updated = (submitted or created) + timedelta(seconds=rng.randrange(0, 200 * 86400))
            title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(PLACES)}"
            summary = (
                f"{rng.choice(NOUNS)} für {rng.choice(TOPICS)} und {rng.choice(TOPICS)} "
                f"in {rng.choice(PLACES)}."
            )
            grant = Decimal(rng.randrange(5_000, 200_000)) if rng.random() < 0.97 else None
            batch.append(
                [
                    uuid.uuid4(),
                    organisations[org],
                    "frl-lifd",
                    call,
                    line,
                    status,
                    None,
                    title,
                    rng.choice(municipalities),
                    grant,
                    json.dumps({"title": title, "summary": summary}),
                    1,
                    0 if submitted is None else 1,
                    users[org],
                    created,
                    updated,
                    submitted,
                    submitted,
                ]
            )
        # Reference numbers in the order of receipt, per call and line, without gaps.
        counters = dict.fromkeys(LINES, 0)
        for record in sorted((r for r in batch if r[17] is not None), key=lambda r: r[17]):
            counters[record[4]] += 1
            record[6] = f"LIfD-{call}-{LINES[record[4]]}-{counters[record[4]]:05d}"
        batch.sort(key=lambda r: r[14])
        yield from (tuple(record) for record in batch)


async def seed(url: str, rows: int) -> None:
    rng = random.Random(20261125)
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.execute("SET maintenance_work_mem = '512MB'")
        now = datetime(2026, 11, 25, tzinfo=UTC)
        organisations = [uuid.uuid4() for _ in range(ORGANISATIONS)]
        users = [uuid.uuid4() for _ in range(ORGANISATIONS)]
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
                    org,
                    f"B{200001 + i}",
                    f"Verein {i} e.V.",
                    "eingetragener Verein",
                    "nonprofit",
                    "Markt 1",
                    "08289",
                    rng.choice(PLACES),
                    f"14{rng.randrange(0, 999999):06d}",
                    1,
                    now,
                    now,
                )
                for i, org in enumerate(organisations)
            ],
        )
        await connection.copy_records_to_table(
            "users",
            columns=["id", "email", "display_name", "is_active", "created_at", "updated_at"],
            records=[
                (user, f"user{i}@bench.example", f"Nutzer {i}", True, now, now)
                for i, user in enumerate(users)
            ],
        )
        indexes = await connection.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.tablename = 'applications' AND NOT x.indisprimary AND NOT x.indisunique"
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')
        started = time.perf_counter()
        generator = _applications(rows, organisations, users, rng)
        loaded = 0
        while loaded < rows:
            chunk = [record for _, record in zip(range(CHUNK), generator, strict=False)]
            await connection.copy_records_to_table(
                "applications", columns=SUMMARY_COLUMNS, records=chunk
            )
            loaded += len(chunk)
            print(f"  loaded {loaded:,} applications ({time.perf_counter() - started:.0f} s)")
        for index in indexes:
            began = time.perf_counter()
            await connection.execute(index["indexdef"])
            print(f"  index {index['indexname']} ({time.perf_counter() - began:.0f} s)")
        await connection.execute("VACUUM (ANALYZE) applications")
        await connection.execute("ANALYZE organisations")
        await connection.execute("ANALYZE users")
    finally:
        await connection.close()


async def prepare_database(server: str, rows: int, *, reseed: bool) -> str:
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
    await asyncio.to_thread(migrate.upgrade, url)  # head: new indexes arrive on reruns
    connection = await asyncpg.connect(dsn(url))
    try:
        count = await connection.fetchval("SELECT count(*) FROM applications")
    finally:
        await connection.close()
    if count == 0:
        print(f"seeding {rows:,} applications into {DATABASE} ...")
        await seed(url, rows)
    else:
        print(f"reusing {DATABASE}: {count:,} applications (--reseed to rebuild)")
    return url


# --- measuring ---------------------------------------------------------------------------

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]


def raw_sql(statement: sa.Select[Any]) -> tuple[str, list[Any]]:
    """The SQL text and arguments the asyncpg dialect sends for ``statement``."""
    compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    args = [compiled.params[name] for name in compiled.positiontup or ()]
    return str(compiled), [str(a) if isinstance(a, str) else a for a in args]


@dataclass
class Case:
    name: str
    raw: Callable[[asyncpg.Connection], Awaitable[Any]] | None
    service: Callable[[AsyncSession], Awaitable[Any]] | None
    explain: tuple[str, list[Any]] | None = None
    goal: bool = False  # the p99 ≤ 20 ms target applies
    raw_ms: list[float] = field(default_factory=list)
    service_ms: list[float] = field(default_factory=list)


def manager() -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        email="pm@bench.example",
        display_name="PM",
        staff_roles=frozenset({"programme_manager"}),
    )


def member_of(organisation: uuid.UUID) -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        email="a@bench.example",
        display_name="A",
        memberships={organisation: "admin"},
    )


def first_statement(
    principal: Principal, filters: listing.ListFilters, sort: str | None, cursor: str | None
) -> tuple[str, list[Any]]:
    """The first statement the service runs for this page (the one that fills a full page)."""
    _, statements = listing.page_query(principal, filters, sort=sort, cursor=cursor, cursor_key=KEY)
    return raw_sql(statements[0].limit(21))


def reader(session: AsyncSession, principal: Principal) -> UserContext:
    """The context of a listing request (a list reads nothing else of it)."""
    return UserContext.of(
        session, principal, now=datetime.now(UTC), guidelines=GuidelineRegistry([])
    )


async def page_cursor(
    session: AsyncSession, principal: Principal, filters: listing.ListFilters, page: int
) -> str:
    cursor = None
    for _ in range(page - 1):
        result = await listing.list_applications(
            reader(session, principal), filters, sort=None, limit=20, cursor=cursor, cursor_key=KEY
        )
        if result.next_cursor is None:
            raise SystemExit(f"fewer than {page} pages for {filters}")
        cursor = result.next_cursor
    assert cursor is not None
    return cursor


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def build_cases(url: str, session: AsyncSession, rng: random.Random) -> list[Case]:
    connection = await asyncpg.connect(dsn(url))
    try:
        ids = [
            r["id"]
            for r in await connection.fetch(
                "SELECT id FROM applications TABLESAMPLE SYSTEM (1) LIMIT 2000"
            )
        ]
        busy = [
            r["organisation_id"]
            for r in await connection.fetch(
                "SELECT organisation_id FROM applications "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 20"
            )
        ]
    finally:
        await connection.close()
    pm = manager()
    closed_calls = CALLS[:17]
    decided = [
        listing.ListFilters(call=c, statuses=(listing.State.NOT_SELECTED,)) for c in closed_calls
    ]
    print("walking to page 500 of 'not_selected' in each closed call ...")
    started = time.perf_counter()
    page500 = [(f, await page_cursor(session, pm, f, 500)) for f in decided[:5]]
    print(f"  {time.perf_counter() - started:.1f} s for {5 * 499} pages")
    submitted = listing.ListFilters(call=CALLS[-1], statuses=(listing.State.SUBMITTED,))
    summary_sql = (
        "SELECT "
        + ", ".join(c.name for c in listing.SUMMARY_COLUMNS)
        + " FROM applications WHERE id = $1"
    )
    pk_statement = sa.select(*listing.SUMMARY_COLUMNS).where(
        applications_table.c.id == sa.bindparam("id")
    )

    def listing_case(
        name: str,
        principal: Callable[[], Principal],
        filters: Callable[[], listing.ListFilters],
        *,
        sort: str | None = None,
        cursor: Callable[[listing.ListFilters], str | None] = lambda _: None,
        goal: bool = False,
    ) -> Case:
        prepared: dict[str, asyncpg.prepared_stmt.PreparedStatement] = {}

        async def raw(connection: asyncpg.Connection) -> Any:
            chosen = filters()
            sql, args = first_statement(principal(), chosen, sort, cursor(chosen))
            if sql not in prepared:
                prepared[sql] = await connection.prepare(sql)
            return await prepared[sql].fetch(*args)

        async def service(session: AsyncSession) -> Any:
            chosen = filters()
            return await listing.list_applications(
                reader(session, principal()),
                chosen,
                sort=sort,
                limit=20,
                cursor=cursor(chosen),
                cursor_key=KEY,
            )

        sample = filters()
        return Case(
            name, raw, service, first_statement(principal(), sample, sort, cursor(sample)), goal
        )

    page500_cursor = {id(f): c for f, c in page500}
    page500_filters = [f for f, _ in page500]
    cases = [
        Case("baseline: SELECT 1", lambda c: c.fetchval("SELECT 1"), None),
        Case(
            "baseline: PK lookup (summary columns)",
            lambda c: c.fetchrow(summary_sql, rng.choice(ids)),
            lambda s: _pk(s, pk_statement, rng.choice(ids)),
        ),
        listing_case(
            "manager: status+call, page 1 (not_selected, closed call)",
            lambda: pm,
            lambda: rng.choice(decided),
            goal=True,
        ),
        listing_case(
            "manager: status+call, page 500",
            lambda: pm,
            lambda: rng.choice(page500_filters),
            cursor=lambda f: page500_cursor[id(f)],
            goal=True,
        ),
        listing_case(
            "manager: status+call, page 1 (submitted, open call)",
            lambda: pm,
            lambda: submitted,
            goal=True,
        ),
        listing_case("manager: all calls, page 1", lambda: pm, listing.ListFilters),
        listing_case(
            "manager: one call, any status, page 1",
            lambda: pm,
            lambda: listing.ListFilters(call=rng.choice(CALLS)),
        ),
        listing_case(
            "applicant: own organisation (busiest), page 1",
            lambda: member_of(rng.choice(busy)),
            listing.ListFilters,
        ),
        listing_case(
            "manager: text 'Werkstatt' (stemmed), page 1",
            lambda: pm,
            lambda: listing.ListFilters(q="Werkstatt"),
        ),
        listing_case(
            "manager: text + call ('Telemedizin'), page 1",
            lambda: pm,
            lambda: listing.ListFilters(q="Telemedizin", call=rng.choice(CALLS)),
        ),
        listing_case(
            "manager: reference prefix, page 1",
            lambda: pm,
            lambda: listing.ListFilters(q=f"LIfD-{rng.choice(CALLS)}-S-0{rng.randrange(10)}"),
        ),
        listing_case(
            "manager: one call, sort title (no index), page 1",
            lambda: pm,
            lambda: listing.ListFilters(call=rng.choice(CALLS)),
            sort="title",
        ),
    ]
    return cases


async def _pk(session: AsyncSession, statement: sa.Select[Any], key: uuid.UUID) -> Any:
    return (await session.execute(statement, {"id": key})).first()


async def measure(url: str, runs: int, explain: bool) -> None:
    rng = random.Random(7)
    engine = create_async_engine(
        as_asyncpg_url(url),
        pool_size=1,
        max_overflow=0,
        connect_args={"server_settings": {"timezone": "UTC"}},
    )
    factory = async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )
    connection = await asyncpg.connect(dsn(url), server_settings={"timezone": "UTC"})
    try:
        async with factory() as session:
            cases = await build_cases(url, session, rng)
            warmup = 30
            print(f"measuring {len(cases)} cases × {runs} runs (after {warmup} warm-up runs) ...")
            for run in range(warmup + runs):
                for case in cases:
                    if case.raw is not None:
                        began = time.perf_counter()
                        await case.raw(connection)
                        elapsed = (time.perf_counter() - began) * 1000
                        if run >= warmup:
                            case.raw_ms.append(elapsed)
                    if case.service is not None:
                        began = time.perf_counter()
                        await case.service(session)
                        elapsed = (time.perf_counter() - began) * 1000
                        if run >= warmup:
                            case.service_ms.append(elapsed)
        report(cases)
        if explain:
            measured = [c for c in cases if c.explain is not None]
            slowest = max(measured, key=lambda c: percentile(c.service_ms or c.raw_ms, 0.99))
            for case in [*[c for c in measured if c.goal], slowest]:
                sql, args = case.explain  # type: ignore[misc]
                plan = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
                print(f"\nEXPLAIN (ANALYZE, BUFFERS) — {case.name}\n{sql}\n  args: {args}")
                print("\n".join(r[0] for r in plan))
    finally:
        await connection.close()
        await engine.dispose()


def report(cases: list[Case]) -> None:
    base = next(c for c in cases if c.name.startswith("baseline: PK"))
    base_raw = percentile(base.raw_ms, 0.5), percentile(base.raw_ms, 0.99)
    base_svc = percentile(base.service_ms, 0.5), percentile(base.service_ms, 0.99)
    header = (
        f"{'case':<58} | {'raw p50':>7} | {'raw p99':>7} | {'svc p50':>7} | {'svc p99':>7} "
        f"| {'raw p50/PK':>10} | {'raw p99/PK':>10} | {'svc p50/PK':>10} | {'svc p99/PK':>10}"
    )
    print("\nmilliseconds; ratios against the PK lookup measured the same way in this run")
    print(header)
    print("-" * len(header))

    def cell(values: list[float], q: float) -> str:
        return f"{percentile(values, q):7.2f}" if values else f"{'-':>7}"

    def ratio(values: list[float], q: float, against: float) -> str:
        return f"{percentile(values, q) / against:9.1f}×" if values else f"{'-':>10}"

    for case in cases:
        print(
            f"{case.name:<58} | {cell(case.raw_ms, 0.5)} | {cell(case.raw_ms, 0.99)} "
            f"| {cell(case.service_ms, 0.5)} | {cell(case.service_ms, 0.99)} "
            f"| {ratio(case.raw_ms, 0.5, base_raw[0])} | {ratio(case.raw_ms, 0.99, base_raw[1])} "
            f"| {ratio(case.service_ms, 0.5, base_svc[0])} "
            f"| {ratio(case.service_ms, 0.99, base_svc[1])}"
        )
    goals = [c for c in cases if c.goal]
    worst = max(percentile(c.service_ms, 0.99) for c in goals)
    verdict = "met" if worst <= TARGET_P99_MS else "NOT met"
    print(
        f"\nTarget (issue): list p99 ≤ {TARGET_P99_MS:.0f} ms at 1,000,000 applications, status+"
        f"call, page 1 and 500: worst service p99 {worst:.2f} ms -> {verdict} "
        "(reported, not asserted)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--explain", action="store_true", help="print plans (ANALYZE, BUFFERS)")
    args = parser.parse_args()
    server = server_url()
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, server {make_url(server).render_as_string()}"
    )
    url = await prepare_database(server, args.rows, reseed=args.reseed)
    connection = await asyncpg.connect(dsn(url))
    try:
        version = await connection.fetchval("SHOW server_version")
        buffers = await connection.fetchval("SHOW shared_buffers")
        size = await connection.fetchval(
            "SELECT pg_size_pretty(pg_total_relation_size('applications'))"
        )
    finally:
        await connection.close()
    print(f"PostgreSQL {version}, shared_buffers {buffers}, applications incl. indexes {size}")
    await measure(url, args.runs, args.explain)


if __name__ == "__main__":
    asyncio.run(main())
