"""Jury decisions over HTTP: the system's proposal is recorded beside the human's decision
with the reason; the application moves to jury_decided; changes need If-Match; everything
is audited; the applicant's e-mail does not carry the jury's internal reason. In the
procedure's order: only after a passed formal check and on the rubric's number of score
sheets (or with a recorded reason for deciding on fewer); an invitation needs the recorded
recommendation and a reason where it deviates; declining is a Bescheid, not a transition."""

import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.db.audit import audit_table
from tests.api.evaluation.scoring_helpers import if_match, ranked_call
from tests.fakes import FakeClock


@pytest.fixture
async def call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await ranked_call(client, db_session, clock)


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
    assert not any("Landesweite Bedeutung" in text for text in mails.scalars())

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
    entries = ranking.json()["lines"][1]["entries"]  # the mobile line
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
    # The applicant cannot see or make decisions.
    assert (
        await client.put(
            url, json={"recommendation": "reserve", "reason": "x"}, headers=call["applicant"]
        )
    ).status_code == 403


async def test_a_decision_on_fewer_sheets_than_required_needs_a_reason_of_its_own(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    url = _url(apps["D"])  # no sheet submitted; the rubric requires three
    body = {"recommendation": "not_recommended", "reason": "Keine Bewertungen."}
    refused = await client.put(url, json=body, headers=manager)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == "urn:grants:problem:step-out-of-order"
    assert problem["missing"] == ["score_sheets"]
    assert (problem["submitted_sheets"], problem["required_sheets"]) == (0, 3)
    assert problem["current_state"] == "in_review"
    assert "Erst 0 von 3" in problem["detail"] and "score sheets" in problem["detail"]
    assert "score_sheets" not in problem["detail"] and "in_review" not in problem["detail"]
    state = await client.get(f"/api/applications/{apps['D']['id']}", headers=manager)
    assert state.json()["status"] == "in_review"  # nothing moved
    blank = await client.put(url, json={**body, "incomplete_review_reason": " "}, headers=manager)
    assert blank.status_code in (409, 422)

    why = "Zwei Gutachterinnen ausgefallen; die Jury entscheidet vor Ende des Aufrufs."
    decided = await client.put(url, json={**body, "incomplete_review_reason": why}, headers=manager)
    assert decided.status_code == 200, decided.text
    result = decided.json()
    assert result["incomplete_review_reason"] == why
    assert (result["counted_evaluations"], result["required_evaluations"]) == (0, 3)
    assert result["proposed"] == "not_recommended" and result["final_score"] is None
    assert result["application_status"] == "jury_decided"
    audits = await db_session.execute(
        sa.select(audit_table.c.action, audit_table.c.after)
        .where(audit_table.c.object_id == apps["D"]["id"])
        .order_by(audit_table.c.seq)
    )
    by_action = {row.action: row.after for row in audits.all()}
    assert by_action["jury_decision_recorded"]["incomplete_review_reason"] == why
    assert by_action["application_review_completed"]["incomplete_review_reason"] == why
    assert by_action["application_review_completed"]["submitted_sheets"] == 0
    # A complete review needs no such reason (A has its three sheets).
    complete = await client.put(
        _url(apps["A"]),
        json={"recommendation": "recommended", "reason": "Bestbewertet."},
        headers=manager,
    )
    assert complete.status_code == 200, complete.text
    assert complete.json()["counted_evaluations"] == 3
    assert complete.json()["incomplete_review_reason"] is None


async def test_a_row_that_skipped_the_formal_check_is_refused_by_the_jury(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    async with db_session.begin():  # as if it had reached review past the services
        await db_session.execute(
            sa.text("DELETE FROM formal_checks WHERE application_id = :id"),
            {"id": uuid.UUID(apps["A"]["id"])},
        )
    refused = await client.put(
        _url(apps["A"]),
        json={"recommendation": "recommended", "reason": "Bestbewertet."},
        headers=manager,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["missing"] == ["formal_check_passed"]
    assert "Formalprüfung" in refused.json()["detail"]


async def _invite(
    client: httpx.AsyncClient, manager: dict[str, str], application: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/applications/{application['id']}/transitions",
        json={"event": "invite", **body},
        headers=manager,
    )


async def test_an_invitation_follows_the_jury_or_says_why_not(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    for key, vote in (("A", "recommended"), ("B", "reserve")):
        decided = await client.put(
            _url(apps[key]),
            json={"recommendation": vote, "reason": "Jury-Sitzung."},
            headers=manager,
        )
        assert decided.status_code == 200, decided.text
    # As the jury recommended: no reason needed.
    assert (await _invite(client, manager, apps["A"])).status_code == 200
    # Against the vote (reserve list): refused without a reason …
    refused = await _invite(client, manager, apps["B"])
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["missing"] == ["deviation_reason"]
    assert problem["jury_recommendation"] == "reserve"
    assert "Nachrückerliste" in problem["detail"]
    # … and taken with one, recorded in the history and the audit log.
    why = "Ein empfohlenes Vorhaben wurde zurückgezogen; B rückt nach."
    invited = await _invite(client, manager, apps["B"], reason=why)
    assert invited.status_code == 200, invited.text
    assert invited.json()["status"] == "invited"
    events = (
        await client.get(f"/api/applications/{apps['B']['id']}/events", headers=manager)
    ).json()
    assert events[-1]["event"] == "invite" and events[-1]["reason"] == why
    audit = (
        await db_session.execute(
            sa.select(audit_table.c.after).where(
                audit_table.c.action == "application_invited",
                audit_table.c.object_id == apps["B"]["id"],
            )
        )
    ).scalar_one()
    assert audit["reason"] == why and audit["jury_recommendation"] == "reserve"
    mails = await db_session.execute(
        sa.text("SELECT body_text FROM outbox_messages WHERE application_id = :id"),
        {"id": apps["B"]["id"]},
    )
    assert not any("zurückgezogen" in text for text in mails.scalars())  # neutral e-mail
    # After the invitation the recommendation is final.
    final = await client.put(
        _url(apps["B"]),
        json={"recommendation": "recommended", "reason": "doch"},
        headers=if_match(manager, 1),
    )
    assert final.status_code == 409 and final.json()["current_state"] == "invited"


async def test_no_invitation_without_a_recorded_recommendation_and_no_decline_by_status(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    async with db_session.begin():  # a row that claims a jury vote nobody recorded
        await db_session.execute(
            sa.text("UPDATE applications SET status = 'jury_decided' WHERE id = :id"),
            {"id": uuid.UUID(apps["C"]["id"])},
        )
    refused = await _invite(client, manager, apps["C"], reason="Gute Idee")
    assert refused.status_code == 409, refused.text
    assert refused.json()["missing"] == ["jury_decision"]
    decided = await client.put(
        _url(apps["A"]), json={"recommendation": "not_recommended", "reason": "x"}, headers=manager
    )
    assert decided.status_code == 200
    declined = await client.post(
        f"/api/applications/{apps['A']['id']}/transitions",
        json={"event": "decline", "reason": "Nicht ausgewählt."},
        headers=manager,
    )
    assert declined.status_code == 409
    assert declined.json()["type"] == "urn:grants:problem:decision-by-notice"
    assert "Bescheid" in declined.json()["detail"]
    state = await client.get(f"/api/applications/{apps['A']['id']}", headers=manager)
    assert state.json()["status"] == "jury_decided"
    assert state.json()["allowed_events"] == ["invite"]
