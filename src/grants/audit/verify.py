"""Verifying the whole audit log against its tree and signed heads, streaming in constant
memory (apart from the heads): the entries in position order, then the unsequenced ones,
fed to ``core.audit_tree.LogVerifier``; each partition's newly completed nodes compared with
the stored ones in one query; every head's signature checked with the known public keys."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.audit.heads import all_heads
from grants.audit.sequencer import load_nodes
from grants.audit.signing import key_id_of, signature_valid
from grants.core.audit_tree import LogBreak, LogVerifier, TreeHead
from grants.db.audit import as_entry, audit_table

_log = audit_table


@dataclass(frozen=True, slots=True)
class Report:
    checked: int  # entries
    tree_size: int
    unsequenced: int  # entries not yet in the tree (checked against their hash only)
    heads_checked: int
    root_hash: str
    first_break: LogBreak | None


async def verify_audit_log(
    session: AsyncSession,
    *,
    public_keys: Iterable[bytes] = (),
    anchors: Iterable[TreeHead] = (),
    on_progress: Callable[[int], None] | None = None,
) -> Report:
    """``public_keys``: the keys heads may be signed with (none given: signatures are not
    checked, the heads' roots still are). ``anchors``: heads copied outside the database
    earlier (a letter's, a ticket's), which also catch a rewrite that re-signed every head."""
    keys = {key_id_of(key): key for key in public_keys}
    signed = await all_heads(session)
    heads = [TreeHead(h.tree_size, h.root_hash) for h in signed] + list(anchors)
    verifier = LogVerifier(heads)
    if keys:
        for head in signed:
            key = keys.get(head.key_id)
            if key is None or not signature_valid(key, head):
                verifier.first_break = LogBreak(
                    f"the tree head of size {head.tree_size} has no valid signature by a known "
                    f"key (key id {head.key_id})"
                )
                return _report(verifier)
    for query in (
        sa.select(_log).where(_log.c.position.is_not(None)).order_by(_log.c.position),
        sa.select(_log).where(_log.c.position.is_(None)).order_by(_log.c.seq),
    ):
        result = await session.stream(query.execution_options(yield_per=2000))
        async for partition in result.partitions():
            for row in partition:
                if verifier.feed(as_entry(row)) is not None:
                    await result.close()
                    return _report(verifier)
            completed = verifier.take_completed()
            stored = await load_nodes(session, {(n.level, n.index) for n in completed})
            for node in completed:
                if stored.get((node.level, node.index)) != node.hash:
                    verifier.stored_node_differs(node)
                    await result.close()
                    return _report(verifier)
            if on_progress is not None:
                on_progress(len(partition))
        # Closed explicitly: a server-side cursor left open holds the table for the rest of
        # the connection's transaction (the web page's check runs inside one).
        await result.close()
    verifier.finish()
    return _report(verifier)


def _report(verifier: LogVerifier) -> Report:
    return Report(
        checked=verifier.checked,
        tree_size=verifier.tree_size,
        unsequenced=verifier.unsequenced,
        heads_checked=verifier.heads_checked,
        root_hash=verifier.root(),
        first_break=verifier.first_break,
    )
