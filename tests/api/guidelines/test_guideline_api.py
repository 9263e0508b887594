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
    assert len(rules) == 15
    assert rules["de_minimis"]["section"] == "VO (EU) 2023/2831 Art. 3 Abs. 2"
    assert rules["de_minimis"]["section_verified"] is True
    assert rules["de_minimis"]["assumption"] is True  # the FRL's state-aid basis is unknown
    assert rules["minimum_grant"]["assumption"] is False
    assert rules["minimum_grant"]["citation"]["de"].startswith("VV Nr. 1.2 zu § 44 SäHO")
    assert rules["applicant_type_eligible"]["section_verified"] is False
    assert rules["applicant_type_eligible"]["citation"] == {
        "de": "FRL LIfD (Fundstelle ungeprüft)",
        "en": "FRL LIfD (section not verified)",
    }
    assert all(r["explanation"]["de"] and r["explanation"]["en"] for r in rules.values())
    assert guideline["minimum_grant"] == "2500.00"
    assert guideline["vat"] == {"rate": "0.19", "assumption": True}
    assert guideline["rounding"] == {"mode": "down_to_full_euro", "assumption": True}
    bases = guideline["legal_bases"]
    assert [b["verified"] for b in bases if "2023/2831" in b["de"]] == [False]
    assert any("Sondervermögen" in b["de"] and b["verified"] for b in bases)
    types = {t["code"]: t for t in guideline["applicant_types"]}
    assert types["sole_trader"]["eligible"] is False
    assert "freiberuflich" in types["sole_trader"]["reason"]["de"]
    assert types["municipality"]["economic_activity"] == "declared"
    categories = {c["code"]: c for c in guideline["cost_categories"]}
    assert categories["equipment"]["section_verified"] is False
    assert categories["equipment"]["citation"]["de"] == "FRL LIfD (Fundstelle ungeprüft)"
    assert {c["code"]: c["max_rate"] for c in guideline["cost_categories"]}["equipment"] == "0.80"
    assert sum(c["weight"] for c in guideline["rubric"]["criteria"]) == 100
    missing = await client.get("/api/guidelines/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_calls_say_whether_they_are_open(client: httpx.AsyncClient, clock: FakeClock) -> None:
    listed = (await client.get("/api/calls")).json()
    calls = {c["code"]: c["status"] for c in listed}
    assert calls == {"2024-1": "closed", "demo": "open"}
    first = next(c for c in listed if c["code"] == "2024-1")
    # Call 1's budget is the programme total, split equally between the lines: our defaults.
    assert first["assumptions"] == {
        "budget": True,
        "line_budgets": True,
        "latest_end": True,
        "deadline_time": True,
    }
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
    # Nothing of the proposal is stored; the per-address rate limit counts the request.
    after = await row_counts()
    assert after.pop("request_counters") == before.pop("request_counters") + 1
    assert after == before


async def test_precheck_shows_per_rule_whether_its_section_is_verified_and_assumed(
    client: httpx.AsyncClient,
) -> None:
    verdict = (await client.post("/api/eligibility-checks", json=proposal_body())).json()
    results = {r["rule"]: r for r in verdict["results"]}
    assert len(results) == 15
    for r in verdict["results"]:
        assert isinstance(r["section_verified"], bool)
        assert isinstance(r["assumption"], bool)
        if r["section_verified"]:
            assert r["citation"] == {"de": r["section"], "en": r["section"]}
        else:  # never the unverified paragraph number shown as fact
            assert r["citation"]["de"].endswith("(Fundstelle ungeprüft)")
            assert r["citation"]["en"].endswith("(section not verified)")
            assert "Nr." not in r["citation"]["de"]
    applicant = results["applicant_type_eligible"]
    assert (applicant["section"], applicant["section_verified"]) == ("FRL LIfD Nr. 3", False)
    assert applicant["citation"]["de"] == "FRL LIfD (Fundstelle ungeprüft)"
    duration = results["duration_within_bounds"]
    assert duration["assumption"] is True
    assert duration["title"]["de"] == "Durchführungszeitraum"
    assert results["location_in_saxony"]["outcome"] == "pass"  # 14521530 is in the register
    start = results["not_started_before_receipt"]
    assert start["outcome"] == "needs_review"
    assert "Bekanntgabe des Zuwendungsbescheids" in start["message"]["de"]
    assert verdict["funding"]["rounding"] == "down_to_full_euro"
    assert verdict["funding"]["rounding_assumption"] is True


async def test_precheck_takes_the_vat_deduction_out_of_gross_amounts(
    client: httpx.AsyncClient,
) -> None:
    body = proposal_body(
        vat_deduction="partial",
        vat_deductible_share="0.40",
        cost_amounts="gross",
        cost_lines=[{"category": "equipment", "description": "Drucker", "amount": "1190.00"}],
        financing={"requested_grant": "700.00", "own_funds": "490.00"},
    )
    verdict = (await client.post("/api/eligibility-checks", json=body)).json()
    funding = verdict["funding"]
    # 1,190 gross holds 190 VAT; 40 % of it (76.00) is recoverable, so not zuwendungsfähig.
    assert funding["recoverable_vat"] == "76.00"
    assert funding["categories"][0]["recoverable_vat"] == "76.00"
    assert funding["eligible_costs"] == "1114.00"
    assert funding["fundable_grant"] == "891.00"  # 1,114 × 80 % = 891.20, rounded down
    assert funding["vat_rate"] == "0.19"
    vat = {r["rule"]: r for r in verdict["results"]}["vat_deduction"]
    assert vat["outcome"] == "pass"
    assert "76,00 EUR" in vat["message"]["de"]
    assert vat["assumption"] is True


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"early_start_consented": True}, "early_start_consented", "extra_forbidden"),
        ({"vat_deduction": "partial"}, "vat_deductible_share", "required_for_partial"),
        (
            {"vat_deduction": "none", "vat_deductible_share": "0.5"},
            "vat_deductible_share",
            "only_for_partial",
        ),
        (
            {"vat_deduction": "partial", "vat_deductible_share": "1"},
            "vat_deductible_share",
            "less_than",
        ),
        ({"cost_amounts": "brutto"}, "cost_amounts", "enum"),
    ],
)
async def test_declarations_the_precheck_refuses(
    client: httpx.AsyncClient, change: dict[str, Any], field: str, rule: str
) -> None:
    response = await client.post("/api/eligibility-checks", json=proposal_body(**change))
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]
    ]


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
    # Dresden is not in the file above but in the shipped register, which a first start loads.
    dresden = (
        await client.post(
            "/api/eligibility-checks", json=proposal_body(municipality_key="14612000")
        )
    ).json()
    assert dresden["facts"]["area_category"] == "verdichtungsraum"


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
            "ambiguous_amount",  # ten thousand and one, to a German reader
        ),
        (
            {"cost_lines": [{"category": "equipment", "amount": "1000.001"}]},
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
            "ambiguous_amount",
        ),
        (
            {"cost_lines": [{"category": "equipment", "amount": 1000.001}]},
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
        proposal_body(
            applicant_type="company",
            economic_activity=False,
            part_of_single_undertaking=True,
            linked_undertakings=["Muster Holding GmbH"],
            prior_de_minimis=[{"granted_on": "2025-01-10", "amount": "250000.00"}],
            vat_deduction="full",
            cost_amounts="gross",
        ),
    ]
    headers = {"x-request-id": "same-id"}
    fast = [await client.post("/api/eligibility-checks", json=b, headers=headers) for b in bodies]
    monkeypatch.setattr(guideline_service, "fast_proposal", lambda *_: None)
    slow = [await client.post("/api/eligibility-checks", json=b, headers=headers) for b in bodies]

    def same(response: httpx.Response) -> dict[str, str]:
        # The rate limit counts down: the requests left, and the seconds to the window's
        # reset (which moves on when the two runs straddle a second).
        counting = {"ratelimit-remaining", "ratelimit-reset"}
        return {k: v for k, v in response.headers.items() if k not in counting}

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


async def test_an_end_before_the_start_is_refused_german_first(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/eligibility-checks", json=proposal_body(planned_end="2026-12-31")
    )
    assert response.status_code == 422
    error = next(e for e in response.json()["errors"] if e["field"] == "planned_end")
    assert (
        "Das geplante Ende liegt vor dem Beginn (must not be before planned_start)"
        in (error["message"])
    )
