"""Frozen submissions: canonical JSON and its SHA-256, reference numbers. Pure."""

import hashlib
import json
from typing import Any

from grants.core.guideline import Call, Guideline

SNAPSHOT_SCHEMA = 1


def canonical_json(value: Any) -> bytes:
    """One byte sequence per value (sorted keys, no spaces, UTF-8), so the hash of a
    snapshot can be recomputed by anyone from the stored JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


_LINE_LETTERS = {"stationary": "S", "mobile": "M"}


def reference_number(guideline: Guideline, call: Call, line_code: str, number: int) -> str:
    """``LIfD-2024-1-S-0042`` (DOMAIN.md §5.8): programme, call, line, sequence per call
    and line."""
    programme = guideline.short_name.split()[-1]
    letter = _LINE_LETTERS.get(line_code, line_code[:1].upper())
    return f"{programme}-{call.code}-{letter}-{number:04d}"
