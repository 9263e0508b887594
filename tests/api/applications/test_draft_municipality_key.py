"""A draft names its municipality by key: a key of Saxony that the Gemeindeverzeichnis lacks is
refused on create and on patch, naming the field; a known key, or none yet, is fine."""

import httpx

from tests.applications_factories import applicant, create_application, draft, if_match

UNKNOWN = {
    "field": "municipality_key",
    "rule": "unknown_municipality",
    "message": (
        "Gemeindeschlüssel 14999999 ist im Gemeindeverzeichnis Sachsen nicht enthalten "
        "(unknown municipality key)"
    ),
}


async def test_create_with_an_unknown_key_is_422_and_stores_nothing(
    client: httpx.AsyncClient,
) -> None:
    anna = await applicant(client)
    response = await create_application(client, anna["headers"], municipality_key="14999999")
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [UNKNOWN]
    listed = await client.get("/api/applications", headers=anna["headers"])
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []


async def test_create_with_a_known_key_or_none_yet(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    known = await create_application(client, anna["headers"], municipality_key="14521530")
    assert known.status_code == 201, known.text
    assert known.json()["draft"]["municipality_key"] == "14521530"
    without = await create_application(client, anna["headers"], title="Noch ohne Ort")
    assert without.status_code == 201, without.text
    assert without.json()["draft"]["municipality_key"] is None


async def test_patch_to_an_unknown_key_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    anna = await applicant(client)
    created = await draft(client, anna["headers"])
    url = f"/api/applications/{created['id']}"
    refused = await client.patch(
        url, json={"municipality_key": "14999999"}, headers=if_match(anna["headers"], 1)
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [UNKNOWN]
    unchanged = (await client.get(url, headers=anna["headers"])).json()
    assert (unchanged["version"], unchanged["draft"]["municipality_key"]) == (1, "14521530")

    moved = await client.patch(
        url, json={"municipality_key": "14612000"}, headers=if_match(anna["headers"], 1)
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["draft"]["municipality_key"] == "14612000"
    cleared = await client.patch(
        url, json={"municipality_key": None}, headers=if_match(anna["headers"], 2)
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["draft"]["municipality_key"] is None
