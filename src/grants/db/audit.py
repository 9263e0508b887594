"""The append-only audit log: entries written in the writer's own transaction, without a lock.

An entry's ``hash`` is SHA-256 over its canonical content (``core.audit_chain.content_hash``);
``seq`` is only an insertion id from an identity column, so concurrent writers never wait
for each other. Tamper evidence comes afterwards: the sequencer (``grants.audit``) gives the
committed entries their ``position`` in a Merkle tree and signs tree heads. Entries written
before that (migration 0034) are hash-chained (``prev_hash``) and are the tree's first leaves.
UPDATE is refused by a trigger except setting a missing ``position``; DELETE and TRUNCATE
are refused (migrations 0001, 0034); ``grants audit verify`` detects changes made by someone
who disabled the triggers.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from grants.core.actors import Actor
from grants.core.audit_actions import AuditAction
from grants.core.audit_chain import AuditEntry, JSONValue, content_hash, to_json_value


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    seq: int = Field(
        sa_column=sa.Column(sa.BigInteger, sa.Identity(always=False), primary_key=True)
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
    # Only the entries of the former hash chain have one.
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str = Field(max_length=64)
    # The leaf index in the Merkle tree; NULL until the sequencer has come by.
    position: int | None = Field(default=None, sa_type=sa.BigInteger, unique=True)


_table: sa.Table = AuditLog.__table__  # type: ignore[attr-defined]
audit_table = _table
# The log page's filters by object and by person, newest first (migration 0037).
sa.Index("ix_audit_log_object", _table.c.object_id, _table.c.seq)
sa.Index("ix_audit_log_actor_label", _table.c.actor_label, _table.c.seq)
sa.Index(
    "ix_audit_log_unsequenced",
    _table.c.seq,
    postgresql_where=_table.c.position.is_(None),
)


# Every audited write runs this one statement: built once, so that a write pays only for its
# parameters (measured: a fresh ``insert().values(...)`` per entry cost twice as much CPU).
# JSON null and SQL NULL differ in jsonb; ``None`` stores SQL NULL for "no snapshot".
_INSERT = (
    sa.insert(_table)
    .values(
        before=sa.bindparam("before", type_=JSONB(none_as_null=True)),
        after=sa.bindparam("after", type_=JSONB(none_as_null=True)),
    )
    .returning(_table.c.seq)
)


def _fields(
    *,
    actor: Actor,
    action: AuditAction,
    object_type: str,
    object_id: object | None,
    now: datetime,
    before: Any,
    after: Any,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "occurred_at": now,
        "actor_id": None if actor.user_id is None else str(actor.user_id),
        "actor_label": actor.label,
        "action": str(action),
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "before": to_json_value(before),
        "after": to_json_value(after),
        "request_id": actor.request_id,
    }
    fields["hash"] = content_hash(**fields)
    return fields


def audit_values(
    *,
    actor: Actor,
    action: AuditAction,
    object_type: str,
    object_id: object | None,
    now: datetime,
    before: Any = None,
    after: Any = None,
) -> dict[str, Any]:
    """An entry's column values (the database assigns ``seq``), for writers that batch their
    statements into one (``insert(audit_table).values(**these)``); ``record_audit`` inserts
    them on its own."""
    fields = _fields(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        now=now,
        before=before,
        after=after,
    )
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
    """Append one entry in the caller's transaction; returns its ``seq``."""
    fields = _fields(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        now=now,
        before=before,
        after=after,
    )
    return int((await session.execute(_INSERT, fields)).scalar_one())


def as_entry(row: Any) -> AuditEntry:
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
        position=row.position,
    )


async def count_audit_entries(session: AsyncSession) -> int:
    return int((await session.execute(sa.select(sa.func.count()).select_from(_table))).scalar_one())
