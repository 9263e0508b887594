"""Without a scanner (development and tests only) uploads say so: ``not_scanned``, never
``clean``. Such files count as received and may be served; a worker that has a scanner scans
them, and the database refuses any status it does not know."""

import uuid

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.attachments import service
from grants.applications.attachments.scanner import ClamdScanner, DisabledScanner
from grants.applications.attachments.tables import attachments_table
from grants.core.attachments import ScanStatus, counts_as_received, servable
from grants.core.errors import InvalidInput
from grants.db.audit import AuditLog
from tests import attachment_files as files
from tests.api.attachments.helpers import CleanScanner, applicant_with_draft, upload, url
from tests.fakes import FakeClock


async def _row(db_session: AsyncSession, attachment_id: str) -> sa.Row[tuple[object, ...]]:
    async with db_session.begin():
        return (
            await db_session.execute(
                sa.select(attachments_table).where(
                    attachments_table.c.id == uuid.UUID(attachment_id)
                )
            )
        ).one()


async def test_without_a_scanner_an_upload_is_not_scanned_and_still_usable(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    assert created["scan_status"] == "not_scanned"
    row = await _row(db_session, created["id"])
    assert row.scanned_at is None  # nobody scanned it, so there is no time of a scan
    assert "no scanner" in row.scan_detail
    listed = (await client.get(url(app_id), headers=headers)).json()
    assert [a["scan_status"] for a in listed] == ["not_scanned"]
    download = await client.get(url(app_id, created["id"], "content"), headers=headers)
    assert download.status_code == 200
    assert download.content == files.pdf()
    async with db_session.begin():
        entry = (
            await db_session.execute(
                sa.select(AuditLog).where(AuditLog.object_id == created["id"])  # type: ignore[arg-type]
            )
        ).scalar_one()
    assert entry.after["scan_status"] == "not_scanned"
    # Answers to a Nachforderung take "servable" attachments only: this one is.
    async with db_session.begin():
        chosen = await service.attachments_by_ids(
            db_session, uuid.UUID(app_id), [uuid.UUID(created["id"])], clean_only=True
        )
    assert [a["scan_status"] for a in chosen] == ["not_scanned"]


async def test_with_a_scanner_the_same_upload_is_clean(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    scanner = CleanScanner()
    app.state.attachment_scanner = scanner
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    assert created["scan_status"] == "clean"
    assert scanner.scanned == [len(files.pdf())]


async def test_a_worker_with_a_scanner_scans_what_nobody_scanned(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    """A database carried over from development: its not_scanned files get their scan."""
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    storage = app.state.attachment_storage
    idle = await service.rescan_pending(session_factory, storage, DisabledScanner(), now=clock())
    assert (idle.clean, idle.not_scanned, idle.still_pending) == (0, 0, 0)  # nothing to do
    clock.advance(minutes=1)
    scanner = CleanScanner()
    summary = await service.rescan_pending(session_factory, storage, scanner, now=clock())
    assert (summary.clean, summary.infected, summary.not_scanned) == (1, 0, 0)
    assert scanner.scanned == [len(files.pdf())]
    row = await _row(db_session, created["id"])
    assert (row.scan_status, row.scanned_at) == ("clean", clock())


async def test_a_worker_without_a_scanner_marks_quarantined_files_not_scanned(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    tmp_path: object,
) -> None:
    """Pending means "a scanner was asked and has not answered"; a worker without one can
    only say that nobody looked. It never calls such a file clean."""
    app.state.attachment_scanner = ClamdScanner(f"unix://{tmp_path}/no-clamd.sock")
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    assert created["scan_status"] == "pending"
    storage = app.state.attachment_storage
    summary = await service.rescan_pending(session_factory, storage, DisabledScanner(), now=clock())
    assert (summary.clean, summary.infected, summary.not_scanned) == (0, 0, 1)
    row = await _row(db_session, created["id"])
    assert (row.scan_status, row.scanned_at) == ("not_scanned", None)


async def test_the_database_knows_not_scanned_and_nothing_made_up(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    with pytest.raises(IntegrityError, match="ck_attachments_scanstatus"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE attachments SET scan_status = 'unscanned' WHERE id = :id"),
                {"id": uuid.UUID(created["id"])},
            )


@pytest.mark.parametrize(
    ("status", "received", "served"),
    [
        (ScanStatus.CLEAN, True, True),
        (ScanStatus.NOT_SCANNED, True, True),
        (ScanStatus.PENDING, True, False),
        (ScanStatus.FAILED, True, False),
        (ScanStatus.INFECTED, False, False),
    ],
)
def test_what_each_status_allows(status: ScanStatus, received: bool, served: bool) -> None:
    assert (counts_as_received(status), servable(status)) == (received, served)


async def test_a_pending_file_is_still_refused_where_clean_ones_are_required(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, tmp_path: object
) -> None:
    app.state.attachment_scanner = ClamdScanner(f"unix://{tmp_path}/no-clamd.sock")
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    async with db_session.begin():
        with pytest.raises(InvalidInput):
            await service.attachments_by_ids(
                db_session, uuid.UUID(app_id), [uuid.UUID(created["id"])], clean_only=True
            )
