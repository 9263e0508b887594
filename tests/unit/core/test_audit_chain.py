import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.audit_chain import (
    GENESIS_HASH,
    Anchor,
    AuditEntry,
    entry_hash,
    to_json_value,
    verify_chain,
)

START = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)


def build_chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields: dict[str, Any] = {
            "seq": seq,
            "occurred_at": START + timedelta(seconds=seq),
            "actor_id": None,
            "actor_label": "test",
            "action": "application_submitted",
            "object_type": "application",
            "object_id": str(seq),
            "before": None,
            "after": {"amount": "1000.00", "seq": seq},
            "request_id": None,
            "prev_hash": prev,
        }
        digest = entry_hash(**fields)
        entries.append(AuditEntry(**fields, hash=digest))
        prev = digest
    return entries


def test_intact_chain_verifies() -> None:
    assert verify_chain(build_chain(10)) is None
    assert verify_chain([]) is None


_MUTABLE = [
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "request_id",
]


@given(
    position=st.integers(0, 7),
    field=st.sampled_from(_MUTABLE),
    value=st.text(min_size=1, max_size=5),
)
def test_any_changed_field_is_detected_at_its_row(position: int, field: str, value: str) -> None:
    chain = build_chain(8)
    original = chain[position]
    new: Any = (
        original.occurred_at + timedelta(microseconds=1) if field == "occurred_at" else {"x": value}
    )
    if field not in {"before", "after", "occurred_at"}:
        new = getattr(original, field) if getattr(original, field) == value else value
        if new == getattr(original, field):
            new = value + "!"
    chain[position] = dataclasses.replace(original, **{field: new})
    broken = verify_chain(chain)
    assert broken is not None
    assert broken.seq == original.seq


def test_removed_row_is_a_gap_at_its_sequence() -> None:
    chain = build_chain(6)
    del chain[2]
    broken = verify_chain(chain)
    assert broken is not None and broken.seq == 3 and "gap" in broken.reason


def test_removed_first_row_is_detected() -> None:
    broken = verify_chain(build_chain(3)[1:])
    assert broken is not None and broken.seq == 1


def test_swapped_rows_are_detected() -> None:
    chain = build_chain(4)
    chain[1], chain[2] = chain[2], chain[1]
    broken = verify_chain(chain)
    assert broken is not None and broken.seq == 2


def test_recomputed_hash_breaks_the_next_link() -> None:
    chain = build_chain(4)
    forged = dataclasses.replace(chain[1], actor_label="forger")
    fields = {
        f.name: getattr(forged, f.name)
        for f in dataclasses.fields(forged)
        if f.name not in {"hash", "position"}
    }
    chain[1] = dataclasses.replace(forged, hash=entry_hash(**fields))
    broken = verify_chain(chain)
    assert broken is not None and broken.seq == 3 and "prev_hash" in broken.reason


def test_snapshot_values_are_exact_json() -> None:
    assert to_json_value({"a": Decimal("0.10"), "b": START, "c": {1, 2}}) == {
        "a": "0.10",
        "b": "2024-03-15T12:00:00.000000+00:00",
        "c": [1, 2],
    }
    with pytest.raises(TypeError):
        to_json_value(1.5)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        entry_hash(
            seq=1,
            occurred_at=datetime(2024, 1, 1),  # noqa: DTZ001
            actor_id=None,
            actor_label="x",
            action="a",
            object_type="t",
            object_id=None,
            before=None,
            after=None,
            request_id=None,
            prev_hash=GENESIS_HASH,
        )


def test_removing_the_newest_entries_is_caught_only_with_an_anchor() -> None:
    chain = build_chain(6)
    anchor = Anchor(chain[-1].seq, chain[-1].hash)
    truncated = chain[:4]
    assert verify_chain(truncated) is None  # a shorter chain is still a valid chain
    broken = verify_chain(truncated, anchor)
    assert broken is not None
    assert broken.seq == 5
    assert "newest entries removed" in broken.reason
    assert verify_chain(chain, anchor) is None


def test_a_rewritten_chain_does_not_match_its_anchor() -> None:
    chain = build_chain(3)
    anchor = Anchor(2, "f" * 64)
    broken = verify_chain(chain, anchor)
    assert broken is not None
    assert broken.seq == 2


@pytest.mark.parametrize("text", ["", "5", "x:" + "a" * 64, "5:abc"])
def test_anchor_text_is_checked(text: str) -> None:
    with pytest.raises(ValueError, match="SEQ:HASH"):
        Anchor.parse(text)


def test_anchor_round_trips() -> None:
    assert str(Anchor.parse("42:" + "A" * 64)) == "42:" + "a" * 64
