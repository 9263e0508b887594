"""Money and dates as people type them, over HTTP: ``50.000`` is refused (not fifty euros)
with the expected form, in bodies and query strings alike; JSON numbers keep the digits the
client wrote; a date-only due date names ``due_at``."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applications_factories import applicant, draft, if_match
from tests.evaluation_factories import manager


def _only_error(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    return dict(error)


async def _patch_raw(
    client: httpx.AsyncClient, headers: dict[str, str], application: dict[str, Any], body: str
) -> httpx.Response:
    """The body exactly as written (json= would re-encode numbers)."""
    return await client.patch(
        f"/api/applications/{application['id']}",
        content=body.encode(),
        headers={**if_match(headers, application["version"]), "Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [('"50.000"', "50000.00"), ('"1.234,56"', "1234.56"), ("50.000", "50000.00")],
)
async def test_ambiguous_amounts_in_a_draft_are_422_with_the_expected_form(
    client: httpx.AsyncClient, written: str, expected: str
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    body = (
        '{"cost_lines": [{"category": "equipment", "description": "Fräse", '
        f'"amount": {written}}}]}}'
    )
    error = _only_error(await _patch_raw(client, anna["headers"], application, body))
    assert (error["field"], error["rule"]) == ("cost_lines.0.amount", "ambiguous_amount")
    assert error["message"].startswith("Mehrdeutiger Betrag")
    assert f"erwartet: {expected}" in error["message"]
    assert f"expected: {expected}" in error["message"]
    # Nothing was saved: the draft's version did not move.
    found = await client.get(f"/api/applications/{application['id']}", headers=anna["headers"])
    assert found.json()["version"] == application["version"]


async def test_json_numbers_are_normalised_to_two_places_and_strings_kept(
    client: httpx.AsyncClient,
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    body = json.dumps(
        {
            "cost_lines": [
                {"category": "equipment", "description": "Fräse", "amount": 1250.5},
                {"category": "equipment", "description": "Laser", "amount": "990.5"},
                {"category": "equipment", "description": "Drucker", "amount": 3000},
            ]
        }
    )
    response = await _patch_raw(client, anna["headers"], application, body)
    assert response.status_code == 200, response.text
    amounts = [line["amount"] for line in response.json()["draft"]["cost_lines"]]
    assert amounts == ["1250.50", "990.5", "3000.00"]


async def test_a_number_with_more_than_two_places_is_refused(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    body = '{"cost_lines": [{"category": "equipment", "description": "x", "amount": 1250.555}]}'
    error = _only_error(await _patch_raw(client, anna["headers"], application, body))
    assert (error["field"], error["rule"]) == ("cost_lines.0.amount", "decimal_max_places")


async def test_the_precheck_refuses_them_too(client: httpx.AsyncClient) -> None:
    body = {
        "call": "demo",
        "applicant_type": "nonprofit",
        "municipality_key": "14521530",
        "funding_line": "stationary",
        "objectives": ["a"],
        "planned_start": "2027-01-01",
        "planned_end": "2028-12-31",
        "economic_activity": False,
        "cost_lines": [{"category": "equipment", "amount": "100.000"}],
        "financing": {"requested_grant": "80000.00", "own_funds": "20000.00"},
    }
    error = _only_error(await client.post("/api/eligibility-checks", json=body))
    assert (error["field"], error["rule"]) == ("cost_lines.0.amount", "ambiguous_amount")
    assert "erwartet: 100000.00" in error["message"]


@pytest.mark.parametrize(
    ("budget", "rule"),
    [
        ("50.000", "ambiguous_amount"),
        ("1.234,56", "ambiguous_amount"),
        ("-1", "greater_than_equal"),
        ("50000.001", "decimal_max_places"),
        ("viel", "decimal_parsing"),
    ],
)
async def test_money_in_the_query_string_follows_the_same_rule(
    client: httpx.AsyncClient, db_session: AsyncSession, budget: str, rule: str
) -> None:
    boss = await manager(client, db_session)
    response = await client.get(
        "/api/evaluation/rankings",
        params={"call": "demo", "funding_line": "stationary", "budget": budget},
        headers=boss,
    )
    error = _only_error(response)
    assert (error["field"], error["rule"]) == ("query.budget", rule)
    assert response.json()["type"] == "urn:grants:problem:validation-error"


async def test_a_plain_budget_in_the_query_string_is_taken(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    boss = await manager(client, db_session)
    response = await client.get(
        "/api/evaluation/rankings",
        params={"call": "demo", "funding_line": "stationary", "budget": "50000"},
        headers=boss,
    )
    assert response.status_code == 200, response.text
    [line] = response.json()["lines"]
    assert line["budget"] in {"50000", "50000.00"}


@pytest.mark.parametrize(
    ("due_at", "rule"),
    [("2027-01-15", "datetime_without_time"), ("2027-01-15T23:59:59", "timezone_aware")],
)
async def test_a_due_date_without_time_or_zone_names_due_at(
    client: httpx.AsyncClient, db_session: AsyncSession, due_at: str, rule: str
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    response = await client.post(
        f"/api/applications/{application['id']}/information-requests",
        json={"items": ["Satzung"], "due_at": due_at},
        headers=boss,
    )
    error = _only_error(response)
    assert (error["field"], error["rule"]) == ("due_at", rule)
    assert "2027-01-15T23:59:59+01:00" in error["message"]
