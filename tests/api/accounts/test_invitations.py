"""Inviting members into an organisation, accepting (signed in or with a new account),
listing and revoking invitations, listing and removing members; who may do each of them."""

import secrets
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.db.audit import audit_table
from grants.notifications.tables import outbox_table
from tests.factories import bearer, login, mail_token, mail_tokens, register, staff_headers
from tests.fakes import FakeClock

PASSWORD = "Schraubstock-Werkbank-Feile-9"


async def admin_of_new_org(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    account = await register(client, **overrides)
    tokens = await login(client, account["email"], account["password"])
    return {**account, "headers": bearer(tokens), "org": account["organisation"]["id"]}


def new_email() -> str:
    return f"bernd.{secrets.token_hex(4)}@kulturwerk.example"


async def invite(
    client: httpx.AsyncClient, admin: dict[str, Any], email: str, role: str = "member"
) -> httpx.Response:
    return await client.post(
        f"/api/organisations/{admin['org']}/invitations",
        json={"email": email, "role": role},
        headers=admin["headers"],
    )


async def invited_token(
    client: httpx.AsyncClient, admin: dict[str, Any], email: str, role: str = "member"
) -> str:
    response = await invite(client, admin, email, role)
    assert response.status_code == 201, response.text
    return await mail_token(client, email, "invitation")


async def accept_new(
    client: httpx.AsyncClient, token: str, display_name: str = "Bernd Beispiel"
) -> httpx.Response:
    return await client.post(
        "/api/invitations/accept",
        json={"token": token, "account": {"display_name": display_name, "password": PASSWORD}},
    )


async def joined(
    client: httpx.AsyncClient, admin: dict[str, Any], role: str = "member"
) -> dict[str, Any]:
    """A new person invited with ``role``, accepted with a new account, signed in."""
    email = new_email()
    accepted = await accept_new(client, await invited_token(client, admin, email, role))
    assert accepted.status_code == 201, accepted.text
    tokens = await login(client, email, PASSWORD)
    return {"email": email, "user_id": accepted.json()["user"]["id"], "headers": bearer(tokens)}


async def audit_actions(db_session: AsyncSession, object_id: str) -> list[str]:
    async with db_session.begin():
        return list(
            (
                await db_session.execute(
                    sa.select(audit_table.c.action)
                    .where(audit_table.c.object_id == object_id)
                    .order_by(audit_table.c.seq)
                )
            ).scalars()
        )


async def test_an_admin_invites_and_a_new_person_joins_with_a_new_account(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    admin = await admin_of_new_org(client, organisation={"legal_name": "MakerSpace Aue e.V."})
    email = new_email()
    response = await invite(client, admin, email.upper())
    assert response.status_code == 201, response.text
    invitation = response.json()
    assert (invitation["email"], invitation["role"], invitation["status"]) == (
        email,
        "member",
        "open",
    )
    assert invitation["organisation_id"] == admin["org"]
    assert invitation["invited_by"] == admin["user"]["id"]
    async with db_session.begin():
        [mail] = (
            await db_session.execute(
                sa.select(outbox_table.c.subject, outbox_table.c.body_text).where(
                    outbox_table.c.recipient == email, outbox_table.c.kind == "invitation"
                )
            )
        ).all()
    assert mail.subject == "Einladung: MakerSpace Aue e.V."
    assert "Anna Beispiel lädt Sie ein" in mail.body_text
    assert "Mitglied" in mail.body_text
    token = await mail_token(client, email, "invitation")

    accepted = await accept_new(client, token)
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert body["user"]["email"] == email
    assert body["membership"]["role"] == "member"
    assert body["membership"]["organisation"]["id"] == admin["org"]
    me = await client.get("/api/me", headers=bearer(await login(client, email, PASSWORD)))
    assert [(m["organisation"]["id"], m["role"]) for m in me.json()["memberships"]] == [
        (admin["org"], "member")
    ]
    assert await audit_actions(db_session, invitation["id"]) == [
        "member_invited",
        "invitation_accepted",
    ]
    assert await audit_actions(db_session, body["user"]["id"]) == ["user_registered"]

    again = await accept_new(client, token, "Someone Else")
    assert again.status_code == 422
    assert again.json()["errors"][0] == {
        "field": "token",
        "rule": "used",
        "message": again.json()["errors"][0]["message"],
    }


async def test_an_existing_user_accepts_signed_in_and_gets_the_admin_role(
    client: httpx.AsyncClient,
) -> None:
    admin = await admin_of_new_org(client)
    other = await admin_of_new_org(client)  # has an organisation of their own
    token = await invited_token(client, admin, other["email"], role="admin")
    accepted = await client.post(
        "/api/invitations/accept", json={"token": token}, headers=other["headers"]
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["user"]["id"] == other["user"]["id"]
    me = (await client.get("/api/me", headers=other["headers"])).json()
    assert {m["organisation"]["id"]: m["role"] for m in me["memberships"]} == {
        admin["org"]: "admin",
        other["org"]: "admin",
    }
    # The role is in effect: the new admin manages the organisation's people.
    members = await client.get(
        f"/api/organisations/{admin['org']}/members", headers=other["headers"]
    )
    assert members.status_code == 200
    assert {m["email"]: m["role"] for m in members.json()["items"]} == {
        admin["email"]: "admin",
        other["email"]: "admin",
    }


async def test_the_member_role_gives_no_management_rights(client: httpx.AsyncClient) -> None:
    admin = await admin_of_new_org(client)
    member = await joined(client, admin, role="member")
    url = f"/api/organisations/{admin['org']}"
    assert (await client.get(url, headers=member["headers"])).status_code == 200
    listing = await client.get(f"{url}/invitations", headers=member["headers"])
    assert listing.status_code == 403
    assert listing.json()["detail"].startswith("Nur die Nutzeradministration")


async def test_an_expired_invitation_is_refused_and_listed_as_expired(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    admin = await admin_of_new_org(client)
    email = new_email()
    token = await invited_token(client, admin, email)
    clock.advance(days=7, seconds=1)
    response = await accept_new(client, token)
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "expired"
    listing = await client.get(
        f"/api/organisations/{admin['org']}/invitations", headers=admin["headers"]
    )
    assert [(i["email"], i["status"]) for i in listing.json()["items"]] == [(email, "expired")]
    login_attempt = await client.post(
        "/api/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert login_attempt.status_code == 401


async def test_a_revoked_invitation_is_refused_and_no_longer_listed(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await admin_of_new_org(client)
    email = new_email()
    created = (await invite(client, admin, email)).json()
    token = await mail_token(client, email, "invitation")
    url = f"/api/organisations/{admin['org']}/invitations"
    listed = await client.get(url, headers=admin["headers"])
    assert [i["id"] for i in listed.json()["items"]] == [created["id"]]
    assert listed.json()["total"] == 1

    revoked = await client.delete(f"{url}/{created['id']}", headers=admin["headers"])
    assert revoked.status_code == 204
    response = await accept_new(client, token)
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "revoked"
    assert (await client.get(url, headers=admin["headers"])).json()["items"] == []
    # Revoking again changes nothing.
    assert (
        await client.delete(f"{url}/{created['id']}", headers=admin["headers"])
    ).status_code == 204
    assert await audit_actions(db_session, created["id"]) == [
        "member_invited",
        "invitation_revoked",
    ]


async def test_inviting_again_replaces_the_open_invitation(client: httpx.AsyncClient) -> None:
    admin = await admin_of_new_org(client)
    email = new_email()
    first = await invited_token(client, admin, email)
    await invite(client, admin, email, role="admin")
    older, newer = await mail_tokens(client, email, "invitation")
    assert older == first
    assert (await accept_new(client, first)).json()["errors"][0]["rule"] == "revoked"
    accepted = await accept_new(client, newer)
    assert accepted.status_code == 201
    assert accepted.json()["membership"]["role"] == "admin"


async def test_an_accepted_invitation_cannot_be_revoked(client: httpx.AsyncClient) -> None:
    admin = await admin_of_new_org(client)
    email = new_email()
    created = (await invite(client, admin, email)).json()
    await accept_new(client, await mail_token(client, email, "invitation"))
    response = await client.delete(
        f"/api/organisations/{admin['org']}/invitations/{created['id']}",
        headers=admin["headers"],
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "already_accepted"


async def test_an_invitation_forwarded_to_another_account_is_refused(
    client: httpx.AsyncClient,
) -> None:
    admin = await admin_of_new_org(client)
    stranger = await admin_of_new_org(client)
    email = new_email()
    token = await invited_token(client, admin, email)
    refused = await client.post(
        "/api/invitations/accept", json={"token": token}, headers=stranger["headers"]
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "token"
    assert refused.json()["errors"][0]["rule"] == "other_recipient"
    me = (await client.get("/api/me", headers=stranger["headers"])).json()
    assert [m["organisation"]["id"] for m in me["memberships"]] == [stranger["org"]]
    # The invitation stays open for the person it was sent to.
    assert (await accept_new(client, token)).status_code == 201


async def test_accepting_needs_a_login_or_new_account_data_but_not_both(
    client: httpx.AsyncClient,
) -> None:
    admin = await admin_of_new_org(client)
    invitee = await admin_of_new_org(client)
    token = await invited_token(client, admin, invitee["email"])
    missing = await client.post("/api/invitations/accept", json={"token": token})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "account"
    assert missing.json()["errors"][0]["rule"] == "missing"
    both = await client.post(
        "/api/invitations/accept",
        json={"token": token, "account": {"display_name": "X", "password": PASSWORD}},
        headers=invitee["headers"],
    )
    assert both.status_code == 422
    assert both.json()["errors"][0]["rule"] == "not_allowed_when_signed_in"
    # Anonymous with new account data for an address that has an account: sign in instead.
    exists = await accept_new(client, token)
    assert exists.status_code == 409
    assert exists.json()["errors"][0]["rule"] == "account_exists"
    broken_login = await client.post(
        "/api/invitations/accept", json={"token": token}, headers={"Authorization": "Bearer x"}
    )
    assert broken_login.status_code == 401
    weak = await client.post(
        "/api/invitations/accept",
        json={
            "token": await invited_token(client, admin, new_email()),
            "account": {"display_name": "Bernd", "password": "kurz"},
        },
    )
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "account.password"


async def test_members_and_bad_input_are_refused_at_invitation(client: httpx.AsyncClient) -> None:
    admin = await admin_of_new_org(client)
    member = await joined(client, admin)
    again = await invite(client, admin, member["email"])
    assert again.status_code == 409
    assert again.json()["errors"][0] == {
        "field": "email",
        "rule": "already_member",
        "message": again.json()["errors"][0]["message"],
    }
    bad = await client.post(
        f"/api/organisations/{admin['org']}/invitations",
        json={"email": "no-address", "role": "owner"},
        headers=admin["headers"],
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "role"}


async def test_members_are_listed_and_removed_but_never_the_last_admin(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await admin_of_new_org(client)
    member = await joined(client, admin)
    url = f"/api/organisations/{admin['org']}/members"
    listing = (await client.get(url, headers=admin["headers"])).json()
    assert listing["total"] == 2
    assert {m["user_id"]: m["role"] for m in listing["items"]} == {
        admin["user"]["id"]: "admin",
        member["user_id"]: "member",
    }

    last = await client.delete(f"{url}/{admin['user']['id']}", headers=admin["headers"])
    assert last.status_code == 409
    assert last.json()["errors"][0]["field"] == "user_id"
    assert last.json()["errors"][0]["rule"] == "last_admin"
    assert last.json()["detail"].startswith("Die letzte Nutzeradministration")

    removed = await client.delete(f"{url}/{member['user_id']}", headers=admin["headers"])
    assert removed.status_code == 204
    org = await client.get(f"/api/organisations/{admin['org']}", headers=member["headers"])
    assert org.status_code == 404  # removed at once, the same login
    assert (await client.get("/api/me", headers=member["headers"])).json()["memberships"] == []
    gone = await client.delete(f"{url}/{member['user_id']}", headers=admin["headers"])
    assert gone.status_code == 404
    assert "member_removed" in await audit_actions(db_session, admin["org"])


async def test_with_two_admins_one_may_remove_the_other(client: httpx.AsyncClient) -> None:
    admin = await admin_of_new_org(client)
    second = await joined(client, admin, role="admin")
    url = f"/api/organisations/{admin['org']}/members"
    assert (
        await client.delete(f"{url}/{admin['user']['id']}", headers=second["headers"])
    ).status_code == 204
    alone = await client.delete(f"{url}/{second['user_id']}", headers=second["headers"])
    assert alone.status_code == 409


def _urls(org: str, invitation: str, user: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/organisations/{org}"
    return [
        ("POST", f"{base}/invitations", {"email": new_email(), "role": "member"}),
        ("GET", f"{base}/invitations", None),
        ("DELETE", f"{base}/invitations/{invitation}", None),
        ("GET", f"{base}/members", None),
        ("DELETE", f"{base}/members/{user}", None),
    ]


@pytest.mark.parametrize("index", range(5))
async def test_only_the_admins_of_that_organisation_manage_its_people(
    client: httpx.AsyncClient, db_session: AsyncSession, index: int
) -> None:
    admin = await admin_of_new_org(client)
    member = await joined(client, admin)
    other_admin = await admin_of_new_org(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN)
    invitation = (await invite(client, admin, new_email())).json()
    method, url, body = _urls(admin["org"], invitation["id"], member["user_id"])[index]

    async def call(headers: dict[str, str]) -> httpx.Response:
        return await client.request(method, url, json=body, headers=headers)

    anonymous = await call({})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    plain = await call(member["headers"])
    assert plain.status_code == 403
    assert plain.json()["errors"][0]["field"] == "organisation_id"
    assert plain.json()["errors"][0]["rule"] == "admin_required"
    for outsider in (other_admin["headers"], manager):
        refused = await call(outsider)
        assert refused.status_code == 404, refused.text
        assert refused.json()["detail"] == "Organisation nicht gefunden (organisation not found)."
        assert refused.json()["errors"][0]["field"] == "organisation_id"
    allowed = await call(admin["headers"])
    assert allowed.status_code in {200, 201, 204}, allowed.text


async def test_another_organisations_invitation_is_not_found_through_mine(
    client: httpx.AsyncClient,
) -> None:
    mine = await admin_of_new_org(client)
    theirs = await admin_of_new_org(client)
    email = new_email()
    their_invitation = (await invite(client, theirs, email)).json()
    response = await client.delete(
        f"/api/organisations/{mine['org']}/invitations/{their_invitation['id']}",
        headers=mine["headers"],
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Einladung nicht gefunden (invitation not found)."
    random = await client.delete(
        f"/api/organisations/{mine['org']}/invitations/{uuid.uuid4()}", headers=mine["headers"]
    )
    assert random.json()["detail"] == response.json()["detail"]
    # Untouched, and accepting it makes a member of *their* organisation only.
    accepted = await accept_new(client, await mail_token(client, email, "invitation"))
    assert accepted.status_code == 201
    assert accepted.json()["membership"]["organisation"]["id"] == theirs["org"]
    members = await client.get(f"/api/organisations/{mine['org']}/members", headers=mine["headers"])
    assert [m["email"] for m in members.json()["items"]] == [mine["email"]]


async def test_accept_refuses_an_unknown_token(client: httpx.AsyncClient) -> None:
    response = await accept_new(client, "C" * 43)
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "invalid"
