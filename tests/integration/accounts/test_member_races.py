"""Real commits from several connections: two admins removing each other at once leave one
admin (the actor's role is checked again under the organisation's lock), and one invitation
accepted twice at once makes one member."""

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from grants.app import create_app
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.settings import as_asyncpg_url
from tests.conftest import client_for, make_settings
from tests.factories import bearer, login, mail_token, register

PASSWORD = "Schraubstock-Werkbank-Feile-9"


@pytest_asyncio.fixture
async def committed_engine(committed_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_asyncpg_url(committed_database_url), pool_size=10)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def committed_app(committed_database_url: str, committed_engine: AsyncEngine) -> Litestar:
    return create_app(
        make_settings(committed_database_url),
        session_factory=build_session_factory(committed_engine),
        read_session_factory=build_read_session_factory(committed_engine),
        configure_logs=False,
    )


async def test_two_admins_removing_each_other_at_once_leave_one_admin(
    committed_app: Litestar, committed_engine: AsyncEngine
) -> None:
    async with client_for(committed_app) as client:
        first = await register(client)
        org = first["organisation"]["id"]
        first_headers = bearer(await login(client, first["email"], first["password"]))
        second_email = "zweite.admin@example.org"
        invited = await client.post(
            f"/api/organisations/{org}/invitations",
            json={"email": second_email, "role": "admin"},
            headers=first_headers,
        )
        assert invited.status_code == 201
        token = await mail_token(client, second_email, "invitation")
        accepted = await client.post(
            "/api/invitations/accept",
            json={"token": token, "account": {"display_name": "Zweite", "password": PASSWORD}},
        )
        assert accepted.status_code == 201, accepted.text
        second_id = accepted.json()["user"]["id"]
        second_headers = bearer(await login(client, second_email, PASSWORD))
        url = f"/api/organisations/{org}/members"
        responses = await asyncio.gather(
            client.delete(f"{url}/{second_id}", headers=first_headers),
            client.delete(f"{url}/{first['user']['id']}", headers=second_headers),
        )
    # The loser is refused either as the last admin (409) or, when the winner's removal of
    # them committed first, as no longer a member (404): never both removed.
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([204, 404], [204, 409]), [r.text for r in responses]
    async with committed_engine.connect() as connection:
        admins = (
            await connection.execute(
                sa.text(
                    "SELECT count(*) FROM memberships WHERE organisation_id = :org "
                    "AND role = 'admin'"
                ),
                {"org": org},
            )
        ).scalar_one()
    assert admins == 1


async def test_one_invitation_accepted_twice_at_once_makes_one_member(
    committed_app: Litestar, committed_engine: AsyncEngine
) -> None:
    async with client_for(committed_app) as client:
        admin = await register(client)
        org = admin["organisation"]["id"]
        headers = bearer(await login(client, admin["email"], admin["password"]))
        email = "eingeladen@example.org"
        invited = await client.post(
            f"/api/organisations/{org}/invitations", json={"email": email}, headers=headers
        )
        assert invited.status_code == 201
        token = await mail_token(client, email, "invitation")
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/invitations/accept",
                    json={"token": token, "account": {"display_name": name, "password": PASSWORD}},
                )
                for name in ("Eins", "Zwei", "Drei")
            )
        )
    assert sorted(r.status_code for r in responses) == [201, 422, 422], [r.text for r in responses]
    assert {r.json()["errors"][0]["rule"] for r in responses if r.status_code == 422} == {"used"}
    async with committed_engine.connect() as connection:
        members = (
            await connection.execute(
                sa.text("SELECT count(*) FROM memberships WHERE organisation_id = :org"),
                {"org": org},
            )
        ).scalar_one()
        users = (
            await connection.execute(
                sa.text("SELECT count(*) FROM users WHERE email = :email"), {"email": email}
            )
        ).scalar_one()
    assert (members, users) == (2, 1)
