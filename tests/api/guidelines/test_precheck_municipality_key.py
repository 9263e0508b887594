"""The pre-check refuses a key of Saxony that the Gemeindeverzeichnis lacks, on the fast path
and on the Pydantic path alike; a known key gets its area category from the register."""

from typing import Any

import httpx
import pytest

from grants.guidelines import service as guideline_service
from tests.api.guidelines.test_guideline_api import proposal_body

UNKNOWN = {
    "field": "municipality_key",
    "rule": "unknown_municipality",
    "message": (
        "Gemeindeschlüssel 14999999 ist im Gemeindeverzeichnis Sachsen nicht enthalten "
        "(unknown municipality key)"
    ),
}


def _slow_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the fast decoder the handler validates with Pydantic (as the route does for
    every request the fast decoder declines)."""
    monkeypatch.setattr(guideline_service, "fast_proposal", lambda *_: None)


@pytest.mark.parametrize("path", ["fast", "pydantic"])
async def test_an_unknown_key_of_saxony_is_422_naming_the_field(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    if path == "pydantic":
        _slow_path_only(monkeypatch)
    response = await client.post(
        "/api/eligibility-checks", json=proposal_body(municipality_key="14999999")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"] == [UNKNOWN]
    assert problem["detail"].startswith("Gemeindeschlüssel 14999999 ist im Gemeindeverzeichnis")


async def test_both_paths_refuse_with_the_same_problem(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, headers = proposal_body(municipality_key="14000000"), {"x-request-id": "same-id"}
    fast = await client.post("/api/eligibility-checks", json=body, headers=headers)
    _slow_path_only(monkeypatch)
    slow = await client.post("/api/eligibility-checks", json=body, headers=headers)
    assert fast.status_code == slow.status_code == 422
    assert fast.json() == slow.json()


@pytest.mark.parametrize("path", ["fast", "pydantic"])
@pytest.mark.parametrize(
    ("key", "category", "rural"),
    [
        ("14612000", "verdichtungsraum", False),  # Dresden
        ("14521440", "laendlicher_raum", True),  # Oberwiesenthal
    ],
)
async def test_a_known_key_passes_with_its_area_category(
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    key: str,
    category: str,
    rural: bool,
) -> None:
    if path == "pydantic":
        _slow_path_only(monkeypatch)
    response = await client.post(
        "/api/eligibility-checks", json=proposal_body(municipality_key=key)
    )
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    assert verdict["facts"]["area_category"] == category
    assert verdict["facts"]["rural"] is rural
    location = next(r for r in verdict["results"] if r["rule"] == "location_in_saxony")
    assert location["outcome"] == "pass"


async def test_a_key_of_another_state_is_judged_not_refused(client: httpx.AsyncClient) -> None:
    """München is a real municipality: the verdict says it is not in Saxony (advice, § 25
    VwVfG) instead of refusing the request."""
    response = await client.post(
        "/api/eligibility-checks", json=proposal_body(municipality_key="09162000")
    )
    assert response.status_code == 200, response.text
    location = next(r for r in response.json()["results"] if r["rule"] == "location_in_saxony")
    assert location["outcome"] == "fail"


@pytest.mark.parametrize("path", ["fast", "pydantic"])
async def test_the_verdict_flags_an_assumed_area_category(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """The shipped register's categories are derived (not checked in LEP 2013): the verdict
    shows the category only together with the flag that says so."""
    if path == "pydantic":
        _slow_path_only(monkeypatch)
    body = proposal_body(municipality_key="14521530")
    verdict = (await client.post("/api/eligibility-checks", json=body)).json()
    assert verdict["facts"]["area_category"] is not None
    assert verdict["facts"]["area_category_assumed"] is True
    location = next(r for r in verdict["results"] if r["facts"].get("municipality_key"))
    assert location["facts"]["area_category_assumed"] is True
