"""Release benchmark: decisions released per second against one funding line's budget
(contended) and spread over 50 funding lines, measured in the same run, through the real
release service.

    .venv/bin/python bench/release_bench.py [--releases 500] [--concurrency 20] [--runs 3]

Every release is ``grants.awards.decisions.service.release`` on a session of its own (one
pool connection, ``--concurrency`` of them at once, one asyncio task each), as the route
calls it: the application's row lock, the checks, ``ledger.commit_funds`` (the row lock on
the line's budget row for the year, the ledger's sum, the check, the commitment row), the
fixed decision, the lifecycle step to ``approved`` (history, outbox e-mail) and the two
audit entries, in one transaction. The HTTP layer (token check, JSON) is left
out: it costs both cases the same and would only blur what the lock costs.

- **contended**: all ``--releases`` drafts on one line (call ``k<run>``, line ``mobile``),
  whose 2028 budget holds exactly all of them: every release succeeds, the last one takes
  the last euro. They queue on that line's budget row.
- **spread**: as many drafts, dealt round-robin over 50 lines (calls ``s<run>-01`` to
  ``s<run>-25`` × lines ``stationary`` and ``mobile``), each line's budget holding exactly
  its share: releases on different lines never wait for each other's budget row.

The lines are real ones of a guideline registry the bench builds from the shipped one (the
demo call copied under those codes, both lines offered), so every application's guideline,
call and line exist. Each run uses keys of its own (a fresh budget row and an empty ledger
per line), the order of the two cases alternates from run to run, and every figure is the
median over the runs, after a warm-up of 100 releases on keys of their own.

Seeding (COPY, asyncpg ``copy_records_to_table``): one applicant organisation and its user,
one programme manager (created through ``create_staff_user``, as the CLI does), per release
one application in ``application_check`` with its own reference number and one draft
approval of 10,000.00 in fiscal year 2028 (the content in the shape ``compose`` writes:
guideline, application, recipient, reasons, categories, figures, period, instalments,
ANBest, legal remedy; synthetic — the release reads only the instalments and the reference
number from it, and hashes all of it), budgets at the programme, call and line levels (each
the sum of the level below), then ANALYZE.

While a case runs, a separate connection samples ``pg_stat_activity`` every 20 ms and the
bench prints where the releasing connections were on average: waiting for a row lock (the
budget row: the contended case's queue), waiting for an advisory lock (until migration 0034
the audit chain's, one for the whole database; none since), in a transaction waiting for
Python (the releasing process is busy), or idle. That says which lock, if any, limits the figure.

The database ``grants_bench_release`` on ``BENCH_DATABASE_URL`` / ``TEST_DATABASE_URL`` (a
server URL; default postgresql://postgres@127.0.0.1:5432/postgres) is dropped, created and
migrated on every start, and dropped at the end (``--keep-database`` keeps it). After the
runs the bench checks that no update was lost: per case, the ledger's commitments on its
lines sum to the number of successful releases × 10,000.00, one row per released decision,
and no line's committed sum exceeds its budget.

Nothing asserts on time; the machine is shared, compare the ratio of the same run.
"""

import argparse
import asyncio
import contextlib
import copy
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from grants.accounts.service import create_staff_user
from grants.awards.decisions.service import release
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.actors import Actor
from grants.core.budget import BudgetExceeded
from grants.core.roles import StaffRole
from grants.db import migrate
from grants.db.engine import build_session_factory
from grants.guidelines.loader import LoadedGuideline, content_hash
from grants.guidelines.registry import GuidelineRegistry, load_registry
from grants.settings import as_asyncpg_url

DATABASE = "grants_bench_release"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PROGRAMME = "frl-lifd"
LINES = ("stationary", "mobile")
SPREAD_CALLS = 25  # × 2 lines = 50 line keys
YEAR = 2028
AMOUNT = Decimal("10000.00")
WARMUP = 100
TARGET_RATIO = 5.0
MANAGER_EMAIL = "bench.manager@sab.example"
MANAGER_NAME = "Bench Programmverantwortliche"


@dataclass(frozen=True)
class Key:
    call_code: str
    funding_line: str


@dataclass
class Case:
    name: str  # "contended" | "spread" | "warm-up"
    run: int
    keys: list[Key]
    decisions: list[uuid.UUID] = field(default_factory=list)  # in the order they are released
    per_key: Counter[Key] = field(default_factory=Counter)


