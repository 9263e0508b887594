"""Discarding a draft: only a never-submitted draft, only by its organisation, with If-Match;
audited, gone from the lists, never seen by staff; a submitted application is withdrawn
instead, never discarded."""

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.db.audit import AuditLog
from tests.applications_factories import applicant, draft, submitted
from tests.evaluation_factories import manager


async def test_a_draft_is_discarded_audited_and_gone_from_the_lists(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    kept = await draft(client, anna["headers"])
    dropped = await draft(client, anna["headers"], title="Verworfene Idee")
    url = f"/api/applications/{dropped['id']}"

    assert (await client.delete(url, headers=anna["headers"])).status_code == 428
    stale = await client.delete(url, headers={**anna["headers"], "If-Match": '"999"'})
    assert stale.status_code == 412
    gone = await client.delete(
        url, headers={**anna["headers"], "If-Match": f'"{dropped["version"]}"'}
    )
    assert gone.status_code == 204, gone.text

    listed = (await client.get("/api/applications", headers=anna["headers"])).json()
    assert [a["id"] for a in listed["items"]] == [kept["id"]]
    asked = await client.get(
        "/api/applications", params={"status": "discarded"}, headers=anna["headers"]
    )
    assert [a["id"] for a in asked.json()["items"]] == [dropped["id"]]
    again = (await client.get(url, headers=anna["headers"])).json()
    assert again["status"] == "discarded"
    patched = await client.patch(
        url, json={"title": "doch noch"}, headers={**anna["headers"], "If-Match": '"2"'}
    )
    assert patched.status_code in {403, 409}

    actions = (
        await db_session.execute(
            sa.select(AuditLog.action).where(AuditLog.object_id == dropped["id"])  # type: ignore[arg-type]
        )
    ).scalars()
    assert "application_discarded" in [str(a) for a in actions]


async def test_only_the_organisation_discards_and_staff_never_see_it(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna, bert = await applicant(client), await applicant(client)
    staff = await manager(client, db_session)
    created = await draft(client, anna["headers"])
    url = f"/api/applications/{created['id']}"
    etag = {"If-Match": f'"{created["version"]}"'}
    assert (await client.delete(url, headers={**bert["headers"], **etag})).status_code == 404
    assert (await client.delete(url, headers={**staff, **etag})).status_code == 404
    assert (await client.delete(url, headers=etag)).status_code == 401
    done = await client.delete(url, headers={**anna["headers"], **etag})
    assert done.status_code == 204
    assert (await client.get(url, headers=staff)).status_code == 404
    listed = await client.get("/api/applications", params={"status": "discarded"}, headers=staff)
    assert created["id"] not in [a["id"] for a in listed.json()["items"]]


async def test_a_submitted_application_is_withdrawn_not_discarded(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    current = (await client.get(url, headers=anna["headers"])).json()
    refused = await client.delete(
        url, headers={**anna["headers"], "If-Match": f'"{current["version"]}"'}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["current_state"] == "submitted"
    assert (await client.get(url, headers=anna["headers"])).json()["status"] == "submitted"


async def test_transitions_honour_an_if_match_when_given(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    body = {"event": "withdraw", "reason": "Projekt entfällt."}
    stale = await client.post(
        f"{url}/transitions", json=body, headers={**anna["headers"], "If-Match": '"999"'}
    )
    assert stale.status_code == 412, stale.text
    current = (await client.get(url, headers=anna["headers"])).json()
    done = await client.post(
        f"{url}/transitions",
        json=body,
        headers={**anna["headers"], "If-Match": f'"{current["version"]}"'},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "withdrawn"
