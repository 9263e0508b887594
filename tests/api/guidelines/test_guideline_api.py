"""Published guidelines and calls, and the anonymous pre-check, through HTTP."""

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.guidelines import service as guideline_service
from grants.municipalities.csv_format import parse_bytes
from grants.municipalities.service import import_municipalities
from tests.conftest import client_for, make_settings
from tests.factories import system_context
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def proposal_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "call": "demo",
        "applicant_type": "nonprofit",
        "municipality_key": "14521530",
        "funding_line": "stationary",
        "objectives": ["a", "e"],
        "planned_start": "2027-01-01",
        "planned_end": "2028-12-31",
        "economic_activity": False,
        "cost_lines": [
            {"category": "equipment", "description": "3D-Drucker", "amount": "100000.00"},
            {"category": "personnel", "description": "Community-Management", "amount": "50000.00"},
            {"category": "construction", "description": "Umbau", "amount": "20000.00"},
        ],
        "financing": {"requested_grant": "110000.00", "own_funds": "60000.00"},
    }
    body.update(changes)
    return body


async def test_guidelines_are_listed_with_their_hash(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/guidelines")).json()
    assert [(g["id"], g["version"]) for g in listed] == [("frl-lifd", "2023-11-30")]
    assert len(listed[0]["content_hash"]) == 64
    assert listed[0]["calls"] == ["2024-1", "demo"]


async def test_a_guideline_shows_every_rule_with_section_and_explanation(
    client: httpx.AsyncClient,
) -> None:
    guideline = (await client.get("/api/guidelines/frl-lifd")).json()
    rules = {r["id"]: r for r in guideline["rules"]}
    assert len(rules) == 14
    assert rules["de_minimis"]["section"] == "VO (EU) 2023/2831 Art. 3 Abs. 2"
    assert rules["minimum_grant"]["assumption"] is True
    assert all(r["explanation"]["de"] and r["explanation"]["en"] for r in rules.values())
    assert guideline["minimum_grant"] == "25000.00"
    assert {c["code"]: c["max_rate"] for c in guideline["cost_categories"]}["equipment"] == "0.80"
    assert sum(c["weight"] for c in guideline["rubric"]["criteria"]) == 100
    missing = await client.get("/api/guidelines/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_calls_say_whether_they_are_open(client: httpx.AsyncClient, clock: FakeClock) -> None:
    calls = {c["code"]: c["status"] for c in (await client.get("/api/calls")).json()}
    assert calls == {"2024-1": "closed", "demo": "open"}
    clock.current = datetime(2024, 2, 15, tzinfo=UTC)
    calls = {c["code"]: c["status"] for c in (await client.get("/api/calls")).json()}
    assert calls == {"2024-1": "open", "demo": "upcoming"}


async def test_precheck_returns_verdict_and_funding_and_stores_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    async def row_counts() -> dict[str, int]:
        async with db_session.begin():
            names = (
                await db_session.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
            return {
                name: (
                    await db_session.execute(sa.text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608
                ).scalar_one()
                for name in list(names)
            }

    before = await row_counts()
    response = await client.post("/api/eligibility-checks", json=proposal_body())
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["eligible"] is True
    assert verdict["call"] == "demo"
    assert verdict["guideline"]["id"] == "frl-lifd"
    assert verdict["checked_at"].startswith("2026-11-25T12:00:00")
    funding = verdict["funding"]
    assert funding["fundable_grant"] == "110000.00"
    assert funding["total_costs"] == "170000.00"
    assert funding["own_contribution"] == "60000.00"
    excluded = {r["rule"]: r for r in verdict["results"]}["ineligible_costs_excluded"]
    assert excluded["facts"]["excluded_categories"] == ["construction"]
    assert all(isinstance(r["message"]["de"], str) and r["section"] for r in verdict["results"])
    assert await row_counts() == before


async def test_precheck_explains_ineligibility(client: httpx.AsyncClient) -> None:
    body = proposal_body(
        applicant_type="natural_person", planned_start="2026-01-01", planned_end="2026-06-30"
    )
    verdict = (await client.post("/api/eligibility-checks", json=body)).json()
    assert verdict["eligible"] is False
    assert set(verdict["failed_rules"]) >= {
        "applicant_type_eligible",
        "not_started_before_receipt",
        "duration_within_bounds",
    }
    failed = {r["rule"]: r for r in verdict["results"] if r["outcome"] == "fail"}
    assert "nicht antragsberechtigt" in failed["applicant_type_eligible"]["message"]["de"]
    assert "may not apply" in failed["applicant_type_eligible"]["message"]["en"]


async def test_precheck_uses_the_municipality_register(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    parsed = parse_bytes(
        b"key,name,district,population,area_category\n14521530,Schneeberg,Erzgebirgskreis,13800,laendlicher_raum\n"
    )
    assert parsed.ok
    await import_municipalities(
        system_context(db_session, now=NOW),
        parsed.rows,
        source_sha256="0" * 64,
        source_name="test.csv",
    )
    verdict = (await client.post("/api/eligibility-checks", json=proposal_body())).json()
    assert verdict["facts"]["area_category"] == "laendlicher_raum"
    assert verdict["facts"]["rural"] is True
    unknown = (
        await client.post(
            "/api/eligibility-checks", json=proposal_body(municipality_key="14612000")
        )
    ).json()
    assert unknown["facts"]["area_category"] is None


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (
            {"cost_lines": [{"category": "yachts", "amount": "10.00"}]},
            "cost_lines.0.category",
            "unknown_code",
        ),
        (
            {"cost_lines": [{"category": "equipment", "amount": "-1.00"}]},
            "cost_lines.0.amount",
            "greater_than_equal",
        ),
        (
            {"cost_lines": [{"category": "equipment", "amount": "zehn"}]},
            "cost_lines.0.amount",
            "decimal_parsing",
        ),
        (
            {"cost_lines": [{"category": "equipment", "amount": "10.001"}]},
            "cost_lines.0.amount",
            "decimal_max_places",
        ),
        (
            {"cost_lines": [{"category": "equipment", "amount": "1e30"}]},
            "cost_lines.0.amount",
            "decimal_max_digits",
        ),
        (
            {"cost_lines": [{"category": "equipment", "amount": 10.001}]},
            "cost_lines.0.amount",
            "decimal_max_places",
        ),
        ({"planned_end": "2026-12-31"}, "planned_end", "value_error"),
        ({"planned_start": "31.12.2026"}, "planned_start", "date_from_datetime_parsing"),
        # The calendar's last day: a day later would overflow in the duration arithmetic.
        ({"planned_end": "9999-12-31"}, "planned_end", "less_than_equal"),
        ({"planned_start": "0001-01-01"}, "planned_start", "greater_than_equal"),
        (
            {"prior_de_minimis": [{"granted_on": "9999-12-31", "amount": "1.00"}]},
            "prior_de_minimis.0.granted_on",
            "less_than_equal",
        ),
        ({"municipality_key": "1452153"}, "municipality_key", "string_pattern_mismatch"),
        ({"financing": {"requested_grant": "1"}}, "financing.own_funds", "missing"),
        ({"applicant_type": "pirate"}, "applicant_type", "unknown_code"),
        ({"funding_line": "airborne"}, "funding_line", "unknown_code"),
        ({"objectives": ["a", "z"]}, "objectives.1", "unknown_code"),
        ({"call": "1999"}, "call", "unknown_code"),
        ({"surprise": True}, "surprise", "extra_forbidden"),
    ],
)
async def test_malformed_proposals_are_422_naming_the_field(
    client: httpx.AsyncClient, change: dict[str, Any], field: str, rule: str
) -> None:
    response = await client.post("/api/eligibility-checks", json=proposal_body(**change))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in errors
    ], errors


async def test_missing_required_fields_are_each_named(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/eligibility-checks", json={"call": "demo"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields >= {
        "applicant_type",
        "municipality_key",
        "funding_line",
        "objectives",
        "planned_start",
        "planned_end",
        "cost_lines",
        "financing",
    }


async def test_precheck_is_rate_limited_per_address(
    database_url: str, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    app: Litestar = create_app(
        make_settings(database_url, precheck_requests_per_minute=3),
        session_factory=session_factory,
        clock=clock,
        configure_logs=False,
    )
    async with client_for(app, "203.0.113.5") as client:
        statuses = [
            (await client.post("/api/eligibility-checks", json=proposal_body())).status_code
            for _ in range(4)
        ]
        limited = await client.post("/api/eligibility-checks", json=proposal_body())
        # Other routes are not limited.
        assert (await client.get("/api/calls")).status_code == 200
    assert statuses == [200, 200, 200, 429]
    assert limited.headers["content-type"].startswith("application/problem+json")
    async with client_for(app, "198.51.100.9") as other:
        assert (
            await other.post("/api/eligibility-checks", json=proposal_body())
        ).status_code == 200


async def test_the_fast_path_and_the_pydantic_path_answer_alike(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route's before_request hook answers well-formed requests itself; without it the
    handler validates with Pydantic. Both must give the same bytes."""
    bodies = [
        proposal_body(),
        proposal_body(applicant_type="natural_person", planned_start="2026-01-01"),
        proposal_body(economic_activity=None, prior_de_minimis=[]),
    ]
    headers = {"x-request-id": "same-id"}
    fast = [await client.post("/api/eligibility-checks", json=b, headers=headers) for b in bodies]
    monkeypatch.setattr(guideline_service, "fast_proposal", lambda *_: None)
    slow = [await client.post("/api/eligibility-checks", json=b, headers=headers) for b in bodies]

    def same(response: httpx.Response) -> dict[str, str]:  # the rate limit counts down
        return {k: v for k, v in response.headers.items() if k != "ratelimit-remaining"}

    for one, other in zip(fast, slow, strict=True):
        assert one.status_code == other.status_code == 200
        assert one.content == other.content
        assert same(one) == same(other)
        assert "ratelimit-remaining" in one.headers  # the limit applies to the fast path too


async def test_the_precheck_still_refuses_bodies_that_are_not_json(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/eligibility-checks",
        content=json.dumps(proposal_body()),
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 415
    document = (await client.get("/docs/openapi.json")).json()
    operation = document["paths"]["/api/eligibility-checks"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/EligibilityCheckRequest"}
