"""Builders that go through the API or the services, so states are realistic."""

import re
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.service import create_staff_user
from grants.context import Context
from grants.core.actors import Actor
from grants.core.roles import StaffRole
from grants.guidelines.registry import GuidelineRegistry
from grants.notifications.tables import outbox_table

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


def app_of(client: httpx.AsyncClient) -> Litestar:
    """The app behind a test client (``conftest.client_for`` or an ``ASGITransport``)."""
    app: Litestar = client._transport.app  # type: ignore[attr-defined]
    return app


_TOKEN_IN_LINK = re.compile(r"#token=([A-Za-z0-9_-]{43})")


async def mail_tokens(client: httpx.AsyncClient, recipient: str, kind: str) -> list[str]:
    """The tokens of the queued e-mails of ``kind`` to ``recipient``, oldest first: tests
    follow the link a user would click (the database holds only the tokens' hashes)."""
    app = app_of(client)
    async with app.state.session_factory() as session, session.begin():
        bodies = (
            await session.execute(
                sa.select(outbox_table.c.body_text)
                .where(
                    outbox_table.c.recipient == recipient.strip().lower(),
                    outbox_table.c.kind == kind,
                )
                .order_by(outbox_table.c.created_at)
            )
        ).scalars()
        return [match.group(1) for body in bodies if (match := _TOKEN_IN_LINK.search(body))]


async def mail_token(client: httpx.AsyncClient, recipient: str, kind: str) -> str:
    tokens = await mail_tokens(client, recipient, kind)
    assert tokens, f"no {kind} e-mail to {recipient}"
    return tokens[-1]


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Register and confirm through the e-mail link, as an applicant does."""
    body = registration_body(**overrides)
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 202, response.text
    token = await mail_token(client, body["email"], "registration_confirmation")
    confirmed = await client.post("/api/auth/register/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text
    return {**confirmed.json(), "password": body["password"], "email": body["email"]}


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
