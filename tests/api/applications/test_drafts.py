"""Drafts over HTTP: creation, reading, autosave with optimistic concurrency, access."""

import httpx

from tests.applications_factories import applicant, create_application, draft


async def test_create_returns_the_draft_with_an_etag(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    response = await create_application(client, anna["headers"], title="MakerSpace")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert body["reference_number"] is None
    assert body["draft"]["title"] == "MakerSpace"
    assert response.headers["etag"] == '"1"'
    assert "submit" in body["allowed_events"]


async def test_patch_needs_if_match_and_refuses_stale_versions(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    created = await draft(client, anna["headers"])
    url = f"/api/applications/{created['id']}"
    missing = await client.patch(url, json={"title": "Neu"}, headers=anna["headers"])
    assert missing.status_code == 428
    ok = await client.patch(
        url, json={"title": "Neu"}, headers={**anna["headers"], "If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"2"'
    assert ok.json()["draft"]["title"] == "Neu"
    assert ok.json()["draft"]["summary"] == created["draft"]["summary"]  # untouched
    stale = await client.patch(
        url, json={"title": "Alt"}, headers={**anna["headers"], "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    again = await client.get(url, headers=anna["headers"])
    assert again.json()["draft"]["title"] == "Neu"


async def test_mass_assignment_is_refused(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    created = await draft(client, anna["headers"])
    url = f"/api/applications/{created['id']}"
    for field, value in [
        ("status", "approved"),
        ("reference_number", "LIfD-X"),
        ("organisation_id", created["organisation_id"]),
        ("version", 99),
        ("created_at", "2020-01-01T00:00:00Z"),
    ]:
        response = await client.patch(
            url, json={field: value}, headers={**anna["headers"], "If-Match": '"1"'}
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    unchanged = (await client.get(url, headers=anna["headers"])).json()
    assert unchanged["status"] == "draft"
    assert unchanged["version"] == 1


async def test_other_organisations_learn_nothing(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    bert = await applicant(client)
    created = await draft(client, anna["headers"])
    url = f"/api/applications/{created['id']}"
    assert (await client.get(url, headers=bert["headers"])).status_code == 404
    patched = await client.patch(
        url, json={"title": "gekapert"}, headers={**bert["headers"], "If-Match": '"1"'}
    )
    assert patched.status_code == 404
    assert (await client.get(url, headers=anna["headers"])).json()["draft"]["title"] != "gekapert"


async def test_unknown_codes_name_the_field(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    response = await create_application(
        client,
        anna["headers"],
        objectives=["a", "z"],
        cost_lines=[{"category": "yacht", "amount": "1.00"}],
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"objectives.1", "cost_lines.0.category"}


async def test_dates_outside_the_judged_range_are_refused(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    created = await draft(client, anna["headers"])
    response = await client.patch(
        f"/api/applications/{created['id']}",
        json={"planned_end": "9999-12-31"},
        headers={**anna["headers"], "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "planned_end"
