"""What happens while the scanner cannot be reached: the file is kept but quarantined."""

import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from obstore.store import MemoryStore
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.attachments import service
from grants.applications.attachments.scanner import ClamdScanner
from grants.applications.attachments.storage import ObjectStoreStorage, Storage
from grants.applications.attachments.tables import attachments_table
from grants.core.errors import InvalidInput
from tests import attachment_files as files
from tests.api.attachments.helpers import CleanScanner, applicant_with_draft, upload, url
from tests.fakes import FakeClock


async def test_unreachable_scanner_quarantines_until_a_rescan(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    app.state.attachment_scanner = ClamdScanner(f"unix://{tmp_path}/no-clamd.sock")
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, files.pdf())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["scan_status"] == "pending"
    download = await client.get(url(app_id, created["id"], "content"), headers=headers)
    assert download.status_code == 409
    assert download.json()["scan_status"] == "pending"
    listed = (await client.get(url(app_id), headers=headers)).json()
    assert [(a["id"], a["scan_status"]) for a in listed] == [(created["id"], "pending")]
    async with db_session.begin():
        snapshot = await service.attachments_for_snapshot(db_session, uuid.UUID(app_id))
        assert [a["scan_status"] for a in snapshot] == ["pending"]
        pending_id = [uuid.UUID(created["id"])]
        assert await service.attachments_by_ids(db_session, uuid.UUID(app_id), pending_id)
        with pytest.raises(InvalidInput):
            await service.attachments_by_ids(
                db_session, uuid.UUID(app_id), pending_id, clean_only=True
            )

    storage: Storage = app.state.attachment_storage
    still = await service.rescan_pending(
        session_factory, storage, app.state.attachment_scanner, now=clock()
    )
    assert (still.clean, still.still_pending) == (0, 1)
    clock.advance(minutes=5)
    summary = await service.rescan_pending(session_factory, storage, CleanScanner(), now=clock())
    assert (summary.clean, summary.infected, summary.still_pending) == (1, 0, 0)
    async with db_session.begin():
        row = (
            await db_session.execute(
                sa.select(attachments_table).where(
                    attachments_table.c.id == uuid.UUID(created["id"])
                )
            )
        ).one()
    assert (row.scan_status, row.scan_attempts, row.scanned_at) == ("clean", 3, clock())
    download = await client.get(url(app_id, created["id"], "content"), headers=headers)
    assert download.status_code == 200
    assert download.content == files.pdf()


async def test_an_object_store_works_the_same(app: Litestar, client: httpx.AsyncClient) -> None:
    storage = ObjectStoreStorage(MemoryStore())
    app.state.attachment_storage = storage
    headers, app_id = await applicant_with_draft(client)
    content = files.pdf(padding=600_000)
    created = (await upload(client, headers, app_id, content)).json()
    assert await storage.exists(f"attachments/{app_id}/{created['id']}")
    download = await client.get(url(app_id, created["id"], "content"), headers=headers)
    assert download.content == content


async def test_attachments_for_snapshot_and_by_ids(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    headers, app_id = await applicant_with_draft(client)
    first = (await upload(client, headers, app_id, files.pdf(), filename="a.pdf")).json()
    clock.advance(seconds=1)
    second = (
        await upload(client, headers, app_id, files.xlsx(), kind="budget", filename="b")
    ).json()
    clock.advance(seconds=1)
    gone = (await upload(client, headers, app_id, files.pdf(), filename="c.pdf")).json()
    await client.delete(url(app_id, gone["id"]), headers=headers)
    _, other_app = await applicant_with_draft(client)
    application = uuid.UUID(app_id)
    async with db_session.begin():
        snapshot = await service.attachments_for_snapshot(db_session, application)
        assert snapshot == [
            {
                "id": first["id"],
                "kind": "concept",
                "filename": "a.pdf",
                "media_type": "application/pdf",
                "size_bytes": first["size_bytes"],
                "sha256": first["sha256"],
                "scan_status": "not_scanned",  # the test settings have no scanner
            },
            {
                "id": second["id"],
                "kind": "budget",
                "filename": "b.xlsx",
                "media_type": files.XLSX_MEDIA,
                "size_bytes": second["size_bytes"],
                "sha256": second["sha256"],
                "scan_status": "not_scanned",  # the test settings have no scanner
            },
        ]
        ids = [uuid.UUID(second["id"]), uuid.UUID(first["id"]), uuid.UUID(second["id"])]
        chosen = await service.attachments_by_ids(db_session, application, ids)
        assert [a["id"] for a in chosen] == [second["id"], first["id"]]
        assert await service.attachments_for_snapshot(db_session, uuid.UUID(other_app)) == []
        for bad in (uuid.UUID(gone["id"]), uuid.uuid4()):
            with pytest.raises(InvalidInput) as refused:
                await service.attachments_by_ids(db_session, application, [ids[0], bad])
            assert refused.value.problems[0].field == "attachment_ids.1"
            assert refused.value.extra == {"attachment_id": str(bad)}
        with pytest.raises(InvalidInput) as foreign:
            await service.attachments_by_ids(db_session, uuid.UUID(other_app), [ids[0]])
        assert foreign.value.problems[0].message == second["id"]
