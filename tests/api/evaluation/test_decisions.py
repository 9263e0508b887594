"""Jury decisions over HTTP: the system's proposal is recorded beside the human's decision
with the reason; the application moves to jury_decided; changes need If-Match; everything
is audited; the applicant's e-mail does not carry the jury's internal reason."""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.db.audit import audit_table
from tests.api.evaluation.scoring_helpers import if_match, ranked_call


@pytest.fixture
async def call(client: httpx.AsyncClient, db_session: AsyncSession) -> dict[str, Any]:
    return await ranked_call(client, db_session)


def _url(application: dict[str, Any]) -> str:
    return f"/api/evaluation/decisions/{application['id']}"


async def test_proposal_beside_decision_and_state(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    follows = await client.put(
        _url(apps["A"]),
        json={"recommendation": "recommended", "reason": "Bestbewertetes Vorhaben."},
        headers=manager,
    )
    assert follows.status_code == 200, follows.text
    body = follows.json()
    assert body["proposed"] == "recommended" and body["follows_proposal"] is True
    assert body["final_score"] == "100.00" and body["rank"] == 1
    assert body["application_status"] == "jury_decided" and body["version"] == 1
    assert follows.headers["etag"] == '"1"'

    deviates = await client.put(
        _url(apps["B"]),
        json={"recommendation": "recommended", "reason": "Landesweite Bedeutung, Jury-Votum."},
        headers=manager,
    )
    body = deviates.json()
    assert body["proposed"] == "reserve" and body["recommendation"] == "recommended"
    assert body["follows_proposal"] is False

    application = (await client.get(f"/api/applications/{apps['B']['id']}", headers=manager)).json()
    assert application["status"] == "jury_decided"
    events = (
        await client.get(f"/api/applications/{apps['B']['id']}/events", headers=manager)
    ).json()
    assert [e["event"] for e in events][-2:] == ["complete_review", "record_jury_decision"]
    mails = await db_session.execute(
        sa.text("SELECT body_text FROM outbox_messages WHERE application_id = :id"),
        {"id": apps["B"]["id"]},
    )
    assert not any("Jury-Votum" in text for text in mails.scalars())

    audit = (
        await db_session.execute(
            sa.select(audit_table.c.after).where(
                audit_table.c.action == "jury_decision_recorded",
                audit_table.c.object_id == apps["B"]["id"],
            )
        )
    ).scalar_one()
    assert audit["proposed"] == "reserve" and audit["follows_proposal"] is False
    assert audit["reason"] == "Landesweite Bedeutung, Jury-Votum."

    listed = await client.get("/api/evaluation/decisions", params={"call": "demo"}, headers=manager)
    assert [(d["rank"], d["recommendation"]) for d in listed.json()] == [
        (1, "recommended"),
        (2, "recommended"),
    ]
    ranking = await client.get("/api/evaluation/rankings", params={"call": "demo"}, headers=manager)
    entries = ranking.json()["lines"][0]["entries"]
    assert [e["recommendation"] for e in entries] == ["recommended", "recommended", None, None]


async def test_changing_a_decision_needs_if_match(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    url = _url(apps["C"])
    first = await client.put(
        url, json={"recommendation": "reserve", "reason": "Moderation offen."}, headers=manager
    )
    assert first.json()["proposed"] == "recommended"
    body = {"recommendation": "recommended", "reason": "Nach Moderation: förderwürdig."}
    assert (await client.put(url, json=body, headers=manager)).status_code == 428
    stale = await client.put(url, json=body, headers=if_match(manager, 0))
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    changed = await client.put(url, json=body, headers=if_match(manager, 1))
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["follows_proposal"] is True
    actions = await db_session.execute(
        sa.select(audit_table.c.before)
        .where(
            audit_table.c.action == "jury_decision_recorded",
            audit_table.c.object_id == apps["C"]["id"],
        )
        .order_by(audit_table.c.seq)
    )
    befores = list(actions.scalars())
    assert befores[0] is None and befores[1]["recommendation"] == "reserve"


async def test_bad_decisions(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    url = _url(apps["D"])
    no_reason = await client.put(
        url, json={"recommendation": "reserve", "reason": ""}, headers=manager
    )
    assert no_reason.status_code == 422
    unknown = await client.put(
        url, json={"recommendation": "maybe", "reason": "x"}, headers=manager
    )
    assert unknown.status_code == 422
    # An application without evaluations may be decided; the proposal says why not.
    decided = await client.put(
        url,
        json={"recommendation": "not_recommended", "reason": "Keine Bewertungen."},
        headers=manager,
    )
    assert decided.json()["proposed"] == "not_recommended"
    assert decided.json()["final_score"] is None
    # After the letters' step (declined), the decision is final.
    declined = await client.post(
        f"/api/applications/{apps['D']['id']}/transitions",
        json={"event": "decline", "reason": "Nicht ausgewählt."},
        headers=manager,
    )
    assert declined.status_code == 200, declined.text
    final = await client.put(
        url,
        json={"recommendation": "reserve", "reason": "doch"},
        headers=if_match(manager, 1),
    )
    assert final.status_code == 409 and final.json()["current_state"] == "not_selected"
    # The applicant cannot see or make decisions.
    assert (
        await client.put(
            url, json={"recommendation": "reserve", "reason": "x"}, headers=call["applicant"]
        )
    ).status_code == 403