@dataclass
class Result:
    case: Case
    seconds: float
    outcomes: Counter[str]
    latencies_ms: list[float]
    errors: list[str]
    waits: dict[str, float]  # mean number of connections per state (pg_stat_activity)

    @property
    def rate(self) -> float:
        return len(self.case.decisions) / self.seconds


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def plan(releases: int, runs: int) -> list[Case]:
    """The warm-up, then per run both cases (alternating which comes first)."""
    warmup = Case("warm-up", 0, [Key(f"w-{i:02}", line) for i in range(1, 6) for line in LINES])
    cases = [warmup]
    for run in range(1, runs + 1):
        contended = Case("contended", run, [Key(f"k{run}", "mobile")])
        spread_keys = [
            Key(f"s{run}-{i:02}", line) for i in range(1, SPREAD_CALLS + 1) for line in LINES
        ]
        spread = Case("spread", run, spread_keys)
        cases += [contended, spread] if run % 2 else [spread, contended]
    for case in cases:
        count = WARMUP if case.name == "warm-up" else releases
        for i in range(count):
            case.per_key[case.keys[i % len(case.keys)]] += 1
    return cases


def bench_registry(cases: Sequence[Case]) -> GuidelineRegistry:
    """The shipped guidelines with the demo call copied under every call code the cases
    use (both lines offered): the content hash is that of the changed document."""
    codes = sorted({key.call_code for case in cases for key in case.keys})
    loaded = []
    for item in load_registry().loaded():
        if item.guideline.id != PROGRAMME:
            loaded.append(item)
            continue
        document = copy.deepcopy(dict(item.document))
        [entry] = [c for c in document["calls"] if c["code"] == "demo"]
        document["calls"] = [{**entry, "code": code, "lines": list(LINES)} for code in codes]
        demo = item.guideline.call("demo")
        assert demo is not None
        calls = tuple(replace(demo, code=code, lines=LINES) for code in codes)
        guideline = replace(item.guideline, calls=calls, content_hash=content_hash(document))
        loaded.append(LoadedGuideline(guideline, document))
    return GuidelineRegistry(loaded)


def decision_content(
    registry: GuidelineRegistry, reference: str, key: Key, organisation: dict[str, Any]
) -> dict[str, Any]:
    """A draft approval's content in the shape ``compose`` writes (synthetic figures)."""
    guideline = registry.get(PROGRAMME)
    assert guideline is not None
    grant, costs = AMOUNT, (AMOUNT / Decimal("0.8")).quantize(Decimal("0.01"))
    rule = {
        "rule": "de_minimis",
        "outcome": "pass",
        "section": "FRL LIfD Nr. IV.3",
        "title": {"de": "De-minimis-Beihilfe", "en": "De minimis aid"},
        "message": {"de": "Der Höchstbetrag wird eingehalten.", "en": "Within the ceiling."},
        "facts": {"prior_aid": "0.00", "ceiling": "300000.00"},
    }
    return {
        "kind": "approval",
        "guideline": {
            "id": guideline.id,
            "version": guideline.version,
            "hash": guideline.content_hash,
        },
        "legal_bases": [
            {"de": b.de, "en": b.en, "verified": b.verified} for b in guideline.legal_bases
        ],
        "application": {
            "reference_number": reference,
            "title": "MakerSpace Erzgebirge",
            "submission_number": 1,
            "received_at": "2027-05-02T10:00:00+02:00",
            "call": key.call_code,
            "funding_line": key.funding_line,
        },
        "recipient": organisation,
        "reasons": [],
        "discretion": "",
        "proposed_reasons": [],
        "jury_recommendation": "recommended",
        "legal_remedy": {
            "authority": None,
            "period": "ein Monat nach Bekanntgabe (one month after notification)",
            "form": "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe "
            "Widerspruch erhoben werden.",
            "basis": "§§ 68, 70 VwGO; § 3a Abs. 2 VwVfG",
        },
        "subsidy_relevant_facts": {"key": "subsidy_relevant_facts", "items": ["Kosten"] * 6},
        "assumptions": ["Aktenzeichen: Eingangsnummer/B{laufende Nummer}"],
        "financing": {
            "type": "Projektförderung",
            "form": "Zuschuss",
            "financing": "Anteilfinanzierung",
        },
        "purpose": {
            "title": "MakerSpace Erzgebirge",
            "summary": "Offene Werkstatt mit digitaler Fertigung, Kursen und Beratung. " * 8,
        },
        "categories": [
            {
                "category": "equipment",
                "label": {"de": "Ausstattung", "en": "Equipment"},
                "requested_cost": str(costs),
                "guideline_rate": "0.80",
                "approved_cost": str(costs),
                "approved_rate": "0.80",
                "grant": str(grant),
                "deviation": False,
                "deviation_reason": "",
            }
        ],
        "figures": {
            "requested_grant": str(grant),
            "uncapped": str(grant),
            "cap": "400000.00",
            "cap_applied": False,
            "max_amount": str(grant),
            "total_costs": str(costs),
            "third_party_funds": "0.00",
        },
        "approval_period": {"start": "2028-01-01", "end": "2028-12-31"},
        "instalments": [{"fiscal_year": YEAR, "amount": str(grant)}],
        "anbest": {"set": "ANBest-P", "reason": "nonprofit"},
        "special_conditions": [],
        "state_aid": rule,
        "early_start": {**rule, "rule": "not_started_before_receipt"},
        "decision_date_judged": "2027-12-01",
    }


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


