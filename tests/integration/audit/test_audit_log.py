"""The audit log on real PostgreSQL: appends without a lock, the sequencer's tree and signed
heads, refused changes, and every kind of tampering detected by the verification."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.audit.heads import all_heads, latest_head
from grants.audit.proofs import inclusion_proof
from grants.audit.sequencer import run_sequencer
from grants.audit.signing import HeadSigner, signature_valid
from grants.audit.verify import Report, verify_audit_log
from grants.core.actors import Actor
from grants.core.audit_chain import content_hash
from grants.core.audit_tree import TreeHead
from grants.core.merkle import leaf_hash, verify_inclusion
from grants.db.audit import record_audit
from grants.settings import DEVELOPMENT_AUDIT_KEY

ACTOR = Actor.system("test")
SIGNER = HeadSigner(bytes.fromhex(DEVELOPMENT_AUDIT_KEY))
NOW = datetime(2026, 3, 15, 23, 59, 59, 999999, tzinfo=UTC)

Factory = async_sessionmaker[AsyncSession]


async def _append(db_session: AsyncSession, count: int, start: int = 0) -> list[int]:
    seqs = []
    async with db_session.begin():
        for i in range(start, start + count):
            seqs.append(
                await record_audit(
                    db_session,
                    actor=ACTOR,
                    action="thing_changed",
                    object_type="thing",
                    object_id=i,
                    now=NOW + timedelta(seconds=i),
                    before={"amount": Decimal("1000.10"), "n": i},
                    after={"amount": Decimal("1200.00"), "n": i, "tags": ["ä", "ß"]},
                )
            )
    return seqs


async def _sequence(session_factory: Factory, *, limit: int = 5000) -> int:
    return await run_sequencer(session_factory, SIGNER, lambda: NOW, limit=limit)


async def _verify(db_session: AsyncSession, *anchors: TreeHead) -> Report:
    async with db_session.begin():
        return await verify_audit_log(db_session, public_keys=[SIGNER.public_key], anchors=anchors)


async def _positions(db_session: AsyncSession, seqs: list[int]) -> list[int | None]:
    async with db_session.begin():
        rows = await db_session.execute(
            sa.text("SELECT seq, position FROM audit_log WHERE seq = ANY(:s)"), {"s": seqs}
        )
        by_seq = {row[0]: row[1] for row in rows}
    return [by_seq[seq] for seq in seqs]


async def _tamper(db_session: AsyncSession, *statements: str, **params: object) -> None:
    """What a superuser can do behind the application's back: switch the guards off."""
    async with db_session.begin():
        for table in ("audit_log", "audit_tree_nodes", "audit_tree_heads"):
            await db_session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for statement in statements:
            await db_session.execute(sa.text(statement), params)
        for table in ("audit_log", "audit_tree_nodes", "audit_tree_heads"):
            await db_session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


async def _broken(db_session: AsyncSession, *anchors: TreeHead) -> tuple[int | None, str]:
    broken = (await _verify(db_session, *anchors)).first_break
    assert broken is not None
    return broken.seq, broken.reason


async def test_entries_get_gap_free_positions_nodes_and_a_signed_head(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    await _sequence(session_factory)  # whatever the database held before this test
    before = (await _verify(db_session)).tree_size
    seqs = await _append(db_session, 5)
    assert await _positions(db_session, seqs) == [None] * 5
    pending = await _verify(db_session)
    assert pending.first_break is None
    assert pending.unsequenced == 5

    assert await _sequence(session_factory) == 5
    assert await _positions(db_session, seqs) == list(range(before, before + 5))
    report = await _verify(db_session)
    assert report.first_break is None
    assert (report.tree_size, report.unsequenced) == (before + 5, 0)
    async with db_session.begin():
        head = await latest_head(db_session)
    assert head is not None
    assert (head.tree_size, head.root_hash) == (before + 5, report.root_hash)
    assert head.key_id == SIGNER.key_id
    assert signature_valid(SIGNER.public_key, head)
    assert await _sequence(session_factory) == 0  # nothing twice


async def test_batches_sign_one_head_each_and_the_heads_agree(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    await _sequence(session_factory)
    await _append(db_session, 7)
    assert await _sequence(session_factory, limit=3) == 7  # batches of 3, 3, 1
    async with db_session.begin():
        sizes = [head.tree_size for head in await all_heads(db_session)][-3:]
    assert sizes[1] - sizes[0] == 3
    assert sizes[2] - sizes[1] == 1
    report = await _verify(db_session)
    assert report.first_break is None
    assert report.heads_checked >= 3


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'nothing_happened' WHERE seq = :seq",
        "UPDATE audit_log SET position = 10000, action = 'x' WHERE seq = :seq",
        "DELETE FROM audit_log WHERE seq = :seq",
    ],
)
async def test_the_database_refuses_changes(db_session: AsyncSession, statement: str) -> None:
    seqs = await _append(db_session, 2)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db_session.begin():
            await db_session.execute(sa.text(statement), {"seq": seqs[0]})


