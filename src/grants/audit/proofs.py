"""Inclusion proofs: an entry, its leaf position and the audit path to a signed head's root,
built from the stored nodes with two queries. The recipient checks it without trusting us:
recompute the entry's hash from its content, the leaf hash from that, walk the path (RFC 9162
§2.1.3.2) and compare with the head's root, whose signature the published key checks."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grants.audit.sequencer import load_nodes
from grants.audit.signing import SignedHead
from grants.core.merkle import inclusion_keys, inclusion_path, leaf_hash


@dataclass(frozen=True, slots=True)
class InclusionProof:
    position: int
    leaf_hash: str
    path: list[str]  # hex, from the leaf upwards
    head: SignedHead


async def inclusion_proof(
    session: AsyncSession, entry: Any, head: SignedHead | None
) -> InclusionProof | None:
    """``entry`` (with ``position`` and ``hash``) against ``head`` (the caller reads it once
    for all the entries it proves, ``heads.latest_head``). None while the entry is not yet in
    that signed tree."""
    if entry.position is None:
        return None
    if head is None or head.tree_size <= entry.position:
        return None
    keys = inclusion_keys(entry.position, head.tree_size)
    nodes = await load_nodes(session, keys)
    if keys - nodes.keys():
        raise RuntimeError("audit tree nodes are missing; run `grants audit verify`")
    path = inclusion_path(entry.position, head.tree_size, nodes)
    return InclusionProof(
        position=entry.position,
        leaf_hash=leaf_hash(entry.hash).hex(),
        path=[step.hex() for step in path],
        head=head,
    )
