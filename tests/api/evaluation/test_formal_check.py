"""The formal check over HTTP: only after the call's deadline; prefilled from the frozen
verdict, each item confirmed or overruled with a reason, and the three outcomes — to review
and a request for information change the state, a proposed formal rejection is recorded
for the Bescheid and changes nothing else."""

import uuid
from datetime import datetime
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.applications_factories import applicant, submitted
from tests.evaluation_factories import close_call
from tests.factories import staff_headers
from tests.fakes import FakeClock


def all_confirmed(check: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item confirmed; where the verdict did not pass it, with the person's reason."""
    return [
        {"code": item["code"], "confirmed": True}
        if item["proposed"] == "pass"
        else {"code": item["code"], "confirmed": True, "reason": "Geprüft: liegt vor."}
        for item in check["items"]
    ]


async def _setup(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock | None
) -> tuple[dict[str, Any], dict[str, str], str]:
    """A submitted application; with ``clock``, the call closed since (the check may start)."""
    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, _ = await submitted(client, db_session, anna["headers"])
    if clock is not None:
        await close_call(client, clock)
    return anna, manager, f"/api/applications/{application['id']}"


async def test_no_formal_check_before_the_deadline(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna, manager, url = await _setup(client, db_session, None)
    check = (await client.get(f"{url}/formal-check", headers=manager)).json()
    for outcome, extra in (
        ("to_review", {}),
        ("formally_rejected", {"reason": "Unterlagen unvollständig"}),
        (
            "information_requested",
            {
                "reason": "Satzung fehlt",
                "information_request": {
                    "items": ["Satzung"],
                    "due_at": "2030-01-15T23:59:59+01:00",
                },
            },
        ),
    ):
        early = await client.put(
            f"{url}/formal-check",
            json={"items": all_confirmed(check), "outcome": outcome, **extra},
            headers=manager,
        )
        assert early.status_code == 409, early.text
        problem = early.json()
        assert problem["type"] == "urn:grants:problem:step-out-of-order"
        assert problem["missing"] == ["call_closed"] and problem["current_state"] == "submitted"
        assert "Stichtag" in problem["detail"] and "deadline" in problem["detail"]
    # Nothing happened: no state change, no check, no request, no e-mail beyond the receipt.
    assert (await client.get(url, headers=anna["headers"])).json()["status"] == "submitted"
    assert (await client.get(f"{url}/formal-check", headers=manager)).json()["outcome"] is None
    assert (await client.get(f"{url}/information-requests", headers=manager)).json() == []
    # At the deadline's very second the call is still open; one second later it is not.
    calls = (await client.get("/api/calls")).json()
    deadline = next(c for c in calls if c["code"] == "demo")["deadline_at"]
    clock.current = datetime.fromisoformat(deadline)
    at_deadline = await client.put(
        f"{url}/formal-check",
        json={"items": all_confirmed(check), "outcome": "to_review"},
        headers=manager,
    )
    assert at_deadline.status_code == 409
    clock.advance(seconds=1)
    after = await client.put(
        f"{url}/formal-check",
        json={"items": all_confirmed(check), "outcome": "to_review"},
        headers=manager,
    )
    assert after.status_code == 200, after.text


async def test_the_checklist_is_prefilled_from_the_verdict(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    _, manager, url = await _setup(client, db_session, clock)
    check = (await client.get(f"{url}/formal-check", headers=manager)).json()
    assert [i["code"] for i in check["items"]] == [
        "complete",
        "on_time",
        "applicant_eligible",
        "located_in_saxony",
        "not_started",
        "objective",
    ]
    on_time = next(i for i in check["items"] if i["code"] == "on_time")
    assert on_time["proposed"] == "pass"
    assert on_time["evidence"][0]["rule"] == "received_before_deadline"
    assert check["outcome"] is None


async def test_to_review_moves_the_application_on(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna, manager, url = await _setup(client, db_session, clock)
    check = (await client.get(f"{url}/formal-check", headers=manager)).json()
    response = await client.put(
        f"{url}/formal-check",
        json={"items": all_confirmed(check), "outcome": "to_review"},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "to_review"
    application = (await client.get(url, headers=anna["headers"])).json()
    assert application["status"] == "in_review"
    events = [e["event"] for e in (await client.get(f"{url}/events", headers=manager)).json()]
    assert events[-2:] == ["start_formal_check", "accept_for_review"]


async def test_overruling_needs_a_reason_and_blocks_review(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna, manager, url = await _setup(client, db_session, clock)
    check = (await client.get(f"{url}/formal-check", headers=manager)).json()
    items = all_confirmed(check)
    # Overrule an item the verdict passed: the location, found to lie outside Saxony.
    position = next(
        i for i, item in enumerate(check["items"]) if item["code"] == "located_in_saxony"
    )
    assert check["items"][position]["proposed"] == "pass"
    items[position] = {"code": "located_in_saxony", "confirmed": False}
    no_reason = await client.put(
        f"{url}/formal-check", json={"items": items, "outcome": "to_review"}, headers=manager
    )
    assert no_reason.status_code == 422
    assert {e["field"] for e in no_reason.json()["errors"]} == {"items.located_in_saxony.reason"}
    items[position]["reason"] = "Standort laut Mietvertrag in Hof (Bayern)"
    blocked = await client.put(
        f"{url}/formal-check", json={"items": items, "outcome": "to_review"}, headers=manager
    )
    assert blocked.status_code == 422
    assert blocked.json()["errors"][0]["field"] == "items.located_in_saxony.confirmed"
    why = "Standort außerhalb des Freistaates Sachsen (FRL LIfD Nr. I.1)"
    rejected = await client.put(
        f"{url}/formal-check",
        json={"items": items, "outcome": "formally_rejected", "reason": why},
        headers=manager,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["outcome"] == "formally_rejected"
    assert rejected.json()["reason"] == why
    assert rejected.json()["awaiting_decision_notice"] is True
    # Recorded as the proposal for the Bescheid: the state waits, no rejection is mailed.
    application = (await client.get(url, headers=anna["headers"])).json()
    assert application["status"] == "formal_check"
    assert "reject_formally" not in application["allowed_events"]
    events = [e["event"] for e in (await client.get(f"{url}/events", headers=manager)).json()]
    assert events[-1] == "start_formal_check" and "reject_formally" not in events
    mails = (
        await db_session.execute(
            sa.text("SELECT subject, body_text FROM outbox_messages WHERE application_id = :id"),
            {"id": uuid.UUID(application["id"])},
        )
    ).all()
    assert not any("außerhalb des" in m.body_text or "abgelehnt" in m.subject for m in mails)
    # Nor can the generic endpoint take the review or the rejection past the check.
    accept = await client.post(
        f"{url}/transitions", json={"event": "accept_for_review"}, headers=manager
    )
    assert accept.status_code == 409 and accept.json()["missing"] == ["formal_check_passed"]
    assert "formale Ablehnung vorgeschlagen" in accept.json()["detail"]
    flip = await client.post(
        f"{url}/transitions", json={"event": "reject_formally", "reason": why}, headers=manager
    )
    assert flip.status_code == 409
    assert flip.json()["type"] == "urn:grants:problem:decision-by-notice"
    # Until the Bescheid, the assessment can be corrected: confirmed, it goes to review.
    again = await client.put(
        f"{url}/formal-check",
        json={"items": all_confirmed(check), "outcome": "to_review"},
        headers=manager,
    )
    assert again.status_code == 200, again.text
    assert (await client.get(url, headers=anna["headers"])).json()["status"] == "in_review"
    # Once in review, no further check.
    late = await client.put(
        f"{url}/formal-check",
        json={"items": items, "outcome": "formally_rejected", "reason": why},
        headers=manager,
    )
    assert late.status_code == 409 and late.json()["current_state"] == "in_review"


async def test_a_request_for_information_comes_from_the_check(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna, manager, url = await _setup(client, db_session, clock)
    check = (await client.get(f"{url}/formal-check", headers=manager)).json()
    response = await client.put(
        f"{url}/formal-check",
        json={
            "items": all_confirmed(check),
            "outcome": "information_requested",
            "reason": "Satzung fehlt",
            "information_request": {
                "items": ["Satzung des Vereins"],
                "due_at": "2030-01-15T23:59:59+01:00",
            },
        },
        headers=manager,
    )
    assert response.status_code == 200, response.text
    requests = (await client.get(f"{url}/information-requests", headers=anna["headers"])).json()
    assert requests[0]["items"] == ["Satzung des Vereins"]
    assert (await client.get(url, headers=anna["headers"])).json()["status"] == (
        "information_requested"
    )


async def test_only_programme_managers_check(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna, _, url = await _setup(client, db_session, clock)
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    for headers in (anna["headers"], evaluator):
        assert (await client.get(f"{url}/formal-check", headers=headers)).status_code == 403
        response = await client.put(
            f"{url}/formal-check", json={"items": [], "outcome": "to_review"}, headers=headers
        )
        assert response.status_code == 403
