"""Use cases of attachments: upload, list, download, delete, and the worker's rescan.

An upload is spooled to a temporary file while it is counted and hashed (never held in
memory; refused with 413 the moment it passes the limit), typed by its content, scanned, and
only then stored and recorded. Scanning before storing means malware never reaches the store
(nor its replicas and backups). When the scanner cannot decide, the bytes are stored and the
row stays ``pending``: quarantined, not downloadable, not submittable, until
``rescan_pending`` (run by a worker) gets an answer.

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
from grants.applications.attachments.scanner import Scanner, ScannerUnavailable, ScanResult
from grants.applications.attachments.schemas import AttachmentPublic
from grants.applications.attachments.storage import Storage, StoredObjectMissing, storage_key
from grants.applications.attachments.tables import attachments_table
from grants.context import UserContext
from grants.core.actors import Actor
from grants.core.attachments import AttachmentKind, ScanStatus
from grants.core.audit_actions import AuditAction
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
) -> AttachmentPublic:
    async with ctx.session.begin():
        application = await _load_for_change(ctx, application_id, lock=False)
    if declared_length is not None and declared_length > max_bytes:
        raise too_large(max_bytes)
    spooled = await _spool(body, max_bytes)
    try:
        media_type = await anyio.to_thread.run_sync(
            filetypes.detect, spooled.path, spooled.size, kind, zip_limits
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
        if isinstance(verdict, ScanResult) and not verdict.clean:
            await _record_infected(ctx, values, verdict)
        if isinstance(verdict, ScanResult):
            values |= {"scan_status": ScanStatus.CLEAN, "scanned_at": ctx.now}
            values["scan_detail"] = (verdict.detail or "")[:_DETAIL_MAX] or None
        else:
            values |= {"scan_status": ScanStatus.PENDING, "scan_detail": verdict}
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
    """Clean attachments only: quarantined ones are 409, infected or removed ones 404."""
    await load_application(ctx, application_id)
    row = await _visible(ctx.session, application_id, attachment_id)
    if row.scan_status in _QUARANTINED:
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
    Runs in the caller's transaction; the caller refuses submission unless all are clean."""
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
        if row is None or (clean_only and row.scan_status != ScanStatus.CLEAN):
            index = list(ids).index(attachment_id)
            raise InvalidInput(
                f"Anhang {attachment_id} ist nicht verfügbar (attachment unknown, removed "
                "or not yet scanned).",
                problems=(FieldProblem(f"{field}.{index}", "unavailable", str(attachment_id)),),
                extra={"attachment_id": str(attachment_id)},
            )
        result.append(_summary(row))
    return result


async def _scan_stored(storage: Storage, scanner: Scanner, key: str) -> ScanResult | str:
    try:
        chunks = await storage.open_stream(key)
    except StoredObjectMissing:
        logger.error("quarantined attachment has no stored bytes: %s", key)
        return "stored bytes missing"
    return await _scan(scanner, chunks)


async def rescan_pending(
    session_factory: async_sessionmaker[AsyncSession],
    storage: Storage,
    scanner: Scanner,
    *,
    now: datetime,
    limit: int = 50,
) -> RescanSummary:
    """Retry the scan of quarantined attachments, oldest first, up to ``limit`` of them.

    One transaction per attachment, its row locked with ``FOR UPDATE SKIP LOCKED`` while it
    is scanned, so several workers share the backlog without scanning a file twice. Each try
    counts in ``scan_attempts``; a file the scanner still cannot judge stays pending."""
    summary = RescanSummary()
    tried: list[uuid.UUID] = []
    for _ in range(limit):
        async with session_factory() as session, session.begin():
            query = (
                sa.select(_att)
                .where(_att.c.scan_status.in_(_QUARANTINED), _att.c.deleted_at.is_(None))
                .order_by(_att.c.created_at, _att.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if tried:
                query = query.where(_att.c.id.not_in(tried))
            row = (await session.execute(query)).first()
            if row is None:
                break
            tried.append(row.id)
            verdict = await _scan_stored(storage, scanner, row.storage_key)
            changes: dict[str, Any] = {"scan_attempts": row.scan_attempts + 1}
            if isinstance(verdict, str):
                changes["scan_detail"] = verdict
                summary.still_pending += 1
            elif verdict.clean:
                changes |= {"scan_status": ScanStatus.CLEAN, "scanned_at": now}
                changes["scan_detail"] = verdict.detail
                summary.clean += 1
            else:
                changes |= {
                    "scan_status": ScanStatus.INFECTED,
                    "scan_detail": (verdict.detail or verdict.signature or "")[:_DETAIL_MAX],
                    "scanned_at": now,
                    "deleted_at": now,
                }
                summary.infected += 1
            updated = (
                await session.execute(
                    sa.update(_att).where(_att.c.id == row.id).values(**changes).returning(_att)
                )
            ).one()
            if not isinstance(verdict, str):
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
        if isinstance(verdict, ScanResult) and not verdict.clean:
            await storage.delete(row.storage_key)
    return summary
