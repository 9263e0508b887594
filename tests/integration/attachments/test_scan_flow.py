"""Uploads scanned by a real clamd: infected files are refused, clean ones served, and files
uploaded while the daemon was unreachable stay quarantined until a rescan."""

import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.attachments import service
from grants.applications.attachments.scanner import ClamdScanner
from grants.applications.attachments.storage import storage_key
from grants.applications.attachments.tables import attachments_table
from grants.db.audit import AuditLog
from tests import attachment_files as files
from tests.api.attachments.helpers import applicant_with_draft, stored_files, upload, url
from tests.clamd import MARKER, REPORTED_SIGNATURE, Clamd
from tests.fakes import FakeClock

_att = attachments_table


async def _rows(db_session: AsyncSession, app_id: str) -> list[sa.Row[object]]:
    async with db_session.begin():
        result = await db_session.execute(
            sa.select(_att).where(_att.c.application_id == uuid.UUID(app_id))
        )
        return list(result)


async def test_infected_upload_is_refused_naming_the_signature(
    client: httpx.AsyncClient, db_session: AsyncSession, tmp_path: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, files.pdf(b"x " + MARKER))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["signature"] == REPORTED_SIGNATURE
    assert REPORTED_SIGNATURE in problem["detail"]
    assert problem["errors"][0]["rule"] == "malware_found"
    # Not listed, not downloadable, no bytes anywhere; the attempt itself is on record.
    assert (await client.get(url(app_id), headers=headers)).json() == []
    (row,) = await _rows(db_session, app_id)
    assert (row.scan_status, row.deleted_at is not None) == ("infected", True)
    assert row.scan_detail.endswith("FOUND")
    download = await client.get(url(app_id, row.id, "content"), headers=headers)
    assert download.status_code == 404
    assert MARKER not in download.content
    assert stored_files(tmp_path / "attachments") == []
    async with db_session.begin():
        snapshot = await service.attachments_for_snapshot(db_session, uuid.UUID(app_id))
        audit = (
            await db_session.execute(
                sa.select(AuditLog).where(AuditLog.object_id == str(row.id))  # type: ignore[arg-type]
            )
        ).scalar_one()
    assert snapshot == []
    assert audit.action == "attachment_found_infected"
    assert audit.after["signature"] == REPORTED_SIGNATURE


async def test_clean_upload_is_clean_and_downloadable(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, files.pdf())
    assert response.status_code == 201, response.text
    assert response.json()["scan_status"] == "clean"
    download = await client.get(url(app_id, response.json()["id"], "content"), headers=headers)
    assert download.status_code == 200
    assert download.content == files.pdf()


async def test_unreachable_daemon_then_rescan(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    clamd: Clamd,
    tmp_path: Path,
) -> None:
    real = ClamdScanner(clamd.unix_address)
    app.state.attachment_scanner = ClamdScanner(f"unix://{tmp_path}/stopped-clamd.sock")
    headers, app_id = await applicant_with_draft(client)
    clean = (await upload(client, headers, app_id, files.pdf(), filename="ok.pdf")).json()
    infected = (await upload(client, headers, app_id, files.pdf(MARKER), filename="x")).json()
    assert (clean["scan_status"], infected["scan_status"]) == ("pending", "pending")
    for attachment in (clean, infected):
        download = await client.get(url(app_id, attachment["id"], "content"), headers=headers)
        assert download.status_code == 409
        assert "still being scanned" in download.json()["detail"]

    storage = app.state.attachment_storage
    infected_key = storage_key(uuid.UUID(app_id), uuid.UUID(infected["id"]))
    assert await storage.exists(infected_key)
    clock.advance(minutes=10)
    summary = await service.rescan_pending(session_factory, storage, real, now=clock())
    assert (summary.clean, summary.infected, summary.still_pending) == (1, 1, 0)

    rows = {str(r.id): r for r in await _rows(db_session, app_id)}
    assert rows[clean["id"]].scan_status == "clean"
    assert rows[clean["id"]].scan_attempts == 2
    assert rows[infected["id"]].scan_status == "infected"
    assert rows[infected["id"]].deleted_at == clock()
    assert not await storage.exists(infected_key)
    download = await client.get(url(app_id, clean["id"], "content"), headers=headers)
    assert download.status_code == 200
    gone = await client.get(url(app_id, infected["id"], "content"), headers=headers)
    assert gone.status_code == 404
    listed = (await client.get(url(app_id), headers=headers)).json()
    assert [a["id"] for a in listed] == [clean["id"]]
    # Nothing left to do.
    assert (await service.rescan_pending(session_factory, storage, real, now=clock())) == (
        service.RescanSummary()
    )
