"""Aggregation + ranking + funding line of a call from the database: 10,000 applications × 3
evaluators × 6 criteria (30,000 submitted score sheets), end to end through the service code
the ranking endpoint uses, next to the pure part and a baseline, measured in the same run.

    .venv/bin/python bench/ranking_db_bench.py [--applications 10000] [--repeat 7]

The database ``grants_bench_ranking`` on ``BENCH_DATABASE_URL`` (a server URL; default
postgresql://postgres@127.0.0.1:5432/postgres) is dropped, created, migrated to head and
seeded with COPY (asyncpg ``copy_records_to_table``) on every run: one organisation, 200
evaluators, N applications in review in the demo call (both lines), 3 accepted assignments
and 3 submitted sheets each (scores around a per-project quality, so the agreement is
realistic), then ANALYZE.

Cases, interleaved round-robin after a warm-up (medians of ``--repeat`` rounds):

- baseline: ``SELECT`` of the 30,000 sheets' ``scores`` (JSONB) alone, on the same
  autocommit ``AsyncSession``;
- load: ``rankings.load_call`` — the ranking's one query (applications ⟕ counted sheets,
  scores as ``int[]`` in rubric order) and the rows grouped into the core's inputs;
- pure: ``rankings.evaluate`` on the loaded inputs — aggregation, ranking and funding line of
  every line (the issue's "pure part", target ≤ 100 ms);
- end to end: load + evaluate (target ≤ 1 s);
- full response: ``rankings.ranking`` unpaged — end to end plus Krippendorff's alpha and the
  response models of all 10,000 entries (what the exports compute);
- first page: the same with the default page (``GET /api/evaluation/rankings`` without
  ``offset``/``limit``): the whole ranking computed, one page of entries built;
- change check alone: ``ranking.cache.inputs_fingerprint`` (rows and ``xmin`` sums of every
  table the ranking reads);
- first page, inputs unchanged: what a request costs when the process's cache holds the call
  (the check, then one page built from the cached evaluation). The cases above clear the cache
  first, so they measure the cold path.

Nothing asserts on time; the machine is shared, compare ratios.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from grants.context import Context
from grants.core.actors import Actor
from grants.db import migrate
from grants.evaluation.ranking import cache as ranking_cache
from grants.evaluation.ranking import service as rankings
from grants.guidelines.registry import load_registry
from grants.settings import as_asyncpg_url

DATABASE = "grants_bench_ranking"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
EVALUATORS = 200
CODES = ("K1", "K2", "K3", "K4", "K5", "K6")


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def prepare(server: str) -> str:
    url = database_url(server, DATABASE)
    admin = await asyncpg.connect(dsn(database_url(server, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    await asyncio.to_thread(migrate.upgrade, url)
    return url


def _snapshot(reference: str, title: str, grant: Decimal, received: datetime) -> str:
    rule = {
        "outcome": "pass",
        "section": "FRL LIfD Nr. I.1 Buchst. a–e",
        "title": {"de": "Förderziel", "en": "Funding objective"},
        "message": {
            "de": "Das Vorhaben verfolgt die Förderziele a und e (Standortstärkung, Teilhabe).",
            "en": "The project pursues objectives a and e (location, participation).",
        },
        "facts": {"objectives": ["a", "e"], "municipality_key": "14521530"},
    }
    return json.dumps(
        {
            "schema": 2,
            "reference_number": reference,
            "received_at": received.isoformat(),
            "call": "demo",
            "content": {
                "title": title,
                "summary": "Offene Werkstatt mit 3D-Druck, Lasercutter und Kursen. " * 4,
                "concept": dict.fromkeys("abcdef", "Ausführliche Beschreibung des Vorhabens. " * 8),
                "financing": {"requested_grant": str(grant), "own_funds": "50000.00"},
            },
            "verdict": {"results": [{**rule, "rule": f"rule_{i}"} for i in range(14)]},
        }
    )


async def seed(url: str, count: int) -> None:
    rng = random.Random(20261125)
    now = datetime(2026, 11, 25, tzinfo=UTC)
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("SET synchronous_commit = off")
        organisation, applicant = uuid.uuid4(), uuid.uuid4()
        evaluators = [uuid.uuid4() for _ in range(EVALUATORS)]
        await connection.copy_records_to_table(
            "users",
            columns=["id", "email", "display_name", "is_active", "created_at", "updated_at"],
            records=[
                (user, f"user{i}@bench.example", f"Nutzer {i}", True, now, now)
                for i, user in enumerate([applicant, *evaluators])
            ],
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
                    "B200001",
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
        applications, submissions, assignments, sheets = [], [], [], []
        start = datetime(2027, 5, 1, tzinfo=UTC)
        for number in range(count):
            application = uuid.uuid4()
            line = "stationary" if number % 4 else "mobile"
            received = start + timedelta(seconds=rng.randrange(40 * 24 * 3600))
            reference = f"LIfD-demo-{line[0].upper()}-{number:05d}"
            grant = Decimal(rng.randrange(20_000, 200_000))
            applications.append(
                (
                    application,
                    organisation,
                    "frl-lifd",
                    "demo",
                    line,
                    "in_review",
                    reference,
                    f"Vorhaben {number}",
                    grant,
                    "{}",
                    1,
                    1,
                    applicant,
                    received,
                    received,
                    received,
                    received,
                )
            )
            # The ranking reads title and grant from the submitted snapshot: one of a
            # realistic size (content and a verdict of every rule, several kB).
            snapshot = _snapshot(reference, f"Vorhaben {number}", grant, received)
            submissions.append(
                (
                    uuid.uuid4(),
                    application,
                    1,
                    reference,
                    received,
                    applicant,
                    snapshot,
                    "0" * 64,
                    "0" * 64,
                )
            )
            quality = rng.randint(1, 5)
            for evaluator in rng.sample(evaluators, 3):
                assignment = uuid.uuid4()
                assignments.append((assignment, application, evaluator, "accepted", "auto", now, 1))
                scores = {
                    code: {
                        "score": min(5, max(0, quality + rng.randint(-1, 1))),
                        "justification": "Nachvollziehbar begründet.",
                    }
                    for code in CODES
                }
                sheets.append(
                    (
                        uuid.uuid4(),
                        assignment,
                        application,
                        evaluator,
                        "submitted",
                        json.dumps(scores),
                        "0" * 64,
                        2,
                        now,
                        now,
                        now,
                    )
                )
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
            records=applications,
        )
        await connection.copy_records_to_table(
            "application_submissions",
            columns=[
                "id",
                "application_id",
                "number",
                "reference_number",
                "received_at",
                "submitted_by",
                "snapshot",
                "snapshot_sha256",
                "guideline_hash",
            ],
            records=submissions,
        )
        await connection.copy_records_to_table(
            "assignments",
            columns=[
                "id",
                "application_id",
                "evaluator_id",
                "status",
                "source",
                "assigned_at",
                "version",
            ],
            records=assignments,
        )
        await connection.copy_records_to_table(
            "score_sheets",
            columns=[
                "id",
                "assignment_id",
                "application_id",
                "evaluator_id",
                "status",
                "scores",
                "guideline_hash",
                "version",
                "created_at",
                "updated_at",
                "submitted_at",
            ],
            records=sheets,
        )
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()


async def measure(url: str, repeat: int) -> None:
    engine = create_async_engine(as_asyncpg_url(url), pool_size=2)
    factory = async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        class_=AsyncSession,
        expire_on_commit=False,
    )
    registry = load_registry()
    guideline_id = rankings.find_call(registry, "demo")[0].id
    baseline_sql = sa.text("SELECT scores FROM score_sheets")
    async with factory() as session:
        loaded = await rankings.load_call(session, registry, "demo")

        async def baseline() -> object:
            return (await session.execute(baseline_sql)).all()

        async def load() -> object:
            return await rankings.load_call(session, registry, "demo")

        async def pure() -> object:
            return rankings.evaluate(loaded)

        async def end_to_end() -> object:
            return rankings.evaluate(await rankings.load_call(session, registry, "demo"))

        def context() -> Context:
            return Context(
                session=session,
                actor=Actor.system("bench"),
                now=datetime.now(UTC),
                guidelines=registry,
            )

        async def full() -> object:
            ranking_cache.CACHE.clear()
            return await rankings.ranking(context(), call="demo", limit=None)

        async def first_page() -> object:
            ranking_cache.CACHE.clear()
            return await rankings.ranking(context(), call="demo")

        async def fingerprint() -> object:
            return await ranking_cache.inputs_fingerprint(session, guideline_id, "demo")

        async def first_page_cached() -> object:
            return await rankings.ranking(context(), call="demo")

        cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("baseline: SELECT the 30,000 sheets (JSONB)", baseline),
            ("load: ranking query + rows to core inputs", load),
            ("pure: aggregate + rank + funding line", pure),
            ("end to end: load + pure", end_to_end),
            ("full response: + alpha + 10,000 entries", full),
            (f"first page: + alpha + {rankings.RANKING_PAGE} entries per line", first_page),
            ("change check alone: the inputs' fingerprint", fingerprint),
            ("first page, inputs unchanged (cache)", first_page_cached),
        ]
        for _, fn in cases:  # warm-up: prepared statements, caches
            await fn()
        samples: list[list[float]] = [[] for _ in cases]
        for _ in range(repeat):
            for position, (_, fn) in enumerate(cases):
                began = time.perf_counter()
                await fn()
                samples[position].append((time.perf_counter() - began) * 1000)
        lines = rankings.evaluate(loaded)
        funded = sum(len(result.funded()) for result in lines.values())
    await engine.dispose()
    base = statistics.median(samples[0])
    print(
        f"\n{len(loaded.applications):,} applications, "
        f"{sum(len(a.sheets) for a in loaded.applications):,} sheets, {funded:,} funded; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; median of {repeat}\n"
    )
    print(f"{'case':<46} {'median ms':>10} {'best ms':>9} {'× baseline':>11}")
    for (label, _), values in zip(cases, samples, strict=True):
        median = statistics.median(values)
        print(f"{label:<46} {median:>10.1f} {min(values):>9.1f} {median / base:>10.2f}×")
    print("\ntargets (issue 6): end to end ≤ 1000 ms, pure ≤ 100 ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    url = await prepare(server)
    began = time.perf_counter()
    await seed(url, args.applications)
    print(f"seeded {args.applications:,} applications in {time.perf_counter() - began:.1f} s")
    await measure(url, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
