"""Automatic assignment from the database, end to end (issue 6: ≤ 5 s, loads within ±1).

    .venv/bin/python bench/assignment_db_bench.py [--applications 10000] [--evaluators 200]
                                                  [--runs 3] [--keep]

Seeds its own database ``grants_bench_assign`` (dropped and created on ``BENCH_DATABASE_URL``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``; dropped again unless ``--keep``)
with COPY: N applications in review with small submitted snapshots (applicant organisation,
one partner, municipality), E evaluators with profiles and employer affiliations chosen so
that about 5 % of all pairs conflict. Then it times the service
``grants.evaluation.assignment.service.auto_assign`` — refresh of ``evaluator_conflicts`` (≈ 5 % of
N × E rows written), pool, existing assignments and declines read, the pure
``core.assignment.assign``, N × 3 rows written with COPY, the audit entry, commit — as one
transaction. Between runs the assignments and conflicts are deleted. Beside it, measured in
the same run, the floor: COPY of as many rows into a scratch table shaped like
``assignments``. Nothing asserts on time; the script checks that no conflicted pair was
assigned and that every application got its evaluators.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import _drop, _recreate, with_database

from grants.context import UserContext
from grants.core.access import Principal
from grants.db.engine import build_session_factory
from grants.db.migrate import upgrade
from grants.evaluation.assignment.schemas import AutoAssignRequest
from grants.evaluation.assignment.service import auto_assign
from grants.guidelines.registry import load_registry
from grants.settings import as_asyncpg_url

DATABASE = "grants_bench_assign"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
ORGANISATIONS = 500
CONFLICT_SHARE = 0.05
PER_APPLICATION = 3
TARGET_SECONDS = 5.0


async def seed(dsn: str, applications: int, evaluators: int, rng: random.Random) -> uuid.UUID:
    now = datetime.now(UTC)
    connection = await asyncpg.connect(dsn)
    try:
        orgs = [uuid.uuid4() for _ in range(ORGANISATIONS)]
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
                    f"B{i:07d}",
                    f"Verein Nummer {i} e.V.",
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
                for i, org in enumerate(orgs)
            ],
        )
        manager_id, creator_id = uuid.uuid4(), uuid.uuid4()
        evaluator_ids = [uuid.uuid4() for _ in range(evaluators)]
        users = [(manager_id, "manager"), (creator_id, "applicant")] + [
            (e, f"evaluator{i}") for i, e in enumerate(evaluator_ids)
        ]
        await connection.copy_records_to_table(
            "users",
            columns=["id", "email", "display_name", "is_active", "created_at", "updated_at"],
            records=[(u, f"{name}@bench.example", name, True, now, now) for u, name in users],
        )
        await connection.copy_records_to_table(
            "staff_roles",
            columns=["user_id", "role", "granted_at", "granted_by"],
            records=[(manager_id, "programme_manager", now, "bench")]
            + [(e, "evaluator", now, "bench") for e in evaluator_ids],
        )
        cap = (applications * PER_APPLICATION) // evaluators + 20
        await connection.copy_records_to_table(
            "evaluator_profiles",
            columns=["user_id", "max_assignments", "active", "version", "created_at", "updated_at"],
            records=[(e, cap, True, 1, now, now) for e in evaluator_ids],
        )
        # Each evaluator works for 5 % of the organisations: each application (one applicant
        # organisation) then conflicts with about 5 % of the evaluators.
        per_evaluator = round(ORGANISATIONS * CONFLICT_SHARE)
        await connection.copy_records_to_table(
            "evaluator_affiliations",
            columns=["id", "evaluator_id", "kind", "organisation_id", "name", "declared_at"],
            records=[
                (uuid.uuid4(), e, "employer", org, "", now)
                for e in evaluator_ids
                for org in rng.sample(orgs, per_evaluator)
            ],
        )
        app_rows, submission_rows = [], []
        for i in range(applications):
            app_id = uuid.uuid4()
            org_index = rng.randrange(ORGANISATIONS)
            reference = f"LIfD-demo-S-{i + 1:05d}"
            app_rows.append(
                (
                    app_id,
                    orgs[org_index],
                    "frl-lifd",
                    "demo",
                    "stationary",
                    "in_review",
                    reference,
                    f"Vorhaben {i}",
                    "14521530",
                    "{}",
                    1,
                    1,
                    creator_id,
                    now,
                    now,
                    now,
                    now,
                )
            )
            snapshot = {
                "organisation": {
                    "id": str(orgs[org_index]),
                    "legal_name": f"Verein Nummer {org_index} e.V.",
                },
                "content": {
                    "title": f"Vorhaben {i}",
                    "municipality_key": "14521530",
                    "partners": [{"name": f"Partnerschule {i}", "type": "Schule", "role": ""}],
                },
            }
            submission_rows.append(
                (
                    uuid.uuid4(),
                    app_id,
                    1,
                    reference,
                    now,
                    creator_id,
                    json.dumps(snapshot),
                    "0" * 64,
                    "0" * 64,
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
                "municipality_key",
                "draft",
                "version",
                "submission_count",
                "created_by",
                "created_at",
                "updated_at",
                "first_submitted_at",
                "submitted_at",
            ],
            records=app_rows,
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
            records=submission_rows,
        )
        await connection.execute("ANALYZE")
        return manager_id
    finally:
        await connection.close()


async def floor(dsn: str, rows: int) -> float:
    """COPY of ``rows`` assignment-shaped rows into a scratch table, in one transaction."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS scratch_assignments (id uuid PRIMARY KEY, "
            "application_id uuid, evaluator_id uuid, status varchar(32), source varchar(32), "
            "assigned_by uuid, assigned_at timestamptz, version int)"
        )
        await connection.execute("TRUNCATE scratch_assignments")
        now = datetime.now(UTC)
        records = [
            (uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "pending", "auto", None, now, 1)
            for _ in range(rows)
        ]
        started = time.perf_counter()
        async with connection.transaction():
            await connection.copy_records_to_table("scratch_assignments", records=records)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def reset(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("DELETE FROM assignments; DELETE FROM evaluator_conflicts")
        await connection.execute("VACUUM ANALYZE assignments, evaluator_conflicts")
    finally:
        await connection.close()


async def check(dsn: str, applications: int) -> tuple[int, int, int]:
    connection = await asyncpg.connect(dsn)
    try:
        conflicted = await connection.fetchval(
            "SELECT count(*) FROM assignments a JOIN evaluator_conflicts c "
            "USING (application_id, evaluator_id)"
        )
        short = await connection.fetchval(
            "SELECT count(*) FROM (SELECT a.id FROM applications a LEFT JOIN assignments s "
            "ON s.application_id = a.id GROUP BY a.id HAVING count(s.id) < $1) x",
            PER_APPLICATION,
        )
        conflicts = await connection.fetchval("SELECT count(*) FROM evaluator_conflicts")
        return int(conflicted), int(short), int(conflicts)
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--evaluators", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL", LOCAL_SERVER)
    url = with_database(server, DATABASE)
    await _recreate(server, DATABASE)
    try:
        await asyncio.to_thread(upgrade, url)
        rng = random.Random(20261125)
        started = time.perf_counter()
        manager_id = await seed(url, args.applications, args.evaluators, rng)
        print(
            f"seeded {args.applications} applications, {args.evaluators} evaluators "
            f"in {time.perf_counter() - started:.1f} s"
        )
        registry = load_registry()
        engine = create_async_engine(as_asyncpg_url(url))
        factory = build_session_factory(engine)
        principal = Principal(
            user_id=manager_id,
            email="manager@bench.example",
            display_name="manager",
            staff_roles=frozenset({"programme_manager"}),
        )
        timings, floors = [], []
        result: Any = None
        for run in range(args.runs):
            if run:
                await reset(url)
            floors.append(await floor(url, args.applications * PER_APPLICATION))
            async with factory() as session:
                started = time.perf_counter()
                result = await auto_assign(
                    UserContext.of(session, principal, now=datetime.now(UTC), guidelines=registry),
                    AutoAssignRequest(call="demo", funding_line="stationary", seed=run),
                )
                timings.append(time.perf_counter() - started)
            print(f"run {run + 1}: service {timings[-1]:.2f} s, COPY floor {floors[-1]:.3f} s")
        await engine.dispose()
        conflicted, short, conflicts = await check(url, args.applications)
        pairs = args.applications * args.evaluators
        median = statistics.median(timings)
        floor_median = statistics.median(floors)
        print()
        print(f"applications × evaluators     {args.applications} × {args.evaluators}")
        print(f"conflicting pairs             {conflicts} ({conflicts / pairs:.1%})")
        print(f"assignments written           {result.added}")
        print(
            f"auto_assign end to end        {median:.2f} s median of {args.runs} "
            f"(target ≤ {TARGET_SECONDS:.0f} s: {'met' if median <= TARGET_SECONDS else 'NOT met'})"
        )
        print(
            f"baseline: COPY of {result.added} rows  {floor_median:.3f} s "
            f"(service = {median / floor_median:.0f} × the floor)"
        )
        print(
            f"load per evaluator            min {result.loads.minimum}, max "
            f"{result.loads.maximum}, mean {result.loads.mean} (even ±1: "
            f"{'yes' if result.loads.maximum - result.loads.minimum <= 1 else 'NO'})"
        )
        print(f"shortfalls                    {len(result.shortfalls)}")
        print(f"checks: conflicted pairs assigned {conflicted}, applications short {short}")
        if conflicted or short:
            raise SystemExit(1)
    finally:
        if not args.keep:
            await _drop(server, DATABASE)


if __name__ == "__main__":
    asyncio.run(main())