async def test_a_position_once_set_cannot_be_moved(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    seqs = await _append(db_session, 1)
    await _sequence(session_factory)
    with pytest.raises(DBAPIError, match="append-only"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE audit_log SET position = position + 100000 WHERE seq = :s"),
                {"s": seqs[0]},
            )
    for statement in ("UPDATE audit_tree_nodes SET hash = hash", "DELETE FROM audit_tree_heads"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db_session.begin():
                await db_session.execute(sa.text(statement))


async def test_an_altered_entry_is_named(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    seqs = await _append(db_session, 5)
    await _sequence(session_factory)
    await _tamper(
        db_session,
        "UPDATE audit_log SET after = jsonb_set(after, '{amount}', '\"9999.00\"') WHERE seq = :seq",
        seq=seqs[2],
    )
    seq, reason = await _broken(db_session)
    assert seq == seqs[2]
    assert "content does not match its hash" in reason


async def test_an_altered_and_rehashed_entry_breaks_the_signed_root(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    seqs = await _append(db_session, 4)
    await _sequence(session_factory)
    forged = content_hash(
        occurred_at=NOW,
        actor_id=None,
        actor_label="someone-else",
        action="thing_changed",
        object_type="thing",
        object_id="1",
        before=None,
        after=None,
        request_id=None,
    )
    await _tamper(
        db_session,
        "UPDATE audit_log SET actor_label = 'someone-else', occurred_at = :now, actor_id = NULL, "
        "object_id = '1', before = NULL, after = NULL, request_id = NULL, hash = :hash "
        "WHERE seq = :seq",
        seq=seqs[1],
        now=NOW,
        hash=forged,
    )
    _, reason = await _broken(db_session)
    assert "does not have the root of its signed head" in reason


async def test_a_deleted_entry_is_found(db_session: AsyncSession, session_factory: Factory) -> None:
    seqs = await _append(db_session, 5)
    await _sequence(session_factory)
    await _tamper(db_session, "DELETE FROM audit_log WHERE seq = :seq", seq=seqs[3])
    seq, reason = await _broken(db_session)
    assert seq == seqs[4]  # the entry after the gap
    assert "position gap" in reason


async def test_removing_the_newest_entries_is_found(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    seqs = await _append(db_session, 3)
    await _sequence(session_factory)
    await _tamper(db_session, "DELETE FROM audit_log WHERE seq = :seq", seq=seqs[-1])
    _, reason = await _broken(db_session)
    assert "newest entries removed" in reason


async def test_two_swapped_entries_are_found(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    seqs = await _append(db_session, 4)
    await _sequence(session_factory)
    await _tamper(
        db_session,
        "UPDATE audit_log SET position = -1 WHERE seq = :a",
        "UPDATE audit_log SET position = position - 1 WHERE seq = :b",
        "UPDATE audit_log SET position = (SELECT position FROM audit_log WHERE seq = :b) + 1 "
        "WHERE seq = :a",
        a=seqs[1],
        b=seqs[2],
    )
    _, reason = await _broken(db_session)
    assert "does not have the root of its signed head" in reason


async def test_a_rewritten_and_re_signed_log_fails_against_a_head_kept_outside(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    """Someone with the database and the signing key rewrites an entry and rebuilds the whole
    tree: the log checks out on its own, but not against a head printed on a letter."""
    seqs = await _append(db_session, 3)
    await _sequence(session_factory)
    async with db_session.begin():
        printed = await latest_head(db_session)
    assert printed is not None
    await _tamper(
        db_session,
        "DELETE FROM audit_log WHERE seq = :seq",
        "DELETE FROM audit_tree_nodes",
        "DELETE FROM audit_tree_heads",
        "UPDATE audit_log SET position = NULL",
        seq=seqs[1],
    )
    await _sequence(session_factory)
    assert (await _verify(db_session)).first_break is None
    _, reason = await _broken(db_session, TreeHead(printed.tree_size, printed.root_hash))
    assert "newest entries removed" in reason or "root of its signed head" in reason


async def test_a_head_with_a_forged_signature_is_found(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    await _append(db_session, 2)
    await _sequence(session_factory)
    other = HeadSigner(bytes(range(32)))
    async with db_session.begin():
        head = await latest_head(db_session)
    assert head is not None
    forged = other.sign(head.tree_size, head.root_hash, head.signed_at)
    await _tamper(
        db_session,
        "UPDATE audit_tree_heads SET signature = :sig WHERE tree_size = :size",
        sig=forged.signature,
        size=head.tree_size,
    )
    _, reason = await _broken(db_session)
    assert "no valid signature" in reason


async def test_a_changed_stored_node_is_found(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    await _append(db_session, 4)
    await _sequence(session_factory)
    await _tamper(
        db_session,
        "UPDATE audit_tree_nodes SET hash = repeat('ab', 32) "
        "WHERE level = 1 AND index = (SELECT max(index) FROM audit_tree_nodes WHERE level = 1)",
    )
    _, reason = await _broken(db_session)
    assert "stored tree node (level 1" in reason


async def test_an_altered_entry_not_yet_sequenced_is_found(db_session: AsyncSession) -> None:
    seqs = await _append(db_session, 2)
    await _tamper(
        db_session, "UPDATE audit_log SET actor_label = 'x' WHERE seq = :seq", seq=seqs[0]
    )
    seq, reason = await _broken(db_session)
    assert seq == seqs[0]
    assert "content does not match its hash" in reason


async def test_an_inclusion_proof_verifies_and_a_forged_entry_does_not(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    seqs = await _append(db_session, 6)
    async with db_session.begin():
        row = (
            await db_session.execute(
                sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seqs[2]}
            )
        ).one()
        assert (
            await inclusion_proof(db_session, row, await latest_head(db_session)) is None
        )  # not yet in the tree
    await _sequence(session_factory)
    async with db_session.begin():
        row = (
            await db_session.execute(
                sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seqs[2]}
            )
        ).one()
        proof = await inclusion_proof(db_session, row, await latest_head(db_session))
    assert proof is not None
    assert signature_valid(SIGNER.public_key, proof.head)
    path = [bytes.fromhex(step) for step in proof.path]
    root = bytes.fromhex(proof.head.root_hash)
    size = proof.head.tree_size
    assert verify_inclusion(proof.position, size, leaf_hash(row.hash), path, root)
    forged = content_hash(
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        before=row.before,
        after={**row.after, "amount": "1.00"},
        request_id=row.request_id,
    )
    assert not verify_inclusion(proof.position, size, leaf_hash(forged), path, root)


async def test_a_sequencer_that_fails_midway_loses_nothing(
    db_session: AsyncSession, session_factory: Factory
) -> None:
    """The batch is one transaction: failing at its last statement (signing the head) leaves
    the entries unsequenced and no node behind; the next run takes them."""
    await _sequence(session_factory)
    seqs = await _append(db_session, 3)
    async with db_session.begin():
        await db_session.execute(
            sa.text(
                "CREATE FUNCTION pg_temp.fail() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk full'; END; $$"
            )
        )
        await db_session.execute(
            sa.text(
                "CREATE TRIGGER fail BEFORE INSERT ON audit_tree_heads "
                "FOR EACH ROW EXECUTE FUNCTION pg_temp.fail()"
            )
        )
    async with db_session.begin():
        nodes_before = await db_session.scalar(sa.text("SELECT count(*) FROM audit_tree_nodes"))
    with pytest.raises(DBAPIError, match="disk full"):
        await _sequence(session_factory)
    assert await _positions(db_session, seqs) == [None] * 3
    async with db_session.begin():
        assert (
            await db_session.scalar(sa.text("SELECT count(*) FROM audit_tree_nodes"))
            == nodes_before
        )
        await db_session.execute(sa.text("DROP TRIGGER fail ON audit_tree_heads"))
    assert await _sequence(session_factory) == 3
    assert None not in await _positions(db_session, seqs)
    assert (await _verify(db_session)).first_break is None


async def test_no_snapshot_is_sql_null_not_json_null(db_session: AsyncSession) -> None:
    async with db_session.begin():
        seq = await record_audit(
            db_session,
            actor=ACTOR,
            action="thing_changed",
            object_type="thing",
            object_id=None,
            now=NOW,
            after={"n": 1},
        )
        row = (
            await db_session.execute(
                sa.text(
                    "SELECT before IS NULL AS no_before, jsonb_typeof(after) AS after_type "
                    "FROM audit_log WHERE seq = :s"
                ),
                {"s": seq},
            )
        ).one()
    assert row.no_before is True
    assert row.after_type == "object"
