"""Canonical JSON and its SHA-256: the one byte rendering behind every hash of a record that
must verify years later (submission snapshots, the audit chain, guideline content hashes).

Sorted keys, no whitespace, non-ASCII characters as UTF-8 rather than ``\\u`` escapes. Anyone
can recompute a stored hash from the stored JSON with these rules, and the bytes must never
change: a different rendering of the same value would make every existing hash fail. Pure.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeAlias

JSONValue: TypeAlias = "bool | int | str | list[JSONValue] | dict[str, JSONValue] | None"


def canonical_json(value: Any, *, default: Callable[[Any], Any] | None = None) -> bytes:
    """One byte sequence per JSON value.

    ``default`` is ``json.dumps``'s hook for values JSON has no type for. Without it such a
    value is refused (``TypeError``), which is what snapshots and the audit chain want: their
    callers convert first. The guideline loader passes ``str``, as its hash always has. That
    changes which inputs are accepted, never the bytes of an input both accept."""
    rendered = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default
    )
    return rendered.encode("utf-8")


def sha256_of(value: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """Hex SHA-256 of ``canonical_json(value, default=default)``."""
    return hashlib.sha256(canonical_json(value, default=default)).hexdigest()
