"""Many drafted approvals on one funding line, for tests that release them concurrently or
in bulk on a committed database: one application is taken through the whole procedure over
HTTP (``decided_call``), its budget set and one approval drafted over HTTP, then application
and draft are cloned straight into the tables (new ids, reference numbers ``<orig>-K001`` …;
everything else byte for byte). ``tests/concurrency/test_budget_commitments.py`` explains why
nothing else needs cloning: a release reads no other row of the application."""

import dataclasses
import uuid
from decimal import Decimal

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from grants.applications.tables import applications_table
from grants.awards.tables import decisions_table
from tests.awards_factories import approval, budgets, decided_call
from tests.fakes import FakeClock


@dataclasses.dataclass(frozen=True)
class Prepared:
    manager: dict[str, str]
    etag: str
    application_ids: list[uuid.UUID]  # the original first, then its clones
    decision_ids: list[uuid.UUID]  # the draft of each, in the same order


async def cloned_drafts(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    clock: FakeClock,
    *,
    count: int,
    year: int,
    amount: Decimal,
    budget: Decimal,
) -> Prepared:
    """``count`` drafts approving ``amount`` in fiscal ``year`` on A's line, whose budget for
    that year (programme, call and line alike) is ``budget``."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        call = await decided_call(client, session, clock)
    manager, original = call["manager"], uuid.UUID(call["apps"]["A"]["id"])
    await budgets(client, manager, {year: str(budget)})
    draft = await client.post(
        f"/api/applications/{original}/decisions",
        json=approval(instalments=[{"fiscal_year": year, "amount": str(amount)}]),
        headers=manager,
    )
    assert draft.status_code == 201, draft.text
    assert draft.json()["max_amount"] == str(amount)

    _a, _d = applications_table, decisions_table
    draft_id = uuid.UUID(draft.json()["id"])
    async with engine.begin() as connection:
        app = (await connection.execute(sa.select(_a).where(_a.c.id == original))).one()
        decision = (await connection.execute(sa.select(_d).where(_d.c.id == draft_id))).one()
        app_values = {k: v for k, v in app._mapping.items() if k != "search"}  # trigger's
        decision_values = dict(decision._mapping)
        clones = [
            {
                **app_values,
                "id": uuid.uuid4(),
                "reference_number": f"{app.reference_number}-K{n:03}",
            }
            for n in range(1, count)
        ]
        drafts = [
            {**decision_values, "id": uuid.uuid4(), "application_id": clone["id"]}
            for clone in clones
        ]
        if clones:
            await connection.execute(sa.insert(_a), clones)
            await connection.execute(sa.insert(_d), drafts)
    return Prepared(
        manager=manager,
        etag=draft.headers["etag"],
        application_ids=[original, *(clone["id"] for clone in clones)],
        decision_ids=[draft_id, *(d["id"] for d in drafts)],
    )