async def drop(server: str) -> None:
    admin = await asyncpg.connect(dsn(database_url(server, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_manager(url: str, registry: GuidelineRegistry) -> Principal:
    engine = create_async_engine(as_asyncpg_url(url), pool_size=1)
    try:
        async with AsyncSession(engine) as session:
            ctx = Context(
                session=session,
                actor=Actor.system("bench"),
                now=datetime.now(UTC),
                guidelines=registry,
            )
            user_id, _ = await create_staff_user(
                ctx,
                email=MANAGER_EMAIL,
                display_name=MANAGER_NAME,
                password="Bewilligung-Sachsen-Bench-2026",
                roles=[StaffRole.PROGRAMME_MANAGER],
            )
    finally:
        await engine.dispose()
    return Principal(
        user_id=user_id,
        email=MANAGER_EMAIL,
        display_name=MANAGER_NAME,
        staff_roles=frozenset({StaffRole.PROGRAMME_MANAGER.value}),
    )


async def seed(
    url: str, cases: Sequence[Case], registry: GuidelineRegistry, manager: uuid.UUID
) -> None:
    now = datetime.now(UTC)
    organisation, applicant = uuid.uuid4(), uuid.uuid4()
    recipient = {
        "legal_name": "KulturWerk Schneeberg e.V.",
        "legal_form": "eingetragener Verein",
        "applicant_type": "nonprofit",
        "street": "Markt 1",
        "postal_code": "08289",
        "city": "Schneeberg",
        "municipality_key": "14521530",
    }
    applications, decisions, budgets = [], [], []
    number = 0
    for case in cases:
        for position in range(sum(case.per_key.values())):
            key = case.keys[position % len(case.keys)]
            number += 1
            application, decision = uuid.uuid4(), uuid.uuid4()
            reference = f"LIfD-{key.call_code}-{key.funding_line[0].upper()}-{number:06d}"
            applications.append(
                (
                    application,
                    organisation,
                    PROGRAMME,
                    key.call_code,
                    key.funding_line,
                    "application_check",
                    reference,
                    "MakerSpace Erzgebirge",
                    "14521530",
                    AMOUNT,
                    "{}",
                    3,
                    1,
                    applicant,
                    now,
                    now,
                    now,
                    now,
                )
            )
            content = decision_content(registry, reference, key, recipient)
            decisions.append(
                (
                    decision,
                    application,
                    1,
                    "approval",
                    "draft",
                    json.dumps(content),
                    AMOUNT,
                    1,
                    manager,
                    now,
                    now,
                    "",
                )
            )
            case.decisions.append(decision)
    # Budgets: each line exactly its drafts; a call the sum of its lines, the programme the
    # sum of its calls (as the budget service keeps them nested).
    per_call: Counter[str] = Counter()
    for case in cases:
        for key, count in case.per_key.items():
            budgets.append((key.call_code, key.funding_line, AMOUNT * count))
            per_call[key.call_code] += count
    budgets += [(call, "", AMOUNT * count) for call, count in per_call.items()]
    budgets.append(("", "", AMOUNT * sum(per_call.values())))
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.copy_records_to_table(
            "users",
            columns=["id", "email", "display_name", "is_active", "created_at", "updated_at"],
            records=[(applicant, "anna@kulturwerk.example", "Anna Beispiel", True, now, now)],
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
                    recipient["legal_name"],
                    recipient["legal_form"],
                    recipient["applicant_type"],
                    recipient["street"],
                    recipient["postal_code"],
                    recipient["city"],
                    recipient["municipality_key"],
                    1,
                    now,
                    now,
                )
            ],
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
            "decisions",
            columns=[
                "id",
                "application_id",
                "number",
                "kind",
                "status",
                "content",
                "max_amount",
                "version",
                "drafted_by",
                "drafted_at",
                "updated_at",
                "official_name",
            ],
            records=decisions,
        )
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
                    YEAR,
                    amount,
                    Decimal("0.00"),
                    1,
                    manager,
                    now,
                )
                for call, line, amount in budgets
            ],
        )
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()


