import uuid

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import Membership
from grants.core.roles import OrganisationRole, StaffRole
from grants.db.audit import AuditLog
from tests.factories import bearer, login, register, staff_headers


async def test_member_reads_own_organisation(client: httpx.AsyncClient) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    response = await client.get(f"/api/organisations/{org_id}", headers=bearer(tokens))
    assert response.status_code == 200
    assert response.json()["customer_number"] == user["organisation"]["customer_number"]


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
        json={"version": 1, "city": "Hijacked"},
        headers=bearer(tokens),
    )
    assert patch.status_code == 404


async def test_admin_updates_with_version_and_audit_keeps_before_and_after(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    response = await client.patch(
        f"/api/organisations/{org_id}",
        json={"version": 1, "street": "Markt 2"},
        headers=bearer(tokens),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["street"], response.json()["version"]) == ("Markt 2", 2)
    async with db_session.begin():
        entry = (
            await db_session.execute(
                sa.select(AuditLog).where(AuditLog.action == "organisation_updated")  # type: ignore[arg-type]
            )
        ).scalar_one()
    assert entry.before["street"] == "Markt 1"
    assert entry.after["street"] == "Markt 2"
    assert entry.actor_label == user["email"]


async def test_stale_version_is_409_and_changes_nothing(client: httpx.AsyncClient) -> None:
    user = await register(client)
    tokens = await login(client, user["email"], user["password"])
    org_id = user["organisation"]["id"]
    first = await client.patch(
        f"/api/organisations/{org_id}", json={"version": 1, "city": "Aue"}, headers=bearer(tokens)
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"/api/organisations/{org_id}",
        json={"version": 1, "city": "Zwönitz"},
        headers=bearer(tokens),
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "version"
    current = await client.get(f"/api/organisations/{org_id}", headers=bearer(tokens))
    assert current.json()["city"] == "Aue"


async def test_plain_member_may_read_but_not_change(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await register(client)
    colleague = await register(client)
    org_id = uuid.UUID(owner["organisation"]["id"])
    async with db_session.begin():
        db_session.add(
            Membership(
                user_id=uuid.UUID(colleague["user"]["id"]),
                organisation_id=org_id,
                role=OrganisationRole.MEMBER,
            )
        )
    tokens = await login(client, colleague["email"], colleague["password"])
    assert (
        await client.get(f"/api/organisations/{org_id}", headers=bearer(tokens))
    ).status_code == 200
    response = await client.patch(
        f"/api/organisations/{org_id}", json={"version": 1, "city": "Aue"}, headers=bearer(tokens)
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
