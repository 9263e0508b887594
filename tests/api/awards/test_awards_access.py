"""Every awards URL (taken from the app's routes, so a new one joins by itself), called by
people who may not see or change its object: an applicant of another organisation, an
evaluator, and — for staff steps — the recipient itself. None gets a 2xx, none learns
more than "not found" about another organisation's award, and nothing is written."""

import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.applications_factories import applicant
from tests.awards_factories import PROGRAMME, notified_award
from tests.factories import staff_headers
from tests.fakes import FakeClock

# What each path parameter is filled with, from the award fixture.
_FILL = {
    "application_id": "a",
    "decision_id": "decision",
    "payment_id": "payment",
    "proof_id": "proof",
    "hearing_id": "hearing",
    "batch_id": "batch",
}
# Staff steps the recipient's own organisation may not take either.
_RECIPIENT_MAY = {
    ("GET", "/api/applications/{application_id}/decisions"),
    ("GET", "/api/applications/{application_id}/ledger"),
    ("GET", "/api/applications/{application_id}/payment-requests"),
    ("POST", "/api/applications/{application_id}/payment-requests"),
    ("GET", "/api/decisions/{decision_id}"),
    ("GET", "/api/payment-requests/{payment_id}"),
    ("GET", "/api/applications/{application_id}/formal-application"),
    ("PUT", "/api/applications/{application_id}/formal-application"),
    ("POST", "/api/applications/{application_id}/formal-application/submissions"),
    ("GET", "/api/applications/{application_id}/formal-application/submissions/{number}/receipt"),
    ("GET", "/api/applications/{application_id}/proofs-of-use"),
    ("POST", "/api/applications/{application_id}/proofs-of-use"),
    ("GET", "/api/proofs-of-use/{proof_id}"),
    ("PUT", "/api/proofs-of-use/{proof_id}"),
    ("POST", "/api/proofs-of-use/{proof_id}/submission"),
    ("GET", "/api/applications/{application_id}/hearings"),
    ("POST", "/api/hearings/{hearing_id}/responses"),
    ("GET", "/api/applications/{application_id}/reclaim"),
    ("GET", "/api/applications/{application_id}/award"),
    ("GET", "/api/applications/{application_id}/unused-funds-interest"),
}
# Readable by the recipient, but the fixture's award has no revocation and no interest set:
# 404 for everyone.
_NOTHING_YET = {
    "/api/applications/{application_id}/reclaim",
    "/api/applications/{application_id}/unused-funds-interest",
}


HEARING = {"measure": "revocation", "facts": "x", "intended_grant": "0.00"}


