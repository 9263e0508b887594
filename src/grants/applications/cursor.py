"""Opaque, tamper-proof keyset cursors.

A cursor is the position after the last row of a page: the sort it belongs to, that row's
sort value and its id. It travels as URL-safe base64 (no padding) of a compact JSON array
followed by a 16-byte HMAC-SHA256 tag, keyed by a key derived from the server secret. A
client can neither forge a position (the values go into SQL as bound parameters, but only
values this server issued) nor reuse a cursor under another sort.
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from grants.core.errors import FieldProblem, InvalidInput

_VERSION = 1
_TAG_BYTES = 16
_MAX_CURSOR_CHARS = 1024
_KEY_CONTEXT = b"grants:applications:list-cursor:v1"


@dataclass(frozen=True, slots=True)
class Position:
    """Where the next page starts: after the row with this sort ``value`` and ``id``
    (both as JSON scalars; the caller converts them to the column types)."""

    sort: str
    value: str | None
    id: str


def cursor_key(secret: str) -> bytes:
    """The HMAC key for cursors, separate from every other use of the server secret."""
    return hmac.new(secret.encode(), _KEY_CONTEXT, hashlib.sha256).digest()


def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_TAG_BYTES]


def encode(key: bytes, position: Position) -> str:
    payload = json.dumps(
        [_VERSION, position.sort, position.value, position.id],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return base64.urlsafe_b64encode(payload + _tag(key, payload)).rstrip(b"=").decode("ascii")


def invalid_cursor(message: str) -> InvalidInput:
    return InvalidInput(
        "Ungültiger Cursor (invalid cursor): bitte von der ersten Seite neu beginnen "
        "(start again from the first page).",
        problems=(FieldProblem("cursor", "invalid_cursor", message),),
    )


def decode(key: bytes, cursor: str, *, sort: str) -> Position:
    """The position in ``cursor``; ``InvalidInput`` naming ``cursor`` when it is malformed,
    was not issued by this server (or was changed), or belongs to another sort."""
    if len(cursor) > _MAX_CURSOR_CHARS:
        raise invalid_cursor("cursor too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise invalid_cursor("not URL-safe base64") from None
    payload, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if len(raw) <= _TAG_BYTES or not hmac.compare_digest(tag, _tag(key, payload)):
        raise invalid_cursor("cursor was not issued by this server or was changed")
    try:
        parts: Any = json.loads(payload)
    except ValueError:  # cannot happen for cursors we signed, but stay total
        raise invalid_cursor("malformed cursor") from None
    if (
        not isinstance(parts, list)
        or len(parts) != 4
        or parts[0] != _VERSION
        or not isinstance(parts[1], str)
        or not (parts[2] is None or isinstance(parts[2], str))
        or not isinstance(parts[3], str)
    ):
        raise invalid_cursor("malformed cursor")
    if parts[1] != sort:
        raise invalid_cursor(f"cursor belongs to sort {parts[1]!r}, not {sort!r}")
    return Position(sort=parts[1], value=parts[2], id=parts[3])
