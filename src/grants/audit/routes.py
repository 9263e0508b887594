"""HTTP routes of the audit log's tree head and inclusion proofs."""

import uuid

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath

from grants.audit import service
from grants.audit.schemas import ProvenEntry, PublishedHead
from grants.context import Context, UserContext
from grants.http.guards import BEARER, MANAGERS


class TreeHeadController(Controller):
    path = "/api/audit/tree-head"
    tags = ["audit"]

    @get(
        operation_id="getAuditTreeHead",
        summary="The audit log's latest signed tree head and the public key to check it",
        description=(
            "Public: anyone can check a letter's printed tree head or an inclusion proof "
            "with it. The head commits to every audit entry below its size (RFC 9162 Merkle "
            "tree); the signature is Ed25519 over the canonical JSON of log, root_hash, "
            "signed_at and tree_size."
        ),
        exclude_from_auth=True,
    )
    async def tree_head(
        self, state: State, anonymous_context: NamedDependency[Context]
    ) -> PublishedHead:
        return await service.published_head(anonymous_context, state.audit_signer)


class AuditEntryController(Controller):
    path = "/api/audit/entries"
    tags = ["audit"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        "/{seq:int}/proof",
        operation_id="getAuditEntryProof",
        summary="An audit entry with its inclusion proof against the latest signed head (managers)",
    )
    async def proof(self, seq: FromPath[int], context: NamedDependency[UserContext]) -> ProvenEntry:
        return await service.prove_entry(context, seq)


class ApplicationAuditController(Controller):
    path = "/api/applications/{application_id:uuid}/audit-proofs"
    tags = ["audit"]
    security = BEARER

    @get(
        operation_id="listApplicationAuditProofs",
        summary="The application's audit entries with inclusion proofs: what its "
        "organisation did or was told (submissions, withdrawal, decisions); all for managers",
    )
    async def proofs(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> list[ProvenEntry]:
        return await service.prove_application_entries(context, application_id)


CONTROLLERS = [TreeHeadController, AuditEntryController, ApplicationAuditController]
