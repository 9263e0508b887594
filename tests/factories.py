"""Builders that go through the API or the services, so states are realistic."""

import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.service import create_staff_user
from grants.context import Context
from grants.core.actors import Actor
from grants.core.roles import StaffRole
from grants.guidelines.registry import GuidelineRegistry

STAFF_PASSWORD = "Bewilligung-Sachsen-2026"


def system_context(
    session: AsyncSession,
    *,
    now: datetime | None = None,
    actor: Actor | None = None,
    guidelines: GuidelineRegistry | None = None,
) -> Context:
    """The use-case context of a command the test runs as the CLI would (no signed-in user)."""
    return Context(
        session=session,
        actor=actor or Actor.system("test"),
        now=now or datetime.now(UTC),
        guidelines=guidelines or GuidelineRegistry([]),
    )


def registration_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": f"anna.{secrets.token_hex(4)}@kulturwerk.example",
        "password": "Werkbank-Lötkolben-3D-Drucker",
        "display_name": "Anna Beispiel",
        "organisation": {
            "legal_name": "KulturWerk Schneeberg e.V.",
            "legal_form": "eingetragener Verein",
            "applicant_type": "nonprofit",
            "street": "Markt 1",
            "postal_code": "08289",
            "city": "Schneeberg",
            "municipality_key": "14521530",
        },
    }
    organisation = overrides.pop("organisation", None)
    body.update(overrides)
    if organisation is not None:
        body["organisation"] = {**body["organisation"], **organisation}
    return body


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = registration_body(**overrides)
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    return {**response.json(), "password": body["password"], "email": body["email"]}


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def staff_headers(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    *roles: StaffRole,
    email: str = "",
    log_in: bool = True,
) -> dict[str, str]:
    """A staff user holding ``roles`` (created through the service, as the CLI does) and the
    headers of its login; ``log_in=False`` only creates it."""
    email = email or f"staff.{secrets.token_hex(4)}@sab.example"
    await create_staff_user(
        system_context(db_session),
        email=email,
        display_name="Staff " + ", ".join(r.value for r in roles),
        password=STAFF_PASSWORD,
        roles=list(roles),
    )
    return bearer(await login(client, email, STAFF_PASSWORD)) if log_in else {}
