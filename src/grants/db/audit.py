"""The append-only, hash-chained audit log.

Appending takes a transaction-scoped advisory lock so that entries are chained in commit
order without gaps; the lock is held until the surrounding transaction ends, which is why
services write their audit row as the last statement before commit. UPDATE, DELETE and
TRUNCATE are refused by triggers (see the first migration); ``verify_audit_log`` detects
changes made by someone who disabled them.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from grants.core.actors import Actor
from grants.core.audit_actions import AuditAction
from grants.core.audit_chain import (
    GENESIS_HASH,
    Anchor,
    AuditEntry,
    ChainBreak,
    ChainVerifier,
    JSONValue,
    entry_hash,
    to_json_value,
)

# Arbitrary but fixed key of the advisory lock serialising appends ("audit" in ASCII).
AUDIT_LOCK_KEY = 0x6175646974


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    seq: int = Field(
        primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    actor_id: str | None = Field(default=None, max_length=64, index=True)
    actor_label: str = Field(max_length=254)
    action: str = Field(max_length=80, index=True)
    object_type: str = Field(max_length=80)
    object_id: str | None = Field(default=None, max_length=64)
    before: Any = Field(default=None, sa_type=JSONB, nullable=True)
    after: Any = Field(default=None, sa_type=JSONB, nullable=True)
    request_id: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


_table: sa.Table = AuditLog.__table__  # type: ignore[attr-defined]
audit_table = _table


class AuditHead(NamedTuple):
    seq: int  # of the newest entry (0: none yet)
    hash: str


async def lock_audit_head(session: AsyncSession) -> AuditHead:
    """Take the append lock (held to the end of the transaction) and read the newest entry,
    in one round trip: ``audit_lock_head()`` (migration 0008) reads after locking, with a
    snapshot of its own, so it never sees a head older than the lock's previous holder."""
    row = (await session.execute(sa.text("SELECT seq, hash FROM audit_lock_head()"))).one()
    return AuditHead(0, GENESIS_HASH) if row.seq is None else AuditHead(row.seq, row.hash)


def audit_values(
    head: AuditHead,
    *,
    actor: Actor,
    action: AuditAction,
    object_type: str,
    object_id: object | None,
    now: datetime,
    before: Any = None,
    after: Any = None,
) -> dict[str, Any]:
    """The next entry's column values, chained to ``head``; insert them in the transaction
    that holds the lock (``lock_audit_head``), e.g. batched with other writes."""
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "occurred_at": now,
        "actor_id": None if actor.user_id is None else str(actor.user_id),
        "actor_label": actor.label,
        "action": str(action),
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "before": to_json_value(before),
        "after": to_json_value(after),
        "request_id": actor.request_id,
        "prev_hash": head.hash,
    }
    fields["hash"] = entry_hash(**fields)
    # JSON null and SQL NULL differ in jsonb; store SQL NULL for "no snapshot".
    return {
        k: (sa.null() if v is None and k in {"before", "after"} else v) for k, v in fields.items()
    }


async def record_audit(
    session: AsyncSession,
    *,
    actor: Actor,
    action: AuditAction,
    object_type: str,
    object_id: object | None,
    now: datetime,
    before: Any = None,
    after: Any = None,
) -> int:
    """Append one entry in the caller's transaction; returns its sequence number."""
    values = audit_values(
        await lock_audit_head(session),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        now=now,
        before=before,
        after=after,
    )
    await session.execute(sa.insert(_table).values(**values))
    return int(values["seq"])


def _as_entry(row: Any) -> AuditEntry:
    before: JSONValue = row.before
    after: JSONValue = row.after
    return AuditEntry(
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        before=before,
        after=after,
        request_id=row.request_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


async def count_audit_entries(session: AsyncSession) -> int:
    return int((await session.execute(sa.select(sa.func.count()).select_from(_table))).scalar_one())


async def audit_head(session: AsyncSession) -> Anchor | None:
    """The newest entry as an anchor, to keep outside the database."""
    row = (
        await session.execute(
            sa.select(_table.c.seq, _table.c.hash).order_by(_table.c.seq.desc()).limit(1)
        )
    ).first()
    return None if row is None else Anchor(row.seq, row.hash)


async def verify_audit_log(
    session: AsyncSession,
    *,
    anchor: Anchor | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in ``seq`` order in constant memory. Returns the number of
    entries checked and the first break, if any."""
    verifier = ChainVerifier(anchor)
    result = await session.stream(
        sa.select(_table).order_by(_table.c.seq).execution_options(yield_per=2000)
    )
    async for partition in result.partitions():
        for row in partition:
            if verifier.feed(_as_entry(row)) is not None:
                await result.close()
                return verifier.checked, verifier.first_break
        if on_progress is not None:
            on_progress(len(partition))
    return verifier.checked, verifier.finish()
