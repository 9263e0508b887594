"""Checking the whole audit log, as a pure streaming verifier: entries in, first break out.

The caller feeds the sequenced entries in position order, then the ones not yet sequenced,
and compares the tree nodes the verifier reports with the stored ones. Checked:

- every entry's hash against its content (the chained prefix also link by link);
- positions run 0, 1, 2 … without a gap (a deleted entry leaves one), and the chained
  entries of before the tree come first, in their chain order;
- the tree rebuilt from the entries has, at every signed head's size, that head's root (a
  changed, removed, inserted or reordered entry changes it); heads bigger than the tree
  mean its newest entries were cut off. Heads agree with each other because each is checked
  against the one tree. Signatures are checked by the caller, who holds the key.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from grants.core.audit_chain import AuditEntry, ChainBreak, ChainVerifier, recompute
from grants.core.merkle import Node, TreeBuilder, leaf_hash


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A tree size and its root hash (hex): from a signed head, or copied outside earlier
    (a letter prints one; ``grants audit head`` shows one)."""

    tree_size: int
    root_hash: str

    @classmethod
    def parse(cls, text: str) -> "TreeHead":
        size, _, digest = text.partition(":")
        if not size.isdigit() or len(digest) != 64:
            raise ValueError("a tree head looks like SIZE:ROOT_HASH (64 hex digits)")
        bytes.fromhex(digest)
        return cls(int(size), digest.lower())

    def __str__(self) -> str:
        return f"{self.tree_size}:{self.root_hash}"


@dataclass(frozen=True, slots=True)
class LogBreak:
    """The first thing found wrong: the entry (``seq``) or leaf position it concerns."""

    reason: str
    seq: int | None = None
    position: int | None = None


class LogVerifier:
    def __init__(self, heads: Sequence[TreeHead] = ()) -> None:
        self.checked = 0
        self.unsequenced = 0
        self.heads_checked = 0
        self.first_break: LogBreak | None = None
        self._heads = sorted(heads, key=lambda head: head.tree_size)
        self._next_head = 0
        self._tree = TreeBuilder()
        self._chain: ChainVerifier | None = ChainVerifier()
        self._completed: list[Node] = []
        self._sequenced_done = False
        self._check_heads()  # heads of size 0

    @property
    def tree_size(self) -> int:
        return self._tree.size

    def _fail(self, reason: str, entry: AuditEntry | None = None) -> LogBreak:
        seq = None if entry is None else entry.seq
        position = None if entry is None else entry.position
        self.first_break = LogBreak(reason, seq, position)
        return self.first_break

    def feed(self, entry: AuditEntry) -> LogBreak | None:
        if self.first_break is not None:
            return self.first_break
        self.checked += 1
        if entry.position is None:
            self._sequenced_done = True
            self.unsequenced += 1
            # The former chain's entries wait for the sequencer like any other (it takes them
            # first, in batches): they go on being checked link by link, in seq order.
            return self._check_content(entry)
        if self._sequenced_done:
            return self._fail("sequenced entries must be fed before the others", entry)
        return self._feed_sequenced(entry)

    def _feed_sequenced(self, entry: AuditEntry) -> LogBreak | None:
        if entry.position != self._tree.size:
            return self._fail(
                f"position gap: expected leaf {self._tree.size}, found {entry.position} "
                "(entry removed)",
                entry,
            )
        if self._check_content(entry) is not None:
            return self.first_break
        self._completed += self._tree.append(leaf_hash(entry.hash))
        return self._check_heads(entry)

    def _check_content(self, entry: AuditEntry) -> LogBreak | None:
        """A chained entry against its link, any other against its content hash."""
        if entry.prev_hash is not None:
            if self._chain is None:
                return self._fail("a chained entry after the tree's own entries", entry)
            broken: ChainBreak | None = self._chain.feed(entry)
            if broken is not None:
                return self._fail(f"hash chain: {broken.reason}", entry)
            return None
        self._chain = None
        if recompute(entry) != entry.hash:
            return self._fail("content does not match its hash (entry altered)", entry)
        return None

    def _check_heads(self, entry: AuditEntry | None = None) -> LogBreak | None:
        while (
            self._next_head < len(self._heads)
            and self._heads[self._next_head].tree_size == self._tree.size
        ):
            head = self._heads[self._next_head]
            if self._tree.root().hex() != head.root_hash:
                return self._fail(
                    f"the tree of {head.tree_size} leaves does not have the root of its signed "
                    "head (an entry below it was changed, removed, inserted or moved)",
                    entry,
                )
            self._next_head += 1
            self.heads_checked += 1
        return None

    def take_completed(self) -> list[Node]:
        """The tree nodes completed since the last call, to compare with the stored ones."""
        completed, self._completed = self._completed, []
        return completed

    def stored_node_differs(self, node: Node) -> LogBreak:
        return self._fail(
            f"stored tree node (level {node.level}, index {node.index}) differs from the "
            "entries' (proofs from it would fail)"
        )

    def finish(self) -> LogBreak | None:
        if self.first_break is None and self._next_head < len(self._heads):
            head = self._heads[self._next_head]
            self._fail(
                f"the tree ends at {self._tree.size} leaves, but a tree head covers "
                f"{head.tree_size} (newest entries removed)"
            )
        return self.first_break

    def root(self) -> str:
        return self._tree.root().hex()
