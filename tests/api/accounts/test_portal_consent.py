"""The consent to notification by portal retrieval (§ 41 Abs. 2a VwVfG): none until an
admin of the organisation gives it; given and withdrawn by admins only, each change a new
row (append-only) and an audit entry; read by members and programme managers; nobody else
learns whether the organisation exists."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.delivery_consent import TEXT_DE, WORDING
from grants.accounts.tables import memberships_table
from grants.core.roles import OrganisationRole, StaffRole
from tests.factories import bearer, login, register, staff_headers


async def _count(db_session: AsyncSession, sql: str, **params: object) -> int:
    value = (await db_session.execute(sa.text(sql), params)).scalar_one()
    await db_session.commit()
    return int(value)


async def test_only_the_organisations_admin_gives_and_withdraws_it(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await register(client)
    colleague = await register(client)
    stranger = await register(client)
    org_id = owner["organisation"]["id"]
    async with db_session.begin():
        await db_session.execute(
            sa.insert(memberships_table).values(
                user_id=uuid.UUID(colleague["user"]["id"]),
                organisation_id=uuid.UUID(org_id),
                role=OrganisationRole.MEMBER,
                created_at=datetime.now(UTC),
            )
        )
    admin = bearer(await login(client, owner["email"], owner["password"]))
    member = bearer(await login(client, colleague["email"], colleague["password"]))
    outsider = bearer(await login(client, stranger["email"], stranger["password"]))
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    url = f"/api/organisations/{org_id}/portal-delivery-consent"

    never = await client.get(url, headers=member)
    assert never.status_code == 200, never.text
    assert never.json() | {"text_de": ""} == {
        "organisation_id": org_id,
        "consented": False,
        "wording": WORDING,
        "text_de": "",
        "text_en": never.json()["text_en"],
        "recorded_by_name": None,
        "recorded_at": None,
    }
    assert never.json()["text_de"] == TEXT_DE and "§ 41 Abs. 2a VwVfG" in TEXT_DE

    for headers, status in ((member, 403), (outsider, 404), (manager, 404)):
        refused = await client.put(url, json={"consented": True}, headers=headers)
        assert refused.status_code == status, (status, refused.text)
    assert (await client.get(url, headers=outsider)).status_code == 404
    assert (
        await client.get(
            f"/api/organisations/{uuid.uuid4()}/portal-delivery-consent", headers=manager
        )
    ).status_code == 404
    bad = await client.put(url, json={"consented": "ja"}, headers=admin)
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["consented"]
    assert await _count(db_session, "SELECT count(*) FROM portal_delivery_consents") == 0

    given = await client.put(url, json={"consented": True}, headers=admin)
    assert given.status_code == 200, given.text
    assert given.json()["consented"] is True and given.json()["recorded_by_name"]
    assert (await client.get(url, headers=manager)).json()["consented"] is True
    # The same answer again records nothing; a withdrawal is a new row.
    assert (await client.put(url, json={"consented": True}, headers=admin)).status_code == 200
    withdrawn = await client.put(url, json={"consented": False}, headers=admin)
    assert withdrawn.json()["consented"] is False
    rows = await _count(
        db_session,
        "SELECT count(*) FROM portal_delivery_consents WHERE organisation_id = :o",
        o=org_id,
    )
    audited = await _count(
        db_session,
        "SELECT count(*) FROM audit_log WHERE action = 'portal_consent_recorded' "
        "AND object_id = :o",
        o=org_id,
    )
    assert (rows, audited) == (2, 2)
    with pytest.raises(sa.exc.DBAPIError):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE portal_delivery_consents SET consented = true")
            )