# Where the bench's connections are, sampled from pg_stat_activity while a case runs.
WAITS_SQL = """
SELECT CASE
    WHEN state = 'idle' THEN 'idle (between releases)'
    WHEN state LIKE 'idle in transaction%' THEN 'in transaction, waiting for Python'
    WHEN wait_event_type = 'Lock' AND wait_event = 'advisory' THEN 'waiting: audit-chain lock'
    WHEN wait_event_type = 'Lock' THEN 'waiting: row lock (' || wait_event || ')'
    WHEN wait_event_type IS NULL THEN 'running in PostgreSQL'
    ELSE 'waiting: ' || wait_event_type || '/' || wait_event
END AS what, count(*) AS n
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend'
  AND pid <> pg_backend_pid()
GROUP BY 1
"""
SAMPLE_EVERY = 0.02


async def sample_waits(url: str, into: Counter[str], stop: asyncio.Event) -> int:
    """Add each sample's connection count per state to ``into`` until ``stop``; returns the
    number of samples (so ``into[what] / samples`` is the mean number of connections)."""
    connection = await asyncpg.connect(dsn(url))
    samples = 0
    try:
        while not stop.is_set():
            for row in await connection.fetch(WAITS_SQL):
                into[row["what"]] += row["n"]
            samples += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)
    finally:
        await connection.close()
    return samples


async def run_case(
    url: str,
    factory: Any,
    principal: Principal,
    registry: GuidelineRegistry,
    case: Case,
    concurrency: int,
) -> Result:
    pending = iter(case.decisions)  # shared by the workers: each draft released once
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []

    async def worker() -> None:
        for decision_id in pending:
            began = time.perf_counter()
            async with factory() as session:
                ctx = UserContext.of(session, principal, now=datetime.now(UTC), guidelines=registry)
                try:
                    await release(ctx, decision_id, if_match='"1"')
                    outcomes["released"] += 1
                except BudgetExceeded:
                    outcomes["budget-exceeded"] += 1
                except Exception as error:
                    outcomes[type(error).__name__] += 1
                    errors.append(f"{decision_id}: {error!r}")
            latencies.append((time.perf_counter() - began) * 1000)

    waits: Counter[str] = Counter()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_waits(url, waits, stop))
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    stop.set()
    samples = await sampler
    mean = {what: n / max(samples, 1) for what, n in waits.most_common()}
    return Result(case, seconds, outcomes, latencies, errors, mean)


