"""The audit log's entry hashes, and the hash chain of its first entries, as pure functions.

An entry's hash is SHA-256 over a canonical JSON rendering of its content (sorted keys, no
whitespace, UTC timestamps with microseconds, so that the database round trip reproduces the
exact bytes that were hashed). Since migration 0034 that is all (``content_hash``): the
Merkle tree (``core.merkle``) orders and protects the entries. Entries written before were
hash-chained — their hash also covers ``seq`` and the previous entry's hash (``entry_hash``) —
and ``ChainVerifier`` still checks that prefix of the log.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeAlias
from uuid import UUID

from grants.core import canonical
from grants.core.canonical import sha256_of

GENESIS_HASH = "0" * 64

# What before/after hold. The canonical module's alias, under the name importers use here.
JSONValue: TypeAlias = canonical.JSONValue


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    occurred_at: datetime
    actor_id: str | None
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    before: JSONValue
    after: JSONValue
    request_id: str | None
    prev_hash: str | None  # only the chained entries written before migration 0034
    hash: str
    position: int | None = None  # the leaf index, once sequenced


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    reason: str


def to_json_value(value: Any) -> JSONValue:  # noqa: PLR0911 (one return per JSON kind)
    """Plain JSON for before/after snapshots. Money stays exact: Decimal becomes a string,
    never a float (a float would not survive the jsonb round trip bit for bit)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_json_value(value.value)
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_value(v) for v in value]
        return sorted(items, key=_sort_key) if isinstance(value, set | frozenset) else items
    raise TypeError(f"cannot put {type(value).__name__} into an audit snapshot")


def _sort_key(value: JSONValue) -> str:
    # Only orders a set's members; deliberately not the canonical rendering (ASCII escapes,
    # default separators sort differently), so that existing entries keep their order.
    return json.dumps(value, sort_keys=True)


def _content(
    *,
    occurred_at: datetime,
    actor_id: str | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str | None,
    before: JSONValue,
    after: JSONValue,
    request_id: str | None,
) -> dict[str, JSONValue]:
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    return {
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
        "request_id": request_id,
    }


def entry_hash(*, seq: int, prev_hash: str, **content: Any) -> str:
    """The hash of an entry of the former chain: its content, ``seq`` and the previous
    entry's hash (canonical JSON sorts the keys, so the bytes are those hashed then)."""
    return sha256_of({**_content(**content), "seq": seq, "prev_hash": prev_hash})


def content_hash(**content: Any) -> str:
    """The hash of an entry written since the Merkle tree: its content alone. Two entries of
    identical content get the same hash; they are still two leaves at two positions."""
    return sha256_of(_content(**content))


def recompute(entry: AuditEntry) -> str:
    """The hash an entry should carry: chained for the entries of the former chain."""
    if entry.prev_hash is None:
        return content_hash(
            occurred_at=entry.occurred_at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            before=entry.before,
            after=entry.after,
            request_id=entry.request_id,
        )
    return entry_hash(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        before=entry.before,
        after=entry.after,
        request_id=entry.request_id,
        prev_hash=entry.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class Anchor:
    """A (seq, hash) pair copied out of the database earlier (``grants audit head``). The
    chain alone cannot show that its newest entries were cut off; an anchor can."""

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        seq, _, digest = text.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise ValueError("an anchor looks like SEQ:HASH (64 hex digits)")
        return cls(int(seq), digest.lower())

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


class ChainVerifier:
    """Feeds entries in ``seq`` order; remembers the first break. Streaming, so the CLI can
    verify millions of rows in constant memory."""

    def __init__(self, anchor: Anchor | None = None) -> None:
        self.checked = 0
        self.first_break: ChainBreak | None = None
        self.anchor = anchor
        self._expected_seq = 1
        self._prev_hash = GENESIS_HASH

    def feed(self, entry: AuditEntry) -> ChainBreak | None:
        if self.first_break is not None:
            return self.first_break
        self.checked += 1
        if entry.seq != self._expected_seq:
            reason = f"sequence gap: expected entry {self._expected_seq}, found {entry.seq}"
            self.first_break = ChainBreak(self._expected_seq, reason)
        elif entry.prev_hash != self._prev_hash:
            reason = "prev_hash does not match the previous entry's hash (row removed or altered)"
            self.first_break = ChainBreak(entry.seq, reason)
        elif recompute(entry) != entry.hash:
            reason = "content does not match its hash (row altered)"
            self.first_break = ChainBreak(entry.seq, reason)
        elif self.anchor and entry.seq == self.anchor.seq and entry.hash != self.anchor.hash:
            reason = "differs from the anchored hash (chain rewritten from here on)"
            self.first_break = ChainBreak(entry.seq, reason)
        else:
            self._expected_seq += 1
            self._prev_hash = entry.hash
        return self.first_break

    def finish(self) -> ChainBreak | None:
        """After the last entry: an anchored entry that never came means the newest entries
        were removed."""
        last = self._expected_seq - 1
        if self.first_break is None and self.anchor and last < self.anchor.seq:
            reason = f"the chain ends at entry {last}, but entry {self.anchor.seq} was anchored"
            self.first_break = ChainBreak(last + 1, reason + " (newest entries removed)")
        return self.first_break


def verify_chain(entries: Iterable[AuditEntry], anchor: Anchor | None = None) -> ChainBreak | None:
    verifier = ChainVerifier(anchor)
    for entry in entries:
        if verifier.feed(entry) is not None:
            break
    return verifier.finish()
