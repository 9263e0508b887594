"""One language rule for every message, on every endpoint: the problem's ``detail`` and each
``errors[].message`` read German first, then English in brackets — Litestar's own texts
(routing, body limit), msgspec's about parameters, Pydantic's about bodies, and services'
texts written in one language only (the formal check's) alike."""

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.roles import StaffRole
from grants.settings import Settings
from tests.applications_factories import applicant, draft, if_match, submitted
from tests.conftest import client_for
from tests.evaluation_factories import close_call, closing_app
from tests.factories import staff_headers
from tests.fakes import FakeClock

# Words and letters that only German text here has (checked independently of the code's own
# detection, which this test would otherwise only repeat).
_GERMAN = re.compile(
    r"[äöüÄÖÜß„“]|\b(der|die|das|ist|nicht|kein|bitte|erwartet|fehlt|wert|zu|gefunden|"
    r"unbekannter|erlaubt|höchstens|mindestens|anfrage|eingabe|methode|betrag|ganze|zahl|"
    r"oder|erforderlich|anmeldung)\b",
    re.IGNORECASE,
)
_FIRST_BRACKETS = re.compile(r"\(((?:[^()]|\([^()]*\))*)\)")


def follows_the_rule(text: str) -> bool:
    """German before the first bracketed part, English (letters, no umlauts) inside it."""
    found = _FIRST_BRACKETS.search(text)
    if found is None:
        return False
    german, english = text[: found.start()], found.group(1)
    return (
        bool(_GERMAN.search(german))
        and bool(re.search(r"[A-Za-z]{2}", english))
        and not (re.search(r"[äöüÄÖÜß„“]", english))
    )


def check(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    problem: dict[str, Any] = response.json()
    texts = [problem["detail"], *(e["message"] for e in problem.get("errors", []))]
    broken = [text for text in texts if not follows_the_rule(text)]
    assert not broken, (response.request.method, response.request.url.path, broken)
    return problem


async def test_routing_and_body_limits(client: httpx.AsyncClient) -> None:
    check(await client.get("/api/nothing-here"), 404)
    check(await client.delete("/api/me"), 405)
    check(
        await client.post(
            "/api/auth/login",
            content=b"{" + b" " * (1024 * 1024 + 1) + b"}",
            headers={"content-type": "application/json"},
        ),
        413,
    )
    check(
        await client.post("/api/auth/login", content=b"x", headers={"content-type": "text/plain"}),
        415,
    )
    check(
        await client.post(
            "/api/auth/login", content=b'{"a": ', headers={"content-type": "application/json"}
        ),
        400,
    )
    check(await client.get("/api/me"), 401)


async def test_parameters_say_what_is_allowed(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    base = f"/api/applications/{application['id']}"
    problem = check(
        await client.post(f"{base}/attachments?kind=virus", content=b"x", headers=anna["headers"]),
        422,
    )
    [kind] = problem["errors"]
    assert kind["field"] == "query.kind" and kind["rule"] == "enum"
    assert "concept, budget, support_letter, other" in kind["message"]
    problem = check(
        await client.post(
            f"{base}/submissions",
            headers={
                **if_match(anna["headers"], application["version"]),
                "Idempotency-Key": "kurz",
            },
        ),
        422,
    )
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [
        ("header.Idempotency-Key", "string_too_short")
    ]  # and no "body missing": the body of a submission is optional
    check(await client.get("/api/applications?limit=1000", headers=anna["headers"]), 422)
    check(await client.get("/api/applications?limit=viele", headers=anna["headers"]), 422)
    check(await client.get(f"{base}/submissions/0", headers=anna["headers"]), 422)
    boss = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    check(
        await client.get(
            "/api/evaluation/rankings?call=demo&funding_line=stationary&budget=zehn", headers=boss
        ),
        422,
    )
    check(await client.get("/api/organisations", headers=anna["headers"]), 403)


async def test_bodies_say_what_is_wrong(client: httpx.AsyncClient) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    problem = check(
        await client.patch(
            f"/api/applications/{application['id']}",
            json={
                "cost_amounts": "brutto",  # an enum: the allowed values are named
                "cost_lines": [{"category": "equipment", "description": "x", "amount": "NaN"}],
                "status": "approved",
            },
            headers=if_match(anna["headers"], application["version"]),
        ),
        422,
    )
    rules = {e["field"]: e["rule"] for e in problem["errors"]}
    assert rules == {
        "cost_amounts": "enum",
        "cost_lines.0.amount": "finite_number",
        "status": "extra_forbidden",
    }
    enum = next(e for e in problem["errors"] if e["field"] == "cost_amounts")
    assert "'gross' oder 'net'" in enum["message"]


async def test_the_formal_checks_422(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    db_session: AsyncSession,
    clock: FakeClock,
) -> None:
    # A demo call that closes seconds after the clock starts: the check comes after it.
    async with client_for(closing_app(settings, session_factory, clock)) as client:
        anna = await applicant(client)
        boss = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
        application, _ = await submitted(client, db_session, anna["headers"])
        await close_call(client, clock)
        problem = check(
            await client.put(
                f"/api/applications/{application['id']}/formal-check",
                json={
                    "items": [{"code": "no_such_item", "confirmed": True}],
                    "outcome": "to_review",
                },
                headers=boss,
            ),
            422,
        )
    assert any(e["rule"] == "unknown_code" for e in problem["errors"])
