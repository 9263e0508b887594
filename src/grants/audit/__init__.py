"""Tamper evidence for the audit log: the sequencer that gives committed entries their place
in a Merkle tree (RFC 9162's construction) and signs tree heads with Ed25519, the inclusion
proofs anyone can check against a signed head, and the verification of the whole log.

Entries themselves are written by every feature through ``grants.db.audit`` (the context's
``audit``), in their own transaction and without a lock; this feature comes by afterwards.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["heads", "jobs", "schemas", "service", "signing"]
