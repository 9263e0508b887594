import uuid

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.db.audit import AuditLog
from tests import attachment_files as files
from tests.api.attachments.helpers import (
    applicant_with_draft,
    set_status,
    upload,
    url,
)
from tests.applications_factories import applicant
from tests.factories import staff_headers

MARK = b"Vertrauliche Projektskizze 0xC0FFEE"


async def _outsiders(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> dict[str, dict[str, str]]:
    return {
        "other organisation": (await applicant(client))["headers"],
        "evaluator": await staff_headers(client, db_session, StaffRole.EVALUATOR),
    }


async def _every_url(
    client: httpx.AsyncClient, headers: dict[str, str], app_id: str, attachment_id: str
) -> list[httpx.Response]:
    return [
        await upload(client, headers, app_id, files.pdf(MARK)),
        await client.get(url(app_id), headers=headers),
        await client.get(url(app_id, attachment_id, "content"), headers=headers),
        await client.delete(url(app_id, attachment_id), headers=headers),
    ]


@pytest.mark.parametrize("status", ["draft", "submitted"])
async def test_outsiders_get_404_everywhere_and_no_bytes(
    client: httpx.AsyncClient, db_session: AsyncSession, status: str
) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf(MARK))).json()
    await set_status(db_session, app_id, status)
    for who, outsider in (await _outsiders(client, db_session)).items():
        for response in await _every_url(client, outsider, app_id, created["id"]):
            assert response.status_code == 404, (who, response.request.method, response.text)
            assert MARK not in response.content
    # Nothing changed for the owner: still one attachment, still downloadable.
    listed = (await client.get(url(app_id), headers=headers)).json()
    assert [a["id"] for a in listed] == [created["id"]]
    download = await client.get(url(app_id, created["id"], "content"), headers=headers)
    assert MARK in download.content


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    other_headers, other_app = await applicant_with_draft(client)
    assert (await client.get(url(uuid.uuid4()), headers=headers)).status_code == 404
    missing = url(app_id, uuid.uuid4(), "content")
    assert (await client.get(missing, headers=headers)).status_code == 404
    assert (await client.delete(url(app_id, uuid.uuid4()), headers=headers)).status_code == 404
    # An attachment id under another application of the same user's reach is not found.
    (await upload(client, other_headers, other_app, files.pdf())).json()
    crossed = url(other_app, created["id"], "content")
    assert (await client.get(crossed, headers=other_headers)).status_code == 404


async def test_anonymous_requests_are_401(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    for response in await _every_url(client, {}, app_id, created["id"]):
        assert response.status_code == 401


async def test_manager_reads_submitted_applications_but_cannot_change_them(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf(MARK))).json()
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    # A draft is the applicant's alone.
    assert (await client.get(url(app_id), headers=manager)).status_code == 404
    await set_status(db_session, app_id, "submitted")
    assert [a["id"] for a in (await client.get(url(app_id), headers=manager)).json()] == [
        created["id"]
    ]
    download = await client.get(url(app_id, created["id"], "content"), headers=manager)
    assert download.status_code == 200
    assert MARK in download.content
    assert (await upload(client, manager, app_id, files.pdf())).status_code == 403
    assert (await client.delete(url(app_id, created["id"]), headers=manager)).status_code == 403


@pytest.mark.parametrize(
    ("status", "changeable"),
    [
        ("draft", True),
        ("submitted", True),
        ("information_requested", True),
        ("formal_check", False),
        ("in_review", False),
        ("withdrawn", False),
        ("approved", False),
    ],
)
async def test_changes_only_in_editable_states(
    client: httpx.AsyncClient, db_session: AsyncSession, status: str, changeable: bool
) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    await set_status(db_session, app_id, status)
    uploaded = await upload(client, headers, app_id, files.pdf())
    deleted = await client.delete(url(app_id, created["id"]), headers=headers)
    if changeable:
        assert (uploaded.status_code, deleted.status_code) == (201, 204)
    else:
        assert (uploaded.status_code, deleted.status_code) == (409, 409)
        assert uploaded.json()["application_status"] == status
        # Reading stays possible in every state.
        download = await client.get(url(app_id, created["id"], "content"), headers=headers)
        assert download.status_code == 200


async def test_delete_is_soft_and_audited(
    client: httpx.AsyncClient, db_session: AsyncSession, store_root: object
) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    response = await client.delete(url(app_id, created["id"]), headers=headers)
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(url(app_id), headers=headers)).json() == []
    content = url(app_id, created["id"], "content")
    assert (await client.get(content, headers=headers)).status_code == 404
    again = await client.delete(url(app_id, created["id"]), headers=headers)
    assert again.status_code == 404
    async with db_session.begin():
        actions = (
            (
                await db_session.execute(
                    sa.select(AuditLog.action)  # type: ignore[call-overload]
                    .where(AuditLog.object_id == created["id"])
                    .order_by(AuditLog.seq)
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["attachment_uploaded", "attachment_deleted"]
