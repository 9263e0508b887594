"""The sequencer: gives committed audit entries their leaf positions, stores the tree's new
nodes and signs a head — in one transaction per batch, so a crash at any point leaves the
entries unsequenced and the next run takes them again (nothing lost, nothing twice).

One runs at a time: a transaction-scoped advisory lock, tried rather than waited for (a
second sequencer has nothing to do that the first is not doing). It runs on the job queue
every few seconds (``audit.jobs``) and on demand (``grants audit sequence``).

Entries are taken in ``seq`` order among those without a position. An entry whose
transaction commits late gets a later position than its ``seq`` suggests; the position is what
the tree and the signed heads fix.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.audit.signing import HeadSigner, SignedHead
from grants.audit.tables import heads_table, nodes_table
from grants.core.merkle import Node, TreeBuilder, frontier_keys, leaf_hash
from grants.db.audit import audit_table

# Arbitrary but fixed advisory lock key ("audseq" in ASCII).
SEQUENCER_LOCK_KEY = 0x617564736571
BATCH_SIZE = 5000

_log = audit_table


@dataclass(frozen=True, slots=True)
class Batch:
    sequenced: int  # entries given a position in this batch
    head: SignedHead | None  # the head signed over the tree after it (None: nothing to do)


async def tree_size(session: AsyncSession) -> int:
    """Leaves in the tree: one more than the highest position (the unique index answers)."""
    highest = await session.scalar(sa.select(sa.func.max(_log.c.position)))
    return 0 if highest is None else int(highest) + 1


async def load_nodes(
    session: AsyncSession, keys: set[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """Stored nodes by (level, index), in one query."""
    if not keys:
        return {}
    levels, indexes = zip(*sorted(keys), strict=True)
    pairs = sa.select(
        sa.func.unnest(sa.cast(list(levels), ARRAY(sa.SmallInteger))).label("level"),
        sa.func.unnest(sa.cast(list(indexes), ARRAY(sa.BigInteger))).label("index"),
    ).subquery()
    rows = await session.execute(
        sa.select(nodes_table.c.level, nodes_table.c.index, nodes_table.c.hash).join(
            pairs,
            sa.and_(nodes_table.c.level == pairs.c.level, nodes_table.c.index == pairs.c.index),
        )
    )
    return {(row[0], row[1]): bytes.fromhex(row[2]) for row in rows}


async def sequence_batch(
    session: AsyncSession, signer: HeadSigner, now: datetime, *, limit: int = BATCH_SIZE
) -> Batch | None:
    """One batch in the caller's transaction (the caller commits). None: another sequencer
    holds the lock."""
    locked = await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(SEQUENCER_LOCK_KEY)))
    if not locked:
        return None
    size = await tree_size(session)
    pending = (
        await session.execute(
            sa.select(_log.c.seq, _log.c.hash)
            .where(_log.c.position.is_(None))
            .order_by(_log.c.seq)
            .limit(limit)
        )
    ).all()
    if not pending:
        return Batch(0, None)
    keys = frontier_keys(size)
    stored = await load_nodes(session, set(keys))
    missing = [key for key in keys if key not in stored]
    if missing:
        # Positions without their nodes: the tree was tampered with (or a node deleted by
        # someone who disabled the triggers). Appending would sign a head over a guess.
        raise RuntimeError(f"audit tree nodes {missing} are missing; run `grants audit verify`")
    builder = TreeBuilder(size, [stored[key] for key in keys])
    nodes: list[Node] = []
    for row in pending:
        nodes += builder.append(leaf_hash(row.hash))
    positions = list(range(size, size + len(pending)))
    await session.execute(
        sa.text(
            "UPDATE audit_log SET position = u.position "
            "FROM unnest(CAST(:seqs AS bigint[]), CAST(:positions AS bigint[])) "
            "AS u(seq, position) WHERE audit_log.seq = u.seq"
        ),
        {"seqs": [row.seq for row in pending], "positions": positions},
    )
    await session.execute(
        sa.insert(nodes_table),
        [{"level": n.level, "index": n.index, "hash": n.hash.hex()} for n in nodes],
    )
    head = signer.sign(builder.size, builder.root().hex(), now)
    await session.execute(
        sa.insert(heads_table).values(
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            signed_at=head.signed_at,
            key_id=head.key_id,
            signature=head.signature,
        )
    )
    return Batch(len(pending), head)


async def run_sequencer(
    session_factory: async_sessionmaker[AsyncSession],
    signer: HeadSigner,
    clock: Callable[[], datetime],
    *,
    limit: int = BATCH_SIZE,
) -> int:
    """Batches until none is full (each its own transaction); returns the entries sequenced."""
    total = 0
    while True:
        async with session_factory() as session, session.begin():
            batch = await sequence_batch(session, signer, clock(), limit=limit)
        if batch is None:
            return total
        total += batch.sequenced
        if batch.sequenced < limit:
            return total
