"""The audit log's Merkle tree against RFC 9162's definitions."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    frontier_keys,
    inclusion_keys,
    inclusion_path,
    leaf_hash,
    node_hash,
    root_of,
    verify_inclusion,
)


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(str(i).encode()).hexdigest()) for i in range(n)]


def _build(n: int) -> tuple[TreeBuilder, dict[tuple[int, int], bytes]]:
    builder = TreeBuilder()
    nodes: dict[tuple[int, int], bytes] = {}
    for leaf in _leaves(n):
        for node in builder.append(leaf):
            nodes[(node.level, node.index)] = node.hash
    return builder, nodes


def test_hashes_are_domain_separated() -> None:
    digest = "ab" * 32
    assert leaf_hash(digest) == hashlib.sha256(b"\x00" + bytes.fromhex(digest)).digest()
    assert node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert root_of([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_three_leaves_split_at_two() -> None:
    a, b, c = _leaves(3)
    assert root_of([a, b, c]) == node_hash(node_hash(a, b), c)
    assert TreeBuilder(3, [node_hash(a, b), c]).root() == root_of([a, b, c])


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 100])
def test_the_incremental_root_is_the_recursive_one(size: int) -> None:
    builder, _ = _build(size)
    assert builder.root() == root_of(_leaves(size))


def test_frontier_keys_decompose_the_size() -> None:
    assert frontier_keys(0) == []
    assert frontier_keys(13) == [(3, 0), (2, 2), (0, 12)]
    assert sum(1 << level for level, _ in frontier_keys(1000)) == 1000


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=40))
def test_resuming_from_a_stored_frontier_gives_the_same_tree(first: int, more: int) -> None:
    whole, nodes = _build(first + more)
    resumed = TreeBuilder(first, [nodes[key] for key in frontier_keys(first)])
    for leaf in _leaves(first + more)[first:]:
        for node in resumed.append(leaf):
            assert nodes[(node.level, node.index)] == node.hash
    assert resumed.root() == whole.root()


def test_a_frontier_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="frontier"):
        TreeBuilder(3, [b"x"])


@given(
    st.integers(min_value=1, max_value=70).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(0, n - 1))
    )
)
def test_every_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    size, index = case
    _, nodes = _build(size)
    needed = inclusion_keys(index, size)
    assert needed <= nodes.keys()
    path = inclusion_path(index, size, {key: nodes[key] for key in needed})
    assert len(path) <= max(1, size - 1).bit_length()
    leaves = _leaves(size)
    root = root_of(leaves)
    assert verify_inclusion(index, size, leaves[index], path, root)


def test_a_proof_fails_for_another_leaf_index_root_or_path() -> None:
    size, index = 11, 6
    _, nodes = _build(size)
    path = inclusion_path(index, size, nodes)
    leaves = _leaves(size)
    root = root_of(leaves)
    forged = leaf_hash("cd" * 32)
    assert not verify_inclusion(index, size, forged, path, root)
    assert not verify_inclusion(index + 1, size, leaves[index], path, root)
    assert not verify_inclusion(index, size, leaves[index], path, root_of(leaves[:-1]))
    assert not verify_inclusion(index, size, leaves[index], path[:-1], root)
    assert not verify_inclusion(index, size, leaves[index], [*path, path[0]], root)
    assert not verify_inclusion(size, size, leaves[index], path, root)


def test_reordering_two_leaves_changes_the_root() -> None:
    leaves = _leaves(6)
    swapped = [leaves[0], leaves[2], leaves[1], *leaves[3:]]
    assert root_of(swapped) != root_of(leaves)
