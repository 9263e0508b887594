"""The formal check over HTTP: prefilled from the frozen verdict, each item confirmed or
overruled with a reason, and the three outcomes with their status changes."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.applications_factories import applicant, submitted
from tests.factories import staff_headers


def all_confirmed(check: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"code": item["code"], "confirmed": True} for item in check["items"]]


async def _setup(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> tuple[dict[str, Any], dict[str, str], str]:
    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, _ = await submitted(client, db_session, anna["headers"])
    return anna, manager, f"/api/applications/{application['id']}"


async def test_the_checklist_is_prefilled_from_the_verdict(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    _, manager, url = await _setup(client, db_session)
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
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna, manager, url = await _setup(client, db_session)
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
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna, manager, url = await _setup(client, db_session)
    check = (await client.get(f"{url}/formal-check", headers=manager)).json()
    items = all_confirmed(check)
    items[4] = {"code": "not_started", "confirmed": False}
    no_reason = await client.put(
        f"{url}/formal-check", json={"items": items, "outcome": "to_review"}, headers=manager
    )
    assert no_reason.status_code == 422
    assert {e["field"] for e in no_reason.json()["errors"]} == {"items.not_started.reason"}
    items[4]["reason"] = "Mietvertrag schon 2026 unterschrieben"
    blocked = await client.put(
        f"{url}/formal-check", json={"items": items, "outcome": "to_review"}, headers=manager
    )
    assert blocked.status_code == 422
    assert blocked.json()["errors"][0]["field"] == "items.not_started.confirmed"
    rejected = await client.put(
        f"{url}/formal-check",
        json={
            "items": items,
            "outcome": "formally_rejected",
            "reason": "Vorzeitiger Maßnahmebeginn (VV Nr. 1.3 zu § 44 SäHO)",
        },
        headers=manager,
    )
    assert rejected.status_code == 200, rejected.text
    application = (await client.get(url, headers=anna["headers"])).json()
    assert application["status"] == "formally_rejected"
    again = await client.put(
        f"{url}/formal-check", json={"items": items, "outcome": "to_review"}, headers=manager
    )
    assert again.status_code == 409
    assert again.json()["current_state"] == "formally_rejected"


async def test_a_request_for_information_comes_from_the_check(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna, manager, url = await _setup(client, db_session)
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
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna, _, url = await _setup(client, db_session)
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    for headers in (anna["headers"], evaluator):
        assert (await client.get(f"{url}/formal-check", headers=headers)).status_code == 403
        response = await client.put(
            f"{url}/formal-check", json={"items": [], "outcome": "to_review"}, headers=headers
        )
        assert response.status_code == 403
