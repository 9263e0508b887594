"""Bodies that cannot be decoded — nested 10,000 levels deep, not JSON, not UTF-8 — are a
400 problem naming the body on every JSON endpoint (taken from the OpenAPI document), never a
500; nothing is written, and the log gets one warning line per request, no traceback."""

import logging
import re
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.http.hooks import MAX_JSON_DEPTH
from tests.applications_factories import applicant, draft
from tests.factories import staff_headers

DEEP = 10_000

BODIES: dict[str, tuple[bytes, str]] = {
    "deep-arrays": (b"[" * DEEP + b"]" * DEEP, "too_deep"),
    "deep-objects": (b'{"a":' * DEEP + b"1" + b"}" * DEEP, "too_deep"),
    # Shallow enough for the decoder itself: the depth limit catches these.
    "arrays-past-the-limit": (
        b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
        "too_deep",
    ),
    "objects-past-the-limit": (
        b'{"a":' * (MAX_JSON_DEPTH + 1) + b"null" + b"}" * (MAX_JSON_DEPTH + 1),
        "too_deep",
    ),
    "truncated-json": (b'{"email": ', "invalid_json"),
    "not-json": (b"email=a&password=b", "invalid_json"),
    "invalid-utf8-in-a-string": (b'{"email": "\xff\xfe", "title": "x"}', "invalid_utf8"),
    "invalid-utf8-bare": (b"\xff\xfe\xfd", "invalid_json"),
}


def json_operations(app: Litestar) -> list[tuple[str, str, str]]:
    """(method, path template, who) of every operation taking a JSON body; ``who`` is
    "anonymous", "applicant" (signed in, no role guard) or "staff" (behind a role guard)."""
    guarded = {
        (method, re.sub(r":\w+\}", "}", route.path)): bool(handler.resolve_guards())
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for method in handler.http_methods
    }
    operations = []
    for path, item in app.openapi_schema.to_schema()["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if not any(m == "application/json" or m.endswith("+json") for m in content):
                continue
            if not operation.get("security"):
                who = "anonymous"
            else:
                who = "staff" if guarded[(method.upper(), path)] else "applicant"
            operations.append((method.upper(), path, who))
    return operations


class Identities:
    """Who signs in where so that each request gets past authentication and the role guards
    and reaches the body decoder: the applicant (with its draft and organisation) where no
    role is required, a staff user holding every staff role behind the role guards."""

    def __init__(
        self, anna: dict[str, Any], application_id: str, staff: dict[str, str], staff_id: str
    ) -> None:
        self.anna, self.application_id = anna, application_id
        self.staff, self.staff_id = staff, staff_id

    def request_for(self, path: str, who: str) -> tuple[str, dict[str, str]]:
        values = {
            "application_id": self.application_id,
            "organisation_id": self.anna["organisation"]["id"],
            "user_id": self.staff_id,
        }
        url = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1)) or uuid.uuid4()), path)
        headers = {"anonymous": {}, "applicant": self.anna["headers"], "staff": self.staff}[who]
        return url, dict(headers)


@pytest.fixture
async def identities(client: httpx.AsyncClient, db_session: AsyncSession) -> Identities:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    staff = await staff_headers(client, db_session, *StaffRole)
    me = (await client.get("/api/me", headers=staff)).json()
    return Identities(anna, application["id"], staff, me["user"]["id"])


async def _row_counts(db_session: AsyncSession) -> dict[str, int]:
    tables = (
        await db_session.execute(
            sa.text(
                # request_counters: the pre-check's rate limit counts every request, refused
                # ones too (so that flooding with junk is limited like anything else).
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
                "AND table_name <> 'request_counters'"
            )
        )
    ).scalars()
    return {
        name: (
            await db_session.execute(sa.select(sa.func.count()).select_from(sa.table(name)))
        ).scalar_one()
        for name in tables
    }


def test_the_enumeration_finds_the_json_endpoints(app: Litestar) -> None:
    found = {(method, path) for method, path, _ in json_operations(app)}
    assert {
        ("POST", "/api/eligibility-checks"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/register"),
        ("POST", "/api/auth/refresh"),
        ("PATCH", "/api/applications/{application_id}"),
        ("PUT", "/api/evaluation/decisions/{application_id}"),
    } <= found
    assert len(found) >= 20
    # The upload takes raw bytes, not JSON.
    assert ("POST", "/api/applications/{application_id}/attachments") not in found


@pytest.mark.parametrize("kind", list(BODIES))
async def test_undecodable_body_is_400_on_every_json_endpoint(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    identities: Identities,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    body, rule = BODIES[kind]
    operations = json_operations(app)
    before = await _row_counts(db_session)
    failures = []
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        for method, path, who in operations:
            url, headers = identities.request_for(path, who)
            headers["Content-Type"] = "application/json"
            response = await client.request(method, url, content=body, headers=headers)
            problem = response.json() if response.status_code == 400 else {}
            errors = problem.get("errors") or [{}]
            message = str(errors[0].get("message", ""))
            if (
                response.status_code != 400
                or not response.headers["content-type"].startswith("application/problem+json")
                or problem.get("type") != "urn:grants:problem:bad-request"
                or errors != [{"field": "body", "rule": rule, "message": message}]
                or "(" not in message  # German (English)
            ):
                failures.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
    assert not failures, "\n".join(failures)
    assert await _row_counts(db_session) == before
    # One warning line per request, none with a traceback, nothing worse.
    assert not [r for r in caplog.records if r.exc_info or r.levelno > logging.WARNING]
    warnings = [r for r in caplog.records if r.name == "grants.http"]
    assert len(warnings) == len(operations)
    assert all(r.getMessage() == "undecodable request body" for r in warnings)


async def test_deep_body_without_a_token_is_401_before_being_read(
    client: httpx.AsyncClient,
) -> None:
    body, _ = BODIES["deep-arrays"]
    response = await client.patch(
        f"/api/applications/{uuid.uuid4()}",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_messages_are_german_with_english(client: httpx.AsyncClient) -> None:
    expected = {
        "deep-arrays": "zu tief verschachtelt",
        "truncated-json": "kein gültiges JSON",
        "invalid-utf8-in-a-string": "kein gültiges UTF-8",
    }
    for kind, german in expected.items():
        response = await client.post(
            "/api/auth/login", content=BODIES[kind][0], headers={"Content-Type": "application/json"}
        )
        problem = response.json()
        assert german in problem["errors"][0]["message"]
        assert "body" in problem["errors"][0]["message"]
        assert problem["detail"].startswith("Ungültige Anfrage (malformed request): ")


async def test_bodies_within_the_depth_limit_reach_validation(client: httpx.AsyncClient) -> None:
    # Exactly at the limit: decoded, then rejected by the model (422, not 400).
    nested = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    response = await client.post(
        "/api/auth/login", content=nested, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    # Many brackets, little depth: no false alarm.
    wide = b'{"email": "a@b.example", "password": "x", "extra": [' + b"[],{}," * 500 + b"[]]}"
    response = await client.post(
        "/api/auth/login", content=wide, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text


async def test_invalid_utf8_the_fast_path_declines_is_400(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/eligibility-checks",
        content=b'{"guideline": "\xff"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "invalid_utf8"
