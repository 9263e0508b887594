"""The ranking's one query on PostgreSQL: only submitted sheets of active, conflict-free
assignments count; withdrawn applications drop out; scores arrive in rubric order; the
proposal for a decision follows the funding line; an application without a submitted
version is not ranked."""

from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from grants.evaluation.ranking import service as rankings
from grants.guidelines.registry import load_registry
from tests.api.evaluation.scoring_helpers import (
    assign,
    evaluator,
    ranked_call,
    set_assignment_status,
    submitted_sheet,
)
from tests.fakes import FakeClock


async def test_what_counts(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    call = await ranked_call(client, db_session, clock)
    apps = call["apps"]
    # On B: a draft sheet and a removed evaluator's submitted sheet do not count.
    _, drafting = await evaluator(client, db_session)
    assignment = await assign(db_session, apps["B"]["id"], drafting)
    await submitted_sheet(db_session, assignment, apps["B"]["id"], drafting, 0, status="draft")
    _, removed = await evaluator(client, db_session)
    assignment = await assign(db_session, apps["B"]["id"], removed)
    await submitted_sheet(db_session, assignment, apps["B"]["id"], removed, 0)
    await set_assignment_status(db_session, assignment, "removed")
    # D withdraws: it leaves the ranking.
    withdrawn = await client.post(
        f"/api/applications/{apps['D']['id']}/transitions",
        json={"event": "withdraw", "reason": "zurückgezogen"},
        headers=call["applicant"],
    )
    assert withdrawn.status_code == 200

    registry = load_registry()
    loaded = await rankings.load_call(db_session, registry, "demo")
    by_id = {a.application_id: a for a in loaded.applications}
    assert set(by_id) == {apps[k]["id"] for k in "ABC"}
    assert [len(by_id[apps[k]["id"]].sheets) for k in "ABC"] == [3, 3, 3]
    sheet = by_id[apps["C"]["id"]].sheets[0]
    assert [s.criterion for s in sheet.scores] == ["K1", "K2", "K3", "K4", "K5", "K6"]
    assert by_id[apps["A"]["id"]].requested_grant == Decimal("600000.00")
    assert loaded.info[apps["A"]["id"]].title == "Alpha"

    results = rankings.evaluate(loaded)
    assert [e.aggregate.final_score for e in results["mobile"].entries] == [
        Decimal("100.00"),
        Decimal("80.00"),
        Decimal("60.00"),
    ]
    assert results["stationary"].entries == ()
    proposal = await rankings.proposal_for(db_session, registry, "demo", "mobile", apps["B"]["id"])
    assert (proposal.recommendation, proposal.rank, proposal.evaluations) == ("reserve", 2, 3)


def test_line_budget_is_an_equal_share() -> None:
    registry = load_registry()
    _, call = rankings.find_call(registry, "demo")
    assert rankings.line_budget(call, "stationary") == Decimal("1000000.00")
    assert rankings.line_budget(call, "mobile") == Decimal("1000000.00")
