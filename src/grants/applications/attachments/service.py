"""Use cases of attachments: upload, list, download, delete, and the worker's rescan.

An upload is spooled to a temporary file while it is counted and hashed (never held in
memory; refused with 413 the moment it passes the limit), typed by its content, scanned, and
only then stored and recorded. Scanning before storing means malware never reaches the store
(nor its replicas and backups). When the scanner cannot decide, the bytes are stored and the
row stays ``pending``: quarantined and not downloadable (a submission still receives it), until
``rescan_pending`` (run by a worker) gets an answer. Without a scanner (development and tests
only) nothing is scanned and the row says so: ``not_scanned``, never ``clean``; such files
count and are served as if clean (``core.attachments.servable``), and a worker with a scanner
scans them.

The upload's database work is split in two short transactions around the slow part (reading
the body, scanning): the access check before a single byte is read, and the insert, which
checks access and state again under a row lock. No pooled connection waits on a client's
upload.
"""

import hashlib
import logging
import tempfile
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.access import load_application
from grants.applications.attachments import filetypes
from grants.applications.attachments.names import display_name
from grants.applications.attachments.scanner import (
    Scanner,
    ScannerUnavailable,
    ScanResult,
    scans,
)
from grants.applications.attachments.schemas import AttachmentPublic
from grants.applications.attachments.storage import Storage, StoredObjectMissing, storage_key
from grants.applications.attachments.tables import attachments_table
from grants.context import UserContext
from grants.core.actors import Actor
from grants.core.attachments import AttachmentKind, ScanStatus, servable
from grants.core.audit_actions import AuditAction
from grants.core.backoff import retry_delay
from grants.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, PayloadTooLarge
from grants.core.lifecycle import State
from grants.core.roles import Role
from grants.db.audit import record_audit

logger = logging.getLogger("grants.applications.attachments")

_att = attachments_table
# Draft; submitted (a corrected version may follow until the deadline); and while the
# Förderstelle asks for more (answers to a Nachforderung may carry attachments).
EDITABLE_STATES = frozenset({State.DRAFT, State.SUBMITTED, State.INFORMATION_REQUESTED})
_QUARANTINED = (ScanStatus.PENDING, ScanStatus.FAILED)
_SPOOL_CHUNK = 256 * 1024
_DETAIL_MAX = 500
SCANNER_ACTOR = Actor.system("scanner")


@dataclass(frozen=True, slots=True)
class Spooled:
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Download:
    attachment: AttachmentPublic
    chunks: AsyncIterator[bytes]


@dataclass(slots=True)
class RescanSummary:
    clean: int = 0
    infected: int = 0
    still_pending: int = 0
    not_scanned: int = 0  # looked at by no scanner (a worker without one, development)
    # Why the round ended early: the scanner did not answer (its error), else None.
    unavailable: str | None = None


def _not_found(attachment_id: uuid.UUID) -> NotFound:
    return NotFound(f"Anhang {attachment_id} nicht gefunden (attachment not found)")


def too_large(limit: int) -> PayloadTooLarge:
    error = PayloadTooLarge(
        f"Die Datei ist größer als {limit / (1024 * 1024):.1f} MiB "
        f"(the file exceeds the limit of {limit} bytes).",
        extra={"limit_bytes": limit},
    )
    return error


def _public(row: Any) -> AttachmentPublic:
    return AttachmentPublic(
        id=row.id,
        application_id=row.application_id,
        kind=row.kind,
        filename=row.filename,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        scan_status=row.scan_status,
        created_at=row.created_at,
    )


def _summary(row: Any) -> dict[str, Any]:
    """The JSON-ready shape that submissions and answers keep in their snapshots."""
    return {
        "id": str(row.id),
        "kind": str(row.kind),
        "filename": row.filename,
        "media_type": row.media_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "scan_status": str(row.scan_status),
    }


