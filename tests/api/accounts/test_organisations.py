"""Organisations: who reads and who changes them, and changes by If-Match / ETag (428
without If-Match, 412 when stale) like every other versioned object."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import memberships_table, organisations_table
from grants.core.roles import OrganisationRole, StaffRole
from grants.db.audit import audit_table
from tests.factories import bearer, login, register, staff_headers


def if_match(headers: dict[str, str], etag: str) -> dict[str, str]:
    return {**headers, "If-Match": etag}


async def _stored(db_session: AsyncSession, org_id: str) -> dict[str, Any]:
    """The organisation's row as the database holds it (not as an API answer says)."""
    async with db_session.begin():
        row = (
            await db_session.execute(
                sa.select(organisations_table).where(organisations_table.c.id == uuid.UUID(org_id))
            )
        ).one()
    return dict(row._mapping)


async def _audit_entries(db_session: AsyncSession, action: str) -> list[Any]:
    async with db_session.begin():
        return list(
            await db_session.execute(
                sa.select(audit_table)
                .where(audit_table.c.action == action)
                .order_by(audit_table.c.seq)
            )
        )


async def test_member_reads_own_organisation_with_its_etag(client: httpx.AsyncClient) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    response = await client.get(f"/api/organisations/{org_id}", headers=bearer(tokens))
    assert response.status_code == 200
    assert response.json()["customer_number"] == user["organisation"]["customer_number"]
    assert response.json()["version"] == 1
    assert response.headers["ETag"] == '"1"'


async def test_other_organisations_are_invisible_not_forbidden(client: httpx.AsyncClient) -> None:
    """A user probing another organisation's id learns nothing: 404, same as a random id."""
    mine = await register(client)
    theirs = await register(client)
    tokens = await login(client, mine["email"], mine["password"])
    foreign = await client.get(
        f"/api/organisations/{theirs['organisation']['id']}", headers=bearer(tokens)
    )
    random = await client.get(f"/api/organisations/{uuid.uuid4()}", headers=bearer(tokens))
    assert foreign.status_code == random.status_code == 404
    assert foreign.json()["detail"] == random.json()["detail"]
    patch = await client.patch(
        f"/api/organisations/{theirs['organisation']['id']}",
        json={"city": "Hijacked"},
        headers=if_match(bearer(tokens), '"1"'),
    )
    assert patch.status_code == 404


