"""The Merkle tree's stored parts: completed perfect subtrees and signed tree heads. Both are
append-only (triggers, migration 0034): a node never changes once its subtree is complete, and
a head is a signed statement about the past."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class AuditTreeNode(SQLModel, table=True):
    """The hash (hex) of the perfect subtree over leaves [index·2^level, (index+1)·2^level);
    level 0 holds the leaves' tree hashes."""

    __tablename__ = "audit_tree_nodes"

    level: int = Field(primary_key=True, sa_type=sa.SmallInteger)
    index: int = Field(primary_key=True, sa_type=sa.BigInteger)
    hash: str = Field(max_length=64)


class AuditTreeHead(SQLModel, table=True):
    """The root of the tree over its first ``tree_size`` leaves, signed by the sequencer."""

    __tablename__ = "audit_tree_heads"

    tree_size: int = Field(
        primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    root_hash: str = Field(max_length=64)
    signed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    key_id: str = Field(max_length=32)
    signature: str = Field(max_length=128)  # Ed25519, hex


nodes_table: sa.Table = AuditTreeNode.__table__  # type: ignore[attr-defined]
heads_table: sa.Table = AuditTreeHead.__table__  # type: ignore[attr-defined]
