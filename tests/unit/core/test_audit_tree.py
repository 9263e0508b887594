"""The log verifier on its own: the former chain's entries, sequenced or still waiting for
the sequencer, are checked link by link; positions run without a gap; heads match."""

from datetime import UTC, datetime, timedelta

from grants.core.audit_chain import GENESIS_HASH, AuditEntry, content_hash, entry_hash
from grants.core.audit_tree import LogVerifier, TreeHead
from grants.core.merkle import leaf_hash, root_of

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _chained(count: int) -> list[AuditEntry]:
    entries, previous = [], GENESIS_HASH
    for seq in range(1, count + 1):
        fields = {
            "seq": seq,
            "occurred_at": T0 + timedelta(minutes=seq),
            "actor_id": None,
            "actor_label": "system:legacy",
            "action": "thing_changed",
            "object_type": "thing",
            "object_id": str(seq),
            "before": None,
            "after": {"n": seq},
            "request_id": None,
            "prev_hash": previous,
        }
        digest = entry_hash(**fields)  # type: ignore[arg-type]
        entries.append(AuditEntry(**fields, hash=digest))  # type: ignore[arg-type]
        previous = digest
    return entries


def _new(seq: int, position: int | None = None) -> AuditEntry:
    fields = {
        "occurred_at": T0 + timedelta(days=1, seconds=seq),
        "actor_id": None,
        "actor_label": "system:new",
        "action": "thing_changed",
        "object_type": "thing",
        "object_id": str(seq),
        "before": None,
        "after": {"n": seq},
        "request_id": None,
    }
    return AuditEntry(
        seq=seq, prev_hash=None, hash=content_hash(**fields), position=position, **fields
    )  # type: ignore[arg-type]


def _sequenced(entries: list[AuditEntry], first: int = 0) -> list[AuditEntry]:
    from dataclasses import replace

    return [replace(e, position=first + i) for i, e in enumerate(entries)]


def test_a_chain_half_sequenced_verifies_and_its_heads_match() -> None:
    chain = _chained(6)
    done = _sequenced(chain[:4])
    head = TreeHead(4, root_of([leaf_hash(e.hash) for e in done]).hex())
    verifier = LogVerifier([head])
    for entry in [*done, *chain[4:], _new(7)]:
        assert verifier.feed(entry) is None, verifier.first_break
    assert verifier.finish() is None
    assert (verifier.tree_size, verifier.unsequenced, verifier.heads_checked) == (4, 3, 1)


def test_a_broken_link_among_the_waiting_chain_is_named() -> None:
    from dataclasses import replace

    chain = _chained(5)
    chain[3] = replace(chain[3], prev_hash="0" * 64)
    verifier = LogVerifier()
    for entry in [*_sequenced(chain[:2]), *chain[2:]]:
        verifier.feed(entry)
    assert verifier.first_break is not None and verifier.first_break.seq == 4


def test_a_chained_entry_after_new_ones_is_refused_and_a_gap_is_named() -> None:
    verifier = LogVerifier()
    verifier.feed(_new(1, position=0))
    assert verifier.feed(_chained(1)[0]) is not None
    gap = LogVerifier()
    gap.feed(_new(1, position=0))
    broken = gap.feed(_new(2, position=2))
    assert broken is not None and "position gap" in broken.reason
