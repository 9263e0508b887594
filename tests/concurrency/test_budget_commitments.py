"""200 concurrent releases against a line's budget that fits exactly 50, with real commits:
exactly 50 bind their money, the other 150 get a clear 409 naming the fiscal year, and the
line's committed sum ends at the budget, never above. The same harness, with the ledger's
row lock replaced by a naive read-check-write, finds the over-commit: the test can catch the
bug it guards against.

**What is built, what is cloned, and why the release under test is the real one.** One
application is taken through the whole procedure over HTTP (``tests.awards_factories.
decided_call``: registration, submission, formal check, score sheets, jury, invitation,
formal application, application check), its budget is set level by level over HTTP, and one
approval draft is composed for it over HTTP (``POST /api/applications/{id}/decisions``: the
real ``compose`` with its snapshot, verdict and organisation). Going through all of that 200
times would take many minutes, so the test then clones (``tests.awards_clones``), straight
into the tables in one committed transaction (the rows read back and inserted with new keys):

- the application row 199 times (new id, reference number ``<original>-K001`` …, so every
  release gets its own file reference; every other column as it is: organisation, guideline,
  call, line, state ``application_check``, version, creator), and
- the draft decision row once per clone (new id, the clone's application id; kind, status
  ``draft``, version, content and maximum amount byte for byte those of the draft the API
  composed — its content still names the original's reference number, which only the
  status history's reason quotes).

Nothing else is cloned, because nothing else is read: ``release`` locks the application
row and the decision row, reads the programme's settings, the official's § 20 findings for
the application (none for the clones, as for the original), the decision's instalments, and
through ``apply_transition`` the applicant's e-mail address; it writes the ledger row, the
fixed decision, the new state, the status history, the outbox e-mail and two audit entries.
The releases are 200 real ``POST /api/decisions/{id}/release`` requests (one manager's
token, If-Match of the draft) through the whole app on a pool of 20 connections: the HTTP
layer, the service, ``ledger.commit_funds`` and the database's locks are the production ones.

Each test runs in a database of its own (``committed_database_url``: created, migrated and
dropped after the test), so nothing committed here outlives it or meets another test.
"""

import asyncio
import dataclasses
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from grants.app import create_app
from grants.applications.tables import applications_table
from grants.audit.verify import verify_audit_log
from grants.awards import ledger
from grants.awards.tables import budgets_table, decisions_table, ledger_table
from grants.context import Context
from grants.core.budget import YearBudget, check_commitment
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.settings import as_asyncpg_url
from tests.awards_clones import Prepared, cloned_drafts
from tests.awards_factories import PROGRAMME
from tests.conftest import client_for, make_settings
from tests.evaluation_factories import DEMO_OPEN_FOR, registry_closing_at
from tests.fakes import FakeClock

# Drafts name a municipality: the committed database needs the register (first start).
pytestmark = pytest.mark.usefixtures("committed_register")

