"""The audit log's Merkle tree, as pure functions, in the manner of RFC 9162 (Certificate
Transparency 2.0), §2.1.

Leaves are the entries' hashes in the order the sequencer gave them positions. A leaf's tree
hash is SHA-256(0x00 ‖ entry hash); an inner node's is SHA-256(0x01 ‖ left ‖ right), so a leaf
can never pass for a node. The tree over n leaves splits at the largest power of two below n,
which makes every left part a *perfect* subtree: such subtrees, once complete, never change and
are stored (``audit_tree_nodes``, level and index); everything else — roots, the right edges
of proofs — is folded from them on demand.

A signed tree head (size, root hash) commits to every leaf below that size: changing, removing
or reordering any of them changes the root. An inclusion proof (the "audit path") lets anyone
holding an entry and a head check that the entry is in the tree, with log₂ n hashes.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NodeKey = tuple[int, int]  # (level, index): the perfect subtree over leaves [index·2^level, …)

EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162: the hash of an empty tree


def leaf_hash(entry_hash_hex: str) -> bytes:
    """The tree hash of a leaf: the entry's own (hex) hash, as bytes, with the leaf prefix."""
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash_hex)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two below ``size`` (size ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of leaf hashes, straight from RFC 9162's recursive definition: the
    reference the incremental builder is tested against."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def frontier_keys(size: int) -> list[NodeKey]:
    """The perfect subtrees a tree of ``size`` leaves is made of, left to right (one per set
    bit of ``size``, largest first). Their hashes are all an appender needs."""
    keys: list[NodeKey] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def fold(frontier: Sequence[bytes]) -> bytes:
    """The root over perfect subtrees of decreasing size, left to right: folded from the right
    (H(a, H(b, c))), which is what the recursive split yields."""
    if not frontier:
        return EMPTY_ROOT
    acc = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        acc = node_hash(subtree, acc)
    return acc


@dataclass(frozen=True, slots=True)
class Node:
    level: int
    index: int
    hash: bytes


class TreeBuilder:
    """Appends leaves to a tree of known size, given its frontier; reports each perfect subtree
    the moment it completes (leaves included, at level 0), so the caller can store it. Used by
    the sequencer (from the stored frontier) and by verification (from nothing, streaming)."""

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        if len(frontier) != len(frontier_keys(size)):
            raise ValueError("the frontier must hold one hash per set bit of the size")
        self.size = size
        # (level, hash), left to right, levels strictly decreasing.
        self._stack: list[tuple[int, bytes]] = [
            (level, digest)
            for (level, _), digest in zip(frontier_keys(size), frontier, strict=True)
        ]

    def append(self, leaf: bytes) -> list[Node]:
        index = self.size
        completed = [Node(0, index, leaf)]
        level, digest = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            digest = node_hash(left, digest)
            level += 1
            completed.append(Node(level, index >> level, digest))
        self._stack.append((level, digest))
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold([digest for _, digest in self._stack])


def _subtree_keys(start: int, end: int) -> list[NodeKey]:
    """The stored subtrees whose fold is the hash of leaves [start, end), a range the proof
    recursion produces (``start`` is aligned to the largest power of two within it)."""
    keys: list[NodeKey] = []
    while start < end:
        width = 1 << ((end - start).bit_length() - 1)
        keys.append((width.bit_length() - 1, start // width))
        start += width
    return keys


def _path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form the audit path of leaf ``index`` in a tree of ``size``
    leaves, from the leaf upwards (RFC 9162 §2.1.3.1, PATH(m, D[n]))."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def inclusion_keys(index: int, size: int) -> set[NodeKey]:
    """Every stored subtree an inclusion proof needs: fetch them in one query."""
    if not 0 <= index < size:
        raise ValueError("the leaf index must lie inside the tree")
    return {key for a, b in _path_ranges(index, size) for key in _subtree_keys(a, b)}


def inclusion_path(index: int, size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves, from stored nodes."""
    return [fold([nodes[key] for key in _subtree_keys(a, b)]) for a, b in _path_ranges(index, size)]


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Iterable[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` lead from ``leaf`` at ``index`` to ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    digest = leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and digest == root
