"""The people of an organisation, through the services: the actor's admin role is checked
again under the organisation's lock, so a request that began before its actor was removed
cannot act on (a principal read at the start of a request is stale by then)."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts import invitations
from grants.accounts.policy import AccountPolicy
from grants.accounts.schemas import InvitationCreate
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.errors import NotFound
from grants.guidelines.registry import GuidelineRegistry
from grants.settings import load_settings
from tests.factories import bearer, login, mail_token, register

PASSWORD = "Schraubstock-Werkbank-Feile-9"


async def test_a_removed_admin_with_a_stale_principal_can_no_longer_act(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    first = await register(client)
    org = first["organisation"]["id"]
    headers = bearer(await login(client, first["email"], first["password"]))
    email = "spaeter.entfernt@example.org"
    invited = await client.post(
        f"/api/organisations/{org}/invitations",
        json={"email": email, "role": "admin"},
        headers=headers,
    )
    assert invited.status_code == 201
    accepted = await client.post(
        "/api/invitations/accept",
        json={
            "token": await mail_token(client, email, "invitation"),
            "account": {"display_name": "Zweite", "password": PASSWORD},
        },
    )
    second_id = uuid.UUID(accepted.json()["user"]["id"])
    # What the second admin's request read when it began ...
    stale = Principal(
        user_id=second_id,
        email=email,
        display_name="Zweite",
        memberships={uuid.UUID(org): "admin"},
    )
    # ... before the first admin removed them.
    removed = await client.delete(f"/api/organisations/{org}/members/{second_id}", headers=headers)
    assert removed.status_code == 204
    ctx = UserContext.of(db_session, stale, now=datetime.now(UTC), guidelines=GuidelineRegistry([]))
    with pytest.raises(NotFound):
        await invitations.remove_member(ctx, uuid.UUID(org), uuid.UUID(first["user"]["id"]))
    with pytest.raises(NotFound):
        await invitations.invite(
            ctx,
            uuid.UUID(org),
            InvitationCreate(email="x@example.org"),
            policy=AccountPolicy.from_settings(load_settings()),
        )
    members = await client.get(f"/api/organisations/{org}/members", headers=headers)
    assert [m["email"] for m in members.json()["items"]] == [first["email"]]