RELEASES = 200
FITS = 50
YEAR = 2028
AMOUNT = Decimal("600000.00")  # application A as applied for, all in one fiscal year
BUDGET = AMOUNT * FITS  # the line's 2028: exactly 50 releases fit
LINE = ledger.LineKey(PROGRAMME, "demo", "mobile")  # where decided_call puts A
POOL = 20
REAL_COMMIT_FUNDS = ledger.commit_funds
# The naive variant's pause between reading the sum and writing the commitment: it stands
# for the work a real release does in between (a letter, a check against other systems),
# and makes the concurrent transactions on the pool read the same sum, as they would when
# the timing is unlucky. 50 ms is long against one release's few milliseconds.
NAIVE_PAUSE = 0.05


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(
        as_asyncpg_url(committed_database_url), pool_size=POOL, max_overflow=0
    )
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def committed_client(
    committed_database_url: str, committed_engine: AsyncEngine, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    # The formal check comes after the call's deadline: a demo call closing in seconds.
    app: Litestar = create_app(
        make_settings(committed_database_url, database_pool_size=POOL),
        session_factory=build_session_factory(committed_engine),
        read_session_factory=build_read_session_factory(committed_engine),
        configure_logs=False,
        clock=clock,
        guidelines=registry_closing_at(clock.current + DEMO_OPEN_FOR),
    )
    async with client_for(app) as client:
        yield client


@dataclasses.dataclass(frozen=True)
class Findings:
    """What 200 concurrent releases left behind, as the invariants are checked on it."""

    statuses: Counter[int]
    refusals: list[dict[str, Any]]  # the 409 problem bodies
    unexpected: list[str]  # any other answer, verbatim
    committed: Decimal  # the line's year: commitments − de-commitments in the ledger
    approved: int  # of the 200 applications
    released: int  # of the 200 decisions
    drafts: int
    commitments_per_released: Counter[int]  # number of commitment rows → how many decisions
    commitments_of_drafts: int
    released_audits: int
    audit_break: str | None  # the audit chain's first break, if any

    def violations(self) -> list[str]:
        """Every broken invariant of "committed ≤ budget, exactly what fits is released"."""
        found = []
        if self.committed > BUDGET:
            found.append(f"over-committed: {self.committed} > budget {BUDGET}")
        if self.committed != AMOUNT * self.statuses[200]:
            found.append(f"lost update: {self.statuses[200]} releases, {self.committed} bound")
        if self.statuses != Counter({200: FITS, 409: RELEASES - FITS}):
            found.append(f"statuses {dict(self.statuses)}, expected {FITS} × 200")
        if self.unexpected:
            found.append(f"unexpected answers: {self.unexpected[:3]}")
        if any(
            not p["type"].endswith("budget-exceeded")
            or p.get("fiscal_year") != YEAR
            or str(YEAR) not in p["detail"]
            for p in self.refusals
        ):
            found.append("a refusal is not a budget-exceeded naming the fiscal year")
        if (self.approved, self.released, self.drafts) != (FITS, FITS, RELEASES - FITS):
            found.append(
                f"{self.approved} approved, {self.released} released, {self.drafts} drafts"
            )
        if self.commitments_per_released != Counter({1: self.released}):
            found.append(f"commitment rows per released decision: {self.commitments_per_released}")
        if self.commitments_of_drafts:
            found.append(f"{self.commitments_of_drafts} commitments of unreleased drafts")
        if self.released_audits != self.released:
            found.append(f"{self.released_audits} decision_released audit entries")
        if self.audit_break is not None:
            found.append(f"the audit chain breaks: {self.audit_break}")
        return found


async def _prepare(client: httpx.AsyncClient, engine: AsyncEngine, clock: FakeClock) -> Prepared:
    return await cloned_drafts(
        client, engine, clock, count=RELEASES, year=YEAR, amount=AMOUNT, budget=BUDGET
    )


async def _release_all(client: httpx.AsyncClient, prepared: Prepared) -> list[httpx.Response]:
    headers = {**prepared.manager, "If-Match": prepared.etag}

    async def release(decision_id: uuid.UUID) -> httpx.Response:
        return await client.post(f"/api/decisions/{decision_id}/release", headers=headers)

    return await asyncio.gather(*(release(d) for d in prepared.decision_ids))


async def _findings(
    engine: AsyncEngine, prepared: Prepared, responses: list[httpx.Response]
) -> Findings:
    _l, _a, _d = ledger_table, applications_table, decisions_table
    async with engine.connect() as connection:
        committed = await connection.scalar(
            sa.select(
                sa.func.coalesce(
                    sa.func.sum(
                        sa.case((_l.c.kind == "commitment", _l.c.amount), else_=-_l.c.amount)
                    ),
                    0,
                )
            ).where(
                _l.c.guideline_id == LINE.guideline_id,
                _l.c.call_code == LINE.call_code,
                _l.c.funding_line == LINE.funding_line,
                _l.c.fiscal_year == YEAR,
                _l.c.kind.in_(["commitment", "decommitment"]),
            )
        )
        states = Counter(
            (
                await connection.execute(
                    sa.select(_a.c.status).where(_a.c.id.in_(prepared.application_ids))
                )
            ).scalars()
        )
        decisions = Counter(
            (
                await connection.execute(
                    sa.select(_d.c.status).where(_d.c.id.in_(prepared.decision_ids))
                )
            ).scalars()
        )
        per_decision = (
            await connection.execute(
                sa.select(_d.c.status, sa.func.count(_l.c.id))
                .select_from(
                    _d.outerjoin(
                        _l, sa.and_(_l.c.decision_id == _d.c.id, _l.c.kind == "commitment")
                    )
                )
                .where(_d.c.id.in_(prepared.decision_ids))
                .group_by(_d.c.id, _d.c.status)
            )
        ).all()
        audits = await connection.scalar(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'decision_released'")
        )
    async with AsyncSession(engine) as session:
        broken = (await verify_audit_log(session)).first_break
    return Findings(
        statuses=Counter(r.status_code for r in responses),
        refusals=[r.json() for r in responses if r.status_code == 409],
        unexpected=[r.text for r in responses if r.status_code not in (200, 409)],
        committed=Decimal(committed or 0),
        approved=states["approved"],
        released=decisions["released"],
        drafts=decisions["draft"],
        commitments_per_released=Counter(n for status, n in per_decision if status == "released"),
        commitments_of_drafts=sum(n for status, n in per_decision if status != "released"),
        released_audits=int(audits or 0),
        audit_break=None if broken is None else str(broken),
    )


async def _race(client: httpx.AsyncClient, engine: AsyncEngine, clock: FakeClock) -> Findings:
    """Prepare 200 drafts on a line that fits 50, release all at once, report what is left."""
    prepared = await _prepare(client, engine, clock)
    responses = await _release_all(client, prepared)
    return await _findings(engine, prepared, responses)


async def naive_commit_funds(
    ctx: Context,
    *,
    key: ledger.LineKey,
    application_id: uuid.UUID,
    decision_id: uuid.UUID,
    instalments: Mapping[int, Decimal],
    reason: str,
) -> None:
    """``ledger.commit_funds`` without its row lock: read the budget and the sum, check,
    insert — the read-check-write race the lock exists to prevent. Everything else (the
    check, the rows written) is the real one's."""
    years = sorted(year for year, amount in instalments.items() if amount > 0)
    _b = budgets_table
    rows = await ctx.session.execute(
        sa.select(_b.c.fiscal_year, _b.c.cash_appropriation, _b.c.commitment_authorisation).where(
            _b.c.guideline_id == key.guideline_id,
            _b.c.call_code == key.call_code,
            _b.c.funding_line == key.funding_line,
            _b.c.fiscal_year.in_(years),
        )
        # no FOR UPDATE: the bug
    )
    found = {row.fiscal_year: YearBudget(*row) for row in rows}
    committed = await ledger.committed_by_year(ctx.session, key, years)
    await asyncio.sleep(NAIVE_PAUSE)  # the work between reading and writing (see above)
    check_commitment(
        {year: instalments[year] for year in years}, found, committed, line_label=key.label
    )
    await ctx.session.execute(
        sa.insert(ledger_table),
        [
            ledger.entry_values(
                ctx,
                ledger.Movement.COMMITMENT,
                key=key,
                application_id=application_id,
                decision_id=decision_id,
                fiscal_year=year,
                amount=instalments[year],
                reason=reason,
            )
            for year in years
        ],
    )


async def test_200_concurrent_releases_bind_exactly_what_the_budget_holds(
    committed_client: httpx.AsyncClient, committed_engine: AsyncEngine, clock: FakeClock
) -> None:
    assert ledger.commit_funds is REAL_COMMIT_FUNDS  # nothing patched: the row lock
    findings = await _race(committed_client, committed_engine, clock)
    assert findings.violations() == [], findings
    assert findings.committed == BUDGET
    assert findings.statuses == Counter({200: FITS, 409: RELEASES - FITS})
    refusal = findings.refusals[0]
    assert refusal["type"].endswith("budget-exceeded") and refusal["fiscal_year"] == YEAR
    assert refusal["free"] == "0.00" and refusal["needed"] == str(AMOUNT)
    assert "Haushaltsjahr 2028 reicht nicht" in refusal["detail"]


async def test_the_harness_catches_a_naive_read_check_write(
    committed_client: httpx.AsyncClient,
    committed_engine: AsyncEngine,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The service calls ``ledger.commit_funds`` through the module: this replaces it there.
    monkeypatch.setattr(ledger, "commit_funds", naive_commit_funds)  # grants.awards.ledger
    findings = await _race(committed_client, committed_engine, clock)
    assert findings.violations(), "the harness did not notice the race"
    assert findings.committed > BUDGET, findings
    assert findings.statuses[200] > FITS, findings
    # Everything else of the release held: the over-commit is the lock's absence alone.
    assert findings.committed == AMOUNT * findings.statuses[200]
    assert findings.unexpected == [] and findings.audit_break is None
