"""The ranking's per-process cache: a page of an unchanged call comes from memory, and any
change to what the ranking reads — a row of any of its tables, even an UPDATE that changes
nothing — is seen by the next request. Against the naive variant (a cache that trusts
itself), the same test finds the stale ranking."""

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.evaluation.ranking import cache as ranking_cache
from grants.evaluation.ranking import service as rankings
from grants.evaluation.ranking.cache import INPUT_TABLES, inputs_fingerprint
from tests.api.evaluation.scoring_helpers import assign, ranked_call, submitted_sheet
from tests.fakes import FakeClock

PARAMS = {"call": "demo", "funding_line": "mobile"}


@pytest.fixture
async def call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    ranking_cache.CACHE.clear()
    return await ranked_call(client, db_session, clock)


def test_the_fingerprint_covers_every_table_the_ranking_reads() -> None:
    sql = rankings.scores_query(("K1",)) + rankings.COUNTED_ASSIGNMENT
    read = set(re.findall(r"(?:FROM|JOIN)\s+([a-z_]+)", sql))
    assert read == {"applications", *INPUT_TABLES}


async def _fingerprint(db_session: AsyncSession) -> tuple[str, ...]:
    async with db_session.begin():
        guideline = await db_session.scalar(
            sa.text("SELECT guideline_id FROM applications WHERE call_code = 'demo' LIMIT 1")
        )
        return await inputs_fingerprint(db_session, str(guideline), "demo")


@pytest.mark.parametrize("table", ["applications", *INPUT_TABLES])
async def test_an_update_that_changes_nothing_still_changes_the_fingerprint(
    db_session: AsyncSession, call: dict[str, Any], table: str
) -> None:
    a = call["apps"]["A"]["id"]
    key = "id" if table == "applications" else "application_id"
    async with db_session.begin():
        present = await db_session.scalar(
            sa.text(f"SELECT count(*) FROM {table} WHERE {key} = :a"),  # noqa: S608
            {"a": a},
        )
        if not present:  # the fixture has no jury decision: write one to change
            await db_session.execute(
                sa.text(
                    "INSERT INTO jury_decisions (application_id, recommendation, reason, "
                    "decided_by, decided_at, version, counted_evaluations, "
                    "required_evaluations) "
                    "SELECT :a, 'recommended', 'x', id, now(), 1, 3, 3 FROM users LIMIT 1"
                ),
                {"a": a},
            )
    before = await _fingerprint(db_session)
    async with db_session.begin():
        # Append-only tables refuse it: as a superuser would, behind the triggers' back.
        await db_session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        await db_session.execute(
            sa.text(f"UPDATE {table} SET {key} = {key} WHERE {key} = :a"),  # noqa: S608
            {"a": a},
        )
        await db_session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    assert await _fingerprint(db_session) != before


@pytest.mark.parametrize("variant", ["checked", "naive"])
async def test_the_next_page_shows_a_new_score_sheet(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    call: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    variant: str,
) -> None:
    if variant == "naive":

        async def trusting(*_: object) -> tuple[str, ...]:
            return ("same",)

        monkeypatch.setattr(rankings, "inputs_fingerprint", trusting)
    manager, d = call["manager"], call["apps"]["D"]["id"]

    async def evaluations_of_d() -> int:
        response = await client.get("/api/evaluation/rankings", params=PARAMS, headers=manager)
        assert response.status_code == 200, response.text
        [line] = response.json()["lines"]
        return next(e["evaluations"] for e in line["entries"] if e["application_id"] == d)

    assert await evaluations_of_d() == 0
    assert await evaluations_of_d() == 0  # from the cache
    for _, evaluator_id in call["evaluators"][:3]:
        assignment = await assign(db_session, d, evaluator_id)
        await submitted_sheet(db_session, assignment, d, evaluator_id, 4)
    if variant == "checked":
        assert await evaluations_of_d() == 3
    else:
        assert await evaluations_of_d() == 0  # stale: what the check is there to prevent
