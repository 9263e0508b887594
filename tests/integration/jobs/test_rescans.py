"""Rescans of quarantined attachments: exponential back-off per file, an unreachable scanner
ends the round at the first file without a log line per file, and no transaction (so no row
lock) is open while a file is scanned."""

import logging
import uuid
from collections.abc import AsyncIterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from grants.applications.attachments import service
from grants.applications.attachments.scanner import ClamdScanner, ScanResult
from grants.applications.attachments.tables import attachments_table
from tests import attachment_files as files
from tests.api.attachments.helpers import applicant_with_draft, upload
from tests.fakes import FakeClock

Factory = async_sessionmaker[AsyncSession]


async def _pending_uploads(
    app: Litestar, client: httpx.AsyncClient, tmp_path: Path, clock: FakeClock
) -> list[str]:
    app.state.attachment_scanner = ClamdScanner(f"unix://{tmp_path}/no-clamd.sock")
    headers, application_id = await applicant_with_draft(client)
    created = []
    for name in ("a.pdf", "b.pdf"):
        response = await upload(client, headers, application_id, files.pdf(), filename=name)
        assert response.status_code == 201, response.text
        assert response.json()["scan_status"] == "pending"
        created.append(response.json()["id"])
        clock.advance(seconds=1)  # the first upload waits longest
    return created


async def _state(db_session: AsyncSession, attachment_id: str) -> tuple[Any, ...]:
    async with db_session.begin():
        row = (
            await db_session.execute(
                sa.select(attachments_table).where(
                    attachments_table.c.id == uuid.UUID(attachment_id)
                )
            )
        ).one()
    return row.scan_status, row.scan_attempts, row.scan_retry_at


async def test_each_file_backs_off_and_an_outage_ends_the_round_quietly(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: Factory,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = await _pending_uploads(app, client, tmp_path, clock)
    storage, down = app.state.attachment_storage, app.state.attachment_scanner
    t0 = clock()
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="grants.applications.attachments"):
        summary = await service.rescan_pending(session_factory, storage, down, now=t0)
        # The scanner does not answer: the round ends at the first file.
        assert (summary.clean, summary.still_pending) == (0, 1)
        assert summary.unavailable is not None and "unreachable" in summary.unavailable
        assert await _state(db_session, first) == ("pending", 2, t0 + timedelta(seconds=30))
        assert await _state(db_session, second) == ("pending", 1, None)  # not tried

        # The next round starts where the last one ended: the first file waits its turn.
        again = await service.rescan_pending(session_factory, storage, down, now=t0)
        assert again.still_pending == 1
        assert await _state(db_session, second) == ("pending", 2, t0 + timedelta(seconds=30))
        assert await _state(db_session, first) == ("pending", 2, t0 + timedelta(seconds=30))

        # Nothing is due before the back-off has passed: no try, not every 5 s.
        quiet = await service.rescan_pending(
            session_factory, storage, down, now=t0 + timedelta(seconds=10)
        )
        assert quiet == service.RescanSummary()

        # Each further failure of the same file waits twice as long.
        t1 = t0 + timedelta(seconds=31)
        await service.rescan_pending(session_factory, storage, down, now=t1)
        states = sorted([await _state(db_session, first), await _state(db_session, second)])
        assert states == [
            ("pending", 2, t0 + timedelta(seconds=30)),  # not tried: the round ended before it
            ("pending", 3, t1 + timedelta(minutes=1)),
        ]
    # The caller logs the outage, once a round; the rounds themselves log nothing per file.
    assert [r.getMessage() for r in caplog.records] == []


class _WatchingScanner:
    """Scans while another sweep records the same file, and notes whether the sweep that
    called it holds a transaction on the connection meanwhile."""

    def __init__(self, connection: AsyncConnection, meanwhile: Any) -> None:
        self.connection = connection
        self.meanwhile = meanwhile
        self.in_transaction: list[bool] = []

    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        async for _ in chunks:
            pass
        # The tests' sessions are savepoints of one connection: any open transaction of the
        # sweep (and any row lock it took) would show as a nested transaction.
        self.in_transaction.append(self.connection.in_nested_transaction())
        await self.meanwhile()
        return ScanResult(clean=False, signature="Late.Verdict", detail="found late")


class _Clean:
    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        async for _ in chunks:
            pass
        return ScanResult(clean=True, detail="OK")


async def test_no_transaction_is_open_during_a_scan_and_the_first_recorded_verdict_stands(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: Factory,
    connection: AsyncConnection,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    first, second = await _pending_uploads(app, client, tmp_path, clock)
    storage = app.state.attachment_storage
    now = clock()

    async def another_sweep() -> None:
        if scanner.in_transaction == [False]:  # once, during the first file's scan
            summary = await service.rescan_pending(session_factory, storage, _Clean(), now=now)
            assert summary.clean == 2

    scanner = _WatchingScanner(connection, another_sweep)
    summary = await service.rescan_pending(session_factory, storage, scanner, now=now)
    assert scanner.in_transaction == [False, False]  # both scans ran outside any transaction
    # The other sweep recorded both files meanwhile; this sweep's late verdicts are dropped.
    assert summary == service.RescanSummary()
    for attachment_id in (first, second):
        status, attempts, retry_at = await _state(db_session, attachment_id)
        assert (status, attempts, retry_at) == ("clean", 2, None)