async def test_admin_updates_with_the_etag_read_and_audit_keeps_before_and_after(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    url = f"/api/organisations/{org_id}"
    read = await client.get(url, headers=bearer(tokens))
    response = await client.patch(
        url, json={"street": "Markt 2"}, headers=if_match(bearer(tokens), read.headers["ETag"])
    )
    assert response.status_code == 200, response.text
    assert (response.json()["street"], response.json()["version"]) == ("Markt 2", 2)
    assert response.headers["ETag"] == '"2"'
    stored = await _stored(db_session, org_id)
    assert (stored["street"], stored["version"], stored["city"]) == ("Markt 2", 2, "Schneeberg")
    # The answer's ETag is the next change's If-Match.
    again = await client.patch(
        url, json={"city": "Aue"}, headers=if_match(bearer(tokens), response.headers["ETag"])
    )
    assert again.status_code == 200, again.text
    assert again.headers["ETag"] == '"3"'

    [first, second] = await _audit_entries(db_session, "organisation_updated")
    assert first.before["street"] == "Markt 1"
    assert (first.before["version"], first.after["version"]) == (1, 2)
    assert first.after["street"] == "Markt 2"
    assert first.actor_label == user["email"]
    assert (second.before["city"], second.after["city"]) == ("Schneeberg", "Aue")
    # The registration's entries name the registrant, not "anonymous".
    registered = await _audit_entries(db_session, "organisation_registered")
    mine = [e for e in registered if e.object_id == org_id]
    assert [(e.actor_label, e.actor_id) for e in mine] == [(user["email"], user["user"]["id"])]


async def test_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    url = f"/api/organisations/{org_id}"
    first = await client.patch(url, json={"city": "Aue"}, headers=if_match(bearer(tokens), '"1"'))
    assert first.status_code == 200
    before = await _stored(db_session, org_id)
    stale = await client.patch(
        url, json={"city": "Zwönitz"}, headers=if_match(bearer(tokens), '"1"')
    )
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["current_version"] == 2
    assert await _stored(db_session, org_id) == before
    assert (before["city"], before["version"]) == ("Aue", 2)
    assert len(await _audit_entries(db_session, "organisation_updated")) == 1
    current = await client.get(url, headers=bearer(tokens))
    assert current.json()["city"] == "Aue"
    assert current.headers["ETag"] == '"2"'


async def test_change_without_if_match_is_428_and_changes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    before = await _stored(db_session, org_id)
    missing = await client.patch(
        f"/api/organisations/{org_id}", json={"city": "Aue"}, headers=bearer(tokens)
    )
    assert missing.status_code == 428, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert await _stored(db_session, org_id) == before


async def test_version_in_the_body_is_an_unknown_field(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    """The version travels in If-Match only; the old body field is refused, naming it."""
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    before = await _stored(db_session, org_id)
    for headers in (bearer(tokens), if_match(bearer(tokens), '"1"')):
        refused = await client.patch(
            f"/api/organisations/{org_id}", json={"version": 1, "city": "Aue"}, headers=headers
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["version"]
    # A field sent as null is refused too (every column is required), not a server error.
    null = await client.patch(
        f"/api/organisations/{org_id}",
        json={"city": None},
        headers=if_match(bearer(tokens), '"1"'),
    )
    assert null.status_code == 422, null.text
    assert [e["field"] for e in null.json()["errors"]] == ["city"]
    assert await _stored(db_session, org_id) == before


async def test_plain_member_may_read_but_not_change(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await register(client)
    colleague = await register(client)
    org_id = uuid.UUID(owner["organisation"]["id"])
    async with db_session.begin():
        await db_session.execute(
            sa.insert(memberships_table).values(
                user_id=uuid.UUID(colleague["user"]["id"]),
                organisation_id=org_id,
                role=OrganisationRole.MEMBER,
                created_at=datetime.now(UTC),
            )
        )
    tokens = await login(client, colleague["email"], colleague["password"])
    assert (
        await client.get(f"/api/organisations/{org_id}", headers=bearer(tokens))
    ).status_code == 200
    response = await client.patch(
        f"/api/organisations/{org_id}",
        json={"city": "Aue"},
        headers=if_match(bearer(tokens), '"1"'),
    )
    assert response.status_code == 403
    assert response.json()["type"] == "urn:grants:problem:forbidden"


async def test_programme_manager_reads_any_organisation_but_evaluator_does_not(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    applicant = await register(client)
    org_id = applicant["organisation"]["id"]
    for role, expected in ((StaffRole.PROGRAMME_MANAGER, 200), (StaffRole.EVALUATOR, 404)):
        headers = await staff_headers(client, db_session, role)
        me = (await client.get("/api/me", headers=headers)).json()
        assert me["staff_roles"] == [role.value]
        response = await client.get(f"/api/organisations/{org_id}", headers=headers)
        assert response.status_code == expected


async def test_listing_all_organisations_is_for_programme_managers_and_admins(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    applicant = await register(client)
    applicant_headers = bearer(await login(client, applicant["email"], applicant["password"]))
    for _ in range(2):
        await register(client)
    assert (await client.get("/api/organisations", headers=applicant_headers)).status_code == 403
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    assert (await client.get("/api/organisations", headers=evaluator)).status_code == 403
    for role in (StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN):
        headers = await staff_headers(client, db_session, role)
        page = (await client.get("/api/organisations?limit=2", headers=headers)).json()
        assert page["total"] >= 3
        assert len(page["items"]) == 2
        assert page["limit"] == 2
        rest = (await client.get("/api/organisations?limit=100&offset=2", headers=headers)).json()
        assert len(rest["items"]) == page["total"] - 2
        assert {o["id"] for o in rest["items"]}.isdisjoint({o["id"] for o in page["items"]})


async def test_page_size_is_bounded(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    headers = await staff_headers(client, db_session, StaffRole.ADMIN)
    for query in ("limit=0", "limit=101", "offset=-1", "limit=abc"):
        response = await client.get(f"/api/organisations?{query}", headers=headers)
        assert response.status_code in {400, 422}, query
        assert response.headers["content-type"].startswith("application/problem+json")
