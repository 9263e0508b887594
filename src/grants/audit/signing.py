"""Signing and checking tree heads with Ed25519 (the ``cryptography`` library).

The signed bytes are the canonical JSON of the head (``head_message``), so anyone can check a
head with the public key alone — published at ``GET /api/audit/tree-head`` and by ``grants
audit head``. The key id is the first 16 hex digits of the public key's SHA-256: a rotated key
leaves old heads checkable against the old public key.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from grants.core.canonical import canonical_json
from grants.settings import Settings

LOG_ID = "grants-audit-log/v1"


def head_message(tree_size: int, root_hash: str, signed_at: datetime) -> bytes:
    return canonical_json(
        {
            "log": LOG_ID,
            "tree_size": tree_size,
            "root_hash": root_hash,
            "signed_at": signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        }
    )


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SignedHead:
    tree_size: int
    root_hash: str
    signed_at: datetime
    key_id: str
    signature: str  # hex


class HeadSigner:
    def __init__(self, seed: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id_of(self.public_key)

    @classmethod
    def from_settings(cls, settings: Settings) -> "HeadSigner":
        return cls(bytes.fromhex(settings.audit_signing_key.get_secret_value()))

    def sign(self, tree_size: int, root_hash: str, signed_at: datetime) -> SignedHead:
        signature = self._key.sign(head_message(tree_size, root_hash, signed_at))
        return SignedHead(tree_size, root_hash, signed_at, self.key_id, signature.hex())


def signature_valid(public_key: bytes, head: SignedHead) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            bytes.fromhex(head.signature),
            head_message(head.tree_size, head.root_hash, head.signed_at),
        )
    except (InvalidSignature, ValueError):
        return False
    return True