async def verify(url: str, result: Result) -> tuple[bool, str]:
    """No lost update: the case's lines hold exactly one commitment per released decision,
    summing to releases × amount, and none holds more than its budget."""
    case = result.case
    calls = sorted({k.call_code for k in case.keys})
    connection = await asyncpg.connect(dsn(url))
    try:
        released = await connection.fetchval(
            "SELECT count(*) FROM decisions WHERE id = ANY($1::uuid[]) AND status = 'released'",
            case.decisions,
        )
        rows = await connection.fetch(
            "SELECT l.call_code, l.funding_line, count(*) AS n, sum(l.amount) AS committed, "
            "count(DISTINCT l.decision_id) AS decisions, min(b.cash_appropriation "
            "+ b.commitment_authorisation) AS budget "
            "FROM ledger_entries l JOIN budgets b ON (b.guideline_id, b.call_code, "
            "b.funding_line, b.fiscal_year) = (l.guideline_id, l.call_code, l.funding_line, "
            "l.fiscal_year) WHERE l.kind = 'commitment' AND l.call_code = ANY($1::text[]) "
            "GROUP BY l.call_code, l.funding_line",
            calls,
        )
    finally:
        await connection.close()
    successes = result.outcomes["released"]
    committed = sum((r["committed"] for r in rows), Decimal("0"))
    entries = sum(r["n"] for r in rows)
    distinct = sum(r["decisions"] for r in rows)
    over = [f"{r['call_code']}/{r['funding_line']}" for r in rows if r["committed"] > r["budget"]]
    ok = (
        committed == successes * AMOUNT
        and entries == distinct == successes == released
        and not over
    )
    text = (
        f"{case.name} run {case.run}: {successes} released, {released} decisions released, "
        f"{entries} commitment rows on {len(rows)} line(s) summing to {committed:,.2f} "
        f"= {successes} × {AMOUNT:,.2f}: {'yes' if committed == successes * AMOUNT else 'NO'}"
        f"; over budget: {', '.join(over) or 'none'} -> {'no lost update' if ok else 'LOST UPDATE'}"
    )
    return ok, text


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(url: str, args: argparse.Namespace) -> None:
    cases = plan(args.releases, args.runs)
    registry = bench_registry(cases)
    principal = await create_manager(url, registry)
    began = time.perf_counter()
    await seed(url, cases, registry, principal.user_id)
    total = sum(len(c.decisions) for c in cases)
    print(
        f"seeded {total:,} applications with draft decisions in {time.perf_counter() - began:.1f} s"
    )
    engine = create_async_engine(as_asyncpg_url(url), pool_size=args.concurrency, max_overflow=0)
    factory = build_session_factory(engine)
    results: list[Result] = []
    try:
        for case in cases:
            result = await run_case(url, factory, principal, registry, case, args.concurrency)
            results.append(result)
            print(
                f"{case.name:<9} run {case.run}: {len(case.decisions):>5} releases on "
                f"{len(case.keys):>2} line(s) in {result.seconds:6.2f} s = "
                f"{result.rate:7.1f} releases/s  p50 {percentile(result.latencies_ms, 0.5):6.1f} ms"
                f"  p99 {percentile(result.latencies_ms, 0.99):6.1f} ms  {dict(result.outcomes)}"
            )
            print(
                "          connections: "
                + ", ".join(f"{what} {n:.1f}" for what, n in result.waits.items())
            )
            for error in result.errors[:3]:
                print(f"  error: {error}")
    finally:
        await engine.dispose()

    print()
    lost = False
    for result in results:
        ok, text = await verify(url, result)
        lost |= not ok
        print("check:", text)
    measured = [r for r in results if r.case.name != "warm-up"]
    contended = median([r.rate for r in measured if r.case.name == "contended"])
    spread = median([r.rate for r in measured if r.case.name == "spread"])
    ratio = spread / contended
    print()
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {args.concurrency} "
        f"concurrent releases (one pool connection each, {args.loop} loop), {args.releases} "
        f"releases per case, median of {args.runs} runs"
    )
    print(f"{'case':<42} {'releases/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
    for name, rate, label in (
        ("contended", contended, "contended: 1 line's budget (all succeed)"),
        ("spread", spread, "spread: 50 lines' budgets (all succeed)"),
    ):
        latencies = [v for r in measured if r.case.name == name for v in r.latencies_ms]
        print(
            f"{label:<42} {rate:>11.1f} {percentile(latencies, 0.5):>8.1f} "
            f"{percentile(latencies, 0.99):>8.1f}"
        )
    for name in ("contended", "spread"):
        states: Counter[str] = Counter()
        runs = [r for r in measured if r.case.name == name]
        for r in runs:
            states.update({what: n / len(runs) for what, n in r.waits.items()})
        print(
            f"{name} — where the {args.concurrency} connections were (mean): "
            + ", ".join(f"{what} {n:.1f}" for what, n in states.most_common())
        )
    print(f"spread / contended: {ratio:.2f}×")
    print(
        f"target (issue 13): spread ≥ {TARGET_RATIO:.0f}× contended, no lost update: measured "
        f"{ratio:.2f}×, {'an update was LOST' if lost else 'no lost update'} -> "
        f"{'met' if ratio >= TARGET_RATIO and not lost else 'NOT met'} (reported, not asserted)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--releases", type=int, default=500, help="per case and run")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="event loop of the releasing process (uvloop, as the server runs; else asyncio)",
    )
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    server = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or DEFAULT_SERVER
    )

    async def go() -> None:
        url = await prepare(server)
        print(f"database: {DATABASE} on {make_url(server).render_as_string()} (recreated)")
        try:
            await measure(url, args)
        finally:
            if not args.keep_database:
                await drop(server)

    if args.loop == "uvloop":
        import uvloop

        uvloop.run(go())
    else:
        asyncio.run(go())


if __name__ == "__main__":
    main()
