"""Canonical JSON: the bytes behind every stored hash. The digests below were computed with
the three renderings the core's one function replaced (the submission snapshot,
``core.audit_chain.entry_hash``, ``guidelines.loader.content_hash``) before they were
replaced; if one of these tests fails, stored hashes no longer verify."""

import ast
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from grants.core import canonical, snapshot
from grants.core.audit_chain import entry_hash
from grants.core.canonical import canonical_json, sha256_of
from grants.guidelines.loader import content_hash

# Non-ASCII, a line separator, an astral character, nesting, every JSON kind.
SAMPLE = {"b": [1, "ä", None, True], "a": {"€": "x\u2028y", "n": -3}, "z": "\U0001f600"}
SAMPLE_BYTES = '{"a":{"n":-3,"€":"x\u2028y"},"b":[1,"ä",null,true],"z":"\U0001f600"}'.encode()
SAMPLE_SHA256 = "daa7c6e915e20b4c73dc12a1f503278785b6a824b47f74097fe8a22b39c9d5cc"


def test_the_rendering_is_pinned() -> None:
    assert canonical_json(SAMPLE) == SAMPLE_BYTES
    assert sha256_of(SAMPLE) == SAMPLE_SHA256


def test_key_order_does_not_matter_but_every_character_does() -> None:
    assert sha256_of({"b": 1, "a": 2}) == sha256_of({"a": 2, "b": 1})
    assert sha256_of({"a": "1.0"}) != sha256_of({"a": "1.00"})


def test_values_json_has_no_type_for_are_refused_unless_a_default_is_given() -> None:
    with pytest.raises(TypeError):
        canonical_json({"d": date(2024, 3, 1)})
    with pytest.raises(TypeError):
        canonical_json({"amount": Decimal("1.00")})
    assert canonical_json({"d": date(2024, 3, 1)}, default=str) == b'{"d":"2024-03-01"}'


def test_the_guideline_content_hash_is_unchanged() -> None:
    assert content_hash(SAMPLE) == SAMPLE_SHA256
    # default=str, as the loader always had: a date is hashed as its ISO string.
    with_date = "89e612f9440f4213702b6744db6c8e678193857f3500ac15ebfcc95138cf68e1"
    assert content_hash({"d": date(2024, 3, 1)}) == with_date
    assert content_hash({"d": "2024-03-01"}) == with_date


def test_the_audit_entry_hash_is_unchanged() -> None:
    digest = entry_hash(
        seq=7,
        occurred_at=datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC),
        actor_id="0b5e...",
        actor_label="anna@kulturwerk.example",
        action="application.submitted",
        object_type="application",
        object_id="c0ffee",
        before={"status": "draft"},
        after={"status": "submitted", "note": "Fördermittel – ä"},
        request_id="req-1",
        prev_hash="0" * 64,
    )
    assert digest == "84b1bde6b3671ca461051f6e6f4764d733dfbaf426cd5751f711a2c0fac36c2d"


def _imports(module_file: str) -> set[str]:
    tree = ast.parse(Path(module_file).read_text(encoding="utf-8"))
    return {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


@pytest.mark.parametrize("module", [canonical, snapshot])
def test_the_legal_record_modules_import_only_the_standard_library_and_the_core(
    module: object,
) -> None:
    imported = _imports(module.__file__)  # type: ignore[attr-defined]
    outside = {
        name
        for name in imported
        if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("grants.core")
    }
    assert not outside