def _bodies(award: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """A valid body for each operation that takes one: what is judged is who may, not what."""
    today = str(award["today"])
    hearing = HEARING | {"facts_known_on": today}
    rejection = {
        "kind": "rejection",
        "reasons": [{"kind": "other", "text": "x"}],
        "discretion": "x",
    }
    return {
        ("PUT", "/api/programmes/{guideline_id}/budgets"): {
            "fiscal_year": 2030,
            "cash_appropriation": "1.00",
            "commitment_authorisation": "0.00",
            "reason": "x",
        },
        ("PUT", "/api/programmes/{guideline_id}/settings"): {
            "second_approval_required": True,
            "reason": "x",
        },
        ("POST", "/api/applications/{application_id}/decisions"): rejection,
        ("PUT", "/api/decisions/{decision_id}"): rejection,
        ("POST", "/api/decisions/{decision_id}/notices"): {"kind": "objection", "on_date": today},
        ("POST", "/api/payment-requests/{payment_id}/refusal"): {"reason": "x"},
        ("PUT", "/api/applications/{application_id}/formal-application"): {"content": {}},
        ("POST", "/api/applications/{application_id}/formal-application/submissions"): {
            "confirmed_declarations": []
        },
        ("PUT", "/api/applications/{application_id}/formal-application/due-date"): {
            "due_on": "2030-01-01",
            "reason": "x",
        },
        ("POST", "/api/applications/{application_id}/proofs-of-use"): {
            "kind": "interim",
            "fiscal_year": award["today"].year,
        },
        ("PUT", "/api/proofs-of-use/{proof_id}"): {"factual_report": "x"},
        ("POST", "/api/proofs-of-use/{proof_id}/check"): {
            "outcome": "returned",
            "scope": "detailed",
            "return_reason": "x",
        },
        ("POST", "/api/calls/{guideline_id}/{call_code}/proof-samples"): {"seed": "12345678"},
        ("POST", "/api/applications/{application_id}/hearings"): hearing,
        ("POST", "/api/hearings/{hearing_id}/responses"): {"text": "x"},
        ("POST", "/api/applications/{application_id}/revocations"): {
            "hearing_id": award["hearing"],
            "new_grant": "0.00",
            "effective_from": today,
            "reasons": ["x"],
            "discretion": "x",
        },
        ("POST", "/api/applications/{application_id}/reclaim/refunds"): {
            "amount": "1.00",
            "received_on": today,
        },
        ("POST", "/api/applications/{application_id}/reclaim/interest"): {},
        ("POST", "/api/applications/{application_id}/unused-funds-interest"): {"discretion": "x"},
        ("POST", "/api/calls/{guideline_id}/{call_code}/release-batches"): {
            "decision_ids": [award["decision"]]
        },
        ("POST", "/api/applications/{application_id}/payment-requests"): {
            "fiscal_year": award["today"].year,
            "amount": "1.00",
            "purpose": "x",
            "needed_by": today,
            "costs_due": "10.00",
        },
    }


def awards_routes(app: Litestar) -> list[tuple[str, str]]:
    """(method, path template) of every operation tagged "awards" in the OpenAPI document."""
    return sorted(
        (method.upper(), path)
        for path, item in app.openapi_schema.to_schema()["paths"].items()
        for method, operation in item.items()
        if "awards" in operation.get("tags", [])
    )


@pytest.fixture
async def award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    found = await notified_award(client, db_session, clock)
    decision = (
        await client.get(f"/api/applications/{found['a']}/decisions", headers=found["manager"])
    ).json()[0]
    payment = await client.post(
        f"/api/applications/{found['a']}/payment-requests",
        json={
            "fiscal_year": found["today"].year,
            "amount": "1000.00",
            "purpose": "Werkzeug",
            "needed_by": str(found["today"]),
            "costs_due": "10000.00",
        },
        headers=found["applicant"],
    )
    assert payment.status_code == 201, payment.text
    proof = await client.post(
        f"/api/applications/{found['a']}/proofs-of-use",
        json={"kind": "final", "factual_report": "Werkstatt eingerichtet"},
        headers=found["applicant"],
    )
    assert proof.status_code == 201, proof.text
    hearing = await client.post(
        f"/api/applications/{found['a']}/hearings",
        json=HEARING | {"facts_known_on": str(found["today"])},
        headers=found["manager"],
    )
    assert hearing.status_code == 201, hearing.text
    return {
        "hearing": hearing.json()["id"],
        "batch": str(uuid.uuid4()),  # staff-only URL: the guard answers before any lookup
        **found,
        "decision": decision["id"],
        "payment": payment.json()["id"],
        "proof": proof.json()["id"],
    }


def _url(path: str, award: dict[str, Any]) -> str:
    url = path.replace("{guideline_id}", PROGRAMME).replace("{number}", "1")
    url = url.replace("{call_code}", "demo")
    for name, key in _FILL.items():
        url = url.replace("{" + name + "}", award[key])
    assert "{" not in url, f"no value for a parameter of {path}"
    return url


async def _counts(db_session: AsyncSession) -> tuple[int, ...]:
    await db_session.commit()
    tables = (
        "decisions",
        "decision_notices",
        "ledger_entries",
        "payment_requests",
        "budgets",
        "proofs_of_use",
        "proof_samples",
        "hearings",
        "hearing_responses",
        "refunds_received",
        "interest_decisions",
        "unused_funds_interest_decisions",
        "release_batches",
    )
    return tuple(
        [
            (await db_session.execute(sa.text(f"SELECT count(*) FROM {t}"))).scalar_one()  # noqa: S608 (fixed names)
            for t in tables
        ]
    )


async def test_every_awards_url_refuses_strangers_evaluators_and_the_recipient_where_staff_act(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    routes = awards_routes(app)
    assert len(routes) >= 15, routes  # budgets, settings, decisions, notices, payments, …
    stranger = (await applicant(client))["headers"]
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    before = await _counts(db_session)
    seen: list[tuple[str, str, str, int]] = []
    bodies = _bodies(award)
    for method, path in routes:
        url = _url(path, award)
        callers = {"stranger": stranger, "evaluator": evaluator}
        if (method, path) not in _RECIPIENT_MAY:
            callers["recipient"] = award["applicant"]
        for who, headers in callers.items():
            response = await client.request(
                method,
                url,
                json=bodies.get((method, path), {}) if method in {"POST", "PUT"} else None,
                headers={**headers, "If-Match": '"1"'},
            )
            seen.append((who, method, path, response.status_code))
            # Object URLs of another organisation: 404 (nothing learned); staff-only
            # programme URLs: 403 (the guard).
            assert response.status_code in {403, 404}, (who, method, path, response.text)
            if who == "stranger" and "{guideline_id}" not in path:
                assert response.status_code in {403, 404}
    assert await _counts(db_session) == before
    assert {who for who, *_ in seen} == {"stranger", "evaluator", "recipient"}


async def test_the_recipient_reads_its_own_award_and_no_other(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    stranger = (await applicant(client))["headers"]
    for path in sorted(p for m, p in _RECIPIENT_MAY if m == "GET" and p not in _NOTHING_YET):
        url = _url(path, award)
        assert (await client.get(url, headers=award["applicant"])).status_code == 200, url
        assert (await client.get(url, headers=stranger)).status_code == 404, url