def _ensure_editable(row: Any) -> None:
    status = State(row.status)
    if status not in EDITABLE_STATES:
        raise Conflict(
            f"Im Zustand „{status.value}“ können keine Anhänge geändert werden "
            "(attachments can only change in draft, submitted or information_requested).",
            extra={"application_status": status.value},
        )


async def _load_for_change(ctx: UserContext, application_id: uuid.UUID, *, lock: bool) -> Any:
    row, _ = await load_application(ctx, application_id, for_update=lock, require=Role.APPLICANT)
    _ensure_editable(row)
    return row


async def _spool(body: AsyncIterable[bytes], max_bytes: int) -> Spooled:
    """Write the body to a temporary file (``TMPDIR``), hashing and counting; stop reading
    and remove the file as soon as it passes ``max_bytes``."""
    handle, name = tempfile.mkstemp(prefix="grants-upload-")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        async with await anyio.open_file(handle, "wb") as out:
            async for chunk in body:
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(max_bytes)
                digest.update(chunk)
                await out.write(chunk)
    except BaseException:
        await anyio.Path(path).unlink(missing_ok=True)
        raise
    return Spooled(path, size, digest.hexdigest())


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(_SPOOL_CHUNK):
            yield chunk


async def _close(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


async def _scan(scanner: Scanner, chunks: AsyncIterator[bytes]) -> ScanResult | str:
    """The scanner's verdict, or why there is none."""
    try:
        return await scanner.scan(chunks)
    except ScannerUnavailable as exc:
        logger.warning("malware scan failed; attachment stays quarantined: %s", exc)
        return str(exc)[:_DETAIL_MAX]
    finally:
        await _close(chunks)


async def upload_attachment(
    ctx: UserContext,
    application_id: uuid.UUID,
    *,
    kind: AttachmentKind,
    filename: str | None,
    body: AsyncIterable[bytes],
    declared_length: int | None,
    max_bytes: int,
    storage: Storage,
    scanner: Scanner,
    zip_limits: filetypes.ZipLimits = filetypes.DEFAULT_ZIP_LIMITS,
    declared_type: str | None = None,
) -> AttachmentPublic:
    """Store one upload. ``body`` is the file's bytes: the raw request body, or the file part
    of a form, which also brings ``filename`` and ``declared_type`` attributes (used where the
    arguments are None). The declared type decides nothing; a refusal names it."""
    async with ctx.session.begin():
        application = await _load_for_change(ctx, application_id, lock=False)
    if declared_length is not None and declared_length > max_bytes:
        raise too_large(max_bytes)
    spooled = await _spool(body, max_bytes)
    # A form part learns its file name and type while it is read (see routes.FormFile).
    if filename is None:
        filename = getattr(body, "filename", None)
    declared_type = declared_type or getattr(body, "declared_type", None)
    try:
        media_type = await anyio.to_thread.run_sync(
            filetypes.detect, spooled.path, spooled.size, kind, zip_limits, declared_type
        )
        verdict = await _scan(scanner, _file_chunks(spooled.path))
        attachment_id = uuid.uuid4()
        key = storage_key(application_id, attachment_id)
        values: dict[str, Any] = {
            "id": attachment_id,
            "application_id": application_id,
            "organisation_id": application.organisation_id,
            "kind": kind,
            "filename": display_name(filename, media_type),
            "media_type": media_type,
            "size_bytes": spooled.size,
            "sha256": spooled.sha256,
            "storage_key": key,
            "scan_attempts": 1,
            "uploaded_by": ctx.principal.user_id,
            "created_at": ctx.now,
        }
        if isinstance(verdict, ScanResult) and verdict.scanned and not verdict.clean:
            await _record_infected(ctx, values, verdict)
        if isinstance(verdict, str):
            values |= {"scan_status": ScanStatus.PENDING, "scan_detail": verdict}
        elif not verdict.scanned:  # no scanner (development): say so, never "clean"
            values |= {"scan_status": ScanStatus.NOT_SCANNED, "scan_detail": verdict.detail}
        else:
            values |= {"scan_status": ScanStatus.CLEAN, "scanned_at": ctx.now}
            values["scan_detail"] = (verdict.detail or "")[:_DETAIL_MAX] or None
        await storage.put(key, spooled.path)
        try:
            async with ctx.session.begin():
                await _load_for_change(ctx, application_id, lock=True)
                row = (
                    await ctx.session.execute(sa.insert(_att).values(**values).returning(_att))
                ).one()
                await ctx.audit(
                    action=AuditAction.ATTACHMENT_UPLOADED,
                    object_type="attachment",
                    object_id=attachment_id,
                    after=_summary(row),
                )
        except BaseException:
            await storage.delete(key)
            raise
        return _public(row)
    finally:
        await anyio.Path(spooled.path).unlink(missing_ok=True)


async def _record_infected(ctx: UserContext, values: dict[str, Any], verdict: ScanResult) -> None:
    """Keep who uploaded what (never the bytes), then refuse with the signature's name."""
    signature = verdict.signature or "unknown"
    async with ctx.session.begin():
        await _load_for_change(ctx, values["application_id"], lock=True)
        row = (
            await ctx.session.execute(
                sa.insert(_att)
                .values(
                    **values,
                    scan_status=ScanStatus.INFECTED,
                    scan_detail=(verdict.detail or signature)[:_DETAIL_MAX],
                    scanned_at=ctx.now,
                    deleted_at=ctx.now,
                )
                .returning(_att)
            )
        ).one()
        await ctx.audit(
            AuditAction.ATTACHMENT_FOUND_INFECTED,
            object_type="attachment",
            object_id=row.id,
            after=_summary(row) | {"signature": signature},
        )
    raise InvalidInput(
        f"Die Datei enthält Schadsoftware ({signature}) und wurde verworfen "
        f"(malware found: {signature}; the file was discarded).",
        problems=(FieldProblem("body", "malware_found", signature),),
        extra={"signature": signature},
    )


async def list_attachments(ctx: UserContext, application_id: uuid.UUID) -> list[AttachmentPublic]:
    await load_application(ctx, application_id)
    rows = await ctx.session.execute(
        sa.select(_att)
        .where(_att.c.application_id == application_id, _att.c.deleted_at.is_(None))
        .order_by(_att.c.created_at, _att.c.id)
    )
    return [_public(row) for row in rows]


async def _visible(
    session: AsyncSession, application_id: uuid.UUID, attachment_id: uuid.UUID
) -> Any:
    row = (
        await session.execute(
            sa.select(_att).where(
                _att.c.id == attachment_id,
                _att.c.application_id == application_id,
                _att.c.deleted_at.is_(None),
                _att.c.scan_status != ScanStatus.INFECTED,
            )
        )
    ).first()
    if row is None:
        raise _not_found(attachment_id)
    return row


async def open_download(
    ctx: UserContext, application_id: uuid.UUID, attachment_id: uuid.UUID, *, storage: Storage
) -> Download:
    """Clean (or, without a scanner, not scanned) attachments only: quarantined ones are 409,
    infected or removed ones 404."""
    await load_application(ctx, application_id)
    row = await _visible(ctx.session, application_id, attachment_id)
    if not servable(ScanStatus(row.scan_status)):
        raise Conflict(
            "Der Anhang wird noch auf Schadsoftware geprüft; bitte später erneut versuchen "
            "(still being scanned for malware; try again later).",
            extra={"scan_status": str(row.scan_status)},
        )
    # A missing object is a server fault (lost bytes), not the caller's: it becomes a 500.
    chunks = await storage.open_stream(row.storage_key)
    return Download(_public(row), chunks)


async def delete_attachment(
    ctx: UserContext, application_id: uuid.UUID, attachment_id: uuid.UUID
) -> None:
    """Removed from the application; the bytes stay, since a submitted version or an answer
    to a Nachforderung may refer to them."""
    async with ctx.session.begin():
        await _load_for_change(ctx, application_id, lock=True)
        row = (
            await ctx.session.execute(
                sa.update(_att)
                .where(
                    _att.c.id == attachment_id,
                    _att.c.application_id == application_id,
                    _att.c.deleted_at.is_(None),
                )
                .values(deleted_at=ctx.now)
                .returning(_att)
            )
        ).first()
        if row is None:
            raise _not_found(attachment_id)
        await ctx.audit(
            action=AuditAction.ATTACHMENT_DELETED,
            object_type="attachment",
            object_id=attachment_id,
            before=_summary(row),
        )


async def attachments_for_snapshot(
    session: AsyncSession, application_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The application's current attachments (removed ones excluded), oldest first, as
    JSON-ready dicts: id, kind, filename, media_type, size_bytes, sha256, scan_status.
    Runs in the caller's transaction; submission refuses only files found infected."""
    rows = await session.execute(
        sa.select(_att)
        .where(_att.c.application_id == application_id, _att.c.deleted_at.is_(None))
        .order_by(_att.c.created_at, _att.c.id)
    )
    return [_summary(row) for row in rows]


async def attachments_by_ids(
    session: AsyncSession,
    application_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    *,
    field: str = "attachment_ids",
    clean_only: bool = False,
) -> list[dict[str, Any]]:
    """The named attachments in the order given (duplicates once), same shape as
    ``attachments_for_snapshot``. ``InvalidInput`` naming the first id that is not a current
    attachment of this application (or, with ``clean_only``, not yet found clean)."""
    wanted = list(dict.fromkeys(ids))
    rows = await session.execute(
        sa.select(_att).where(
            _att.c.application_id == application_id,
            _att.c.deleted_at.is_(None),
            _att.c.id.in_(wanted),
        )
    )
    found = {row.id: row for row in rows}
    result = []
    for attachment_id in wanted:
        row = found.get(attachment_id)
        if row is None or (clean_only and not servable(ScanStatus(row.scan_status))):
            index = list(ids).index(attachment_id)
            raise InvalidInput(
                f"Anhang {attachment_id} ist nicht verfügbar (attachment unknown, removed "
                "or not yet scanned).",
                problems=(FieldProblem(f"{field}.{index}", "unavailable", str(attachment_id)),),
                extra={"attachment_id": str(attachment_id)},
            )
        result.append(_summary(row))
    return result


def rescan_due(now: datetime, *, not_scanned: bool = False) -> sa.ColumnElement[bool]:
    """Quarantined, and its next rescan due at ``now`` (``scan_retry_at``; NULL: at once).
    Removed files too: a submitted version may name one received while still being scanned,
    and the formal check must learn its result. With ``not_scanned`` (a worker that has a
    scanner) also the files nobody scanned, e.g. of a database carried over from development."""
    statuses = (*_QUARANTINED, ScanStatus.NOT_SCANNED) if not_scanned else _QUARANTINED
    return sa.and_(
        _att.c.scan_status.in_(statuses),
        sa.or_(_att.c.scan_retry_at.is_(None), _att.c.scan_retry_at <= now),
    )


async def rescan_pending(
    session_factory: async_sessionmaker[AsyncSession],
    storage: Storage,
    scanner: Scanner,
    *,
    now: datetime,
    limit: int = 50,
) -> RescanSummary:
    """Retry the scan of quarantined attachments that are due, longest waiting first, up to
    ``limit`` of them (run by the job ``attachments.rescan``, see ``jobs.py``).

    No lock and no transaction is held while a file is scanned (a scan may take the scanner's
    whole timeout): the due rows are read first, each file is scanned on its own, and its
    outcome is written in a short transaction by an UPDATE that applies only if no other scan
    was recorded meanwhile (the same ``scan_attempts``, still quarantined), so two sweeps never
    record one file twice. Each try counts in ``scan_attempts``. A file the scanner could not
    judge is due again ``retry_delay(n)`` after its n-th failed rescan (30 s, 1, 2, 4 …
    minutes, at most an hour). When the scanner itself does not answer, the round ends at
    that file, whose try is recorded: the others would only wait for the same error, and the
    caller logs the outage once (``RescanSummary.unavailable``) instead of once per file."""
    summary = RescanSummary()
    async with session_factory() as session:
        rows = (
            await session.execute(
                sa.select(_att)
                .where(rescan_due(now, not_scanned=scans(scanner)))
                .order_by(sa.func.coalesce(_att.c.scan_retry_at, _att.c.created_at), _att.c.id)
                .limit(limit)
            )
        ).all()
    for row in rows:
        verdict = await _rescan_verdict(storage, scanner, row.storage_key)
        changes: dict[str, Any] = {"scan_attempts": row.scan_attempts + 1}
        if isinstance(verdict, ScanResult) and not verdict.scanned:
            # No scanner here (development): nobody looked, and nobody is going to retry.
            changes |= {"scan_status": ScanStatus.NOT_SCANNED, "scan_detail": verdict.detail}
            changes["scan_retry_at"] = None
        elif isinstance(verdict, ScanResult) and verdict.clean:
            changes |= {"scan_status": ScanStatus.CLEAN, "scanned_at": now}
            changes |= {"scan_detail": verdict.detail, "scan_retry_at": None}
        elif isinstance(verdict, ScanResult):
            changes |= {
                "scan_status": ScanStatus.INFECTED,
                "scan_detail": (verdict.detail or verdict.signature or "")[:_DETAIL_MAX],
                "scanned_at": now,
                "scan_retry_at": None,
                "deleted_at": row.deleted_at or now,
            }
        else:
            # scan_attempts counts the try at upload too: the n-th rescan has n tries before it.
            delay = retry_delay(max(row.scan_attempts, 1))
            changes |= {"scan_detail": verdict.detail[:_DETAIL_MAX], "scan_retry_at": now + delay}
        async with session_factory() as session, session.begin():
            updated = (
                await session.execute(
                    sa.update(_att)
                    .where(
                        _att.c.id == row.id,
                        _att.c.scan_attempts == row.scan_attempts,
                        _att.c.scan_status.in_((*_QUARANTINED, ScanStatus.NOT_SCANNED)),
                    )
                    .values(**changes)
                    .returning(_att)
                )
            ).first()
            if updated is not None and isinstance(verdict, ScanResult):
                await record_audit(
                    session,
                    actor=SCANNER_ACTOR,
                    action=AuditAction.ATTACHMENT_SCANNED,
                    object_type="attachment",
                    object_id=row.id,
                    now=now,
                    before=_summary(row),
                    after=_summary(updated) | {"signature": verdict.signature},
                )
        if updated is None:
            continue  # another sweep recorded a scan of this file meanwhile: its result stands
        if isinstance(verdict, _NoVerdict):
            summary.still_pending += 1
            if verdict.scanner_unavailable:
                summary.unavailable = verdict.detail[:_DETAIL_MAX]
                break
        elif not verdict.scanned:
            summary.not_scanned += 1
        elif verdict.clean:
            summary.clean += 1
        else:
            summary.infected += 1
            await storage.delete(row.storage_key)
    return summary


@dataclass(frozen=True, slots=True)
class _NoVerdict:
    detail: str
    scanner_unavailable: bool


async def _rescan_verdict(storage: Storage, scanner: Scanner, key: str) -> ScanResult | _NoVerdict:
    """The scanner's verdict on stored bytes, or why there is none; logs only what concerns
    this one file (the caller reports an unreachable scanner once per round)."""
    try:
        chunks = await storage.open_stream(key)
    except StoredObjectMissing:
        logger.error("quarantined attachment has no stored bytes: %s", key)
        return _NoVerdict("stored bytes missing", scanner_unavailable=False)
    try:
        return await scanner.scan(chunks)
    except ScannerUnavailable as exc:
        return _NoVerdict(str(exc), scanner_unavailable=True)
    finally:
        await _close(chunks)
