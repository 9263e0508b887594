"""Shapes of the tree head and the inclusion proofs."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TreeHeadOut(BaseModel):
    log: str = Field(description="The log's name, part of the signed bytes")
    tree_size: int = Field(description="Leaves (audit entries) the head commits to")
    root_hash: str = Field(description="RFC 9162 Merkle tree hash over them (hex SHA-256)")
    signed_at: datetime
    key_id: str = Field(description="First 16 hex digits of SHA-256 of the public key")
    signature: str = Field(
        description="Ed25519 signature (hex) over the canonical JSON (sorted keys, no "
        "whitespace) of {log, root_hash, signed_at (UTC, microseconds), tree_size}"
    )


class PublishedHead(BaseModel):
    public_key: str = Field(description="The current signing key: Ed25519, raw 32 bytes, hex")
    key_id: str
    head: TreeHeadOut | None = Field(description="The latest signed head; none before the first")


class AuditEntryOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor_id: str | None
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    before: Any
    after: Any
    request_id: str | None
    prev_hash: str | None = Field(description="Only entries of the hash chain before the tree")
    hash: str = Field(description="SHA-256 over the entry's canonical content")


class InclusionProofOut(BaseModel):
    position: int = Field(description="The entry's leaf index")
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ entry hash), hex")
    path: list[str] = Field(description="The audit path from the leaf up (RFC 9162 §2.1.3)")
    head: TreeHeadOut


class ProvenEntry(BaseModel):
    entry: AuditEntryOut
    proof: InclusionProofOut | None = Field(
        description="None while the entry is not yet in a signed tree head (seconds after "
        "its commit while a worker runs)"
    )
