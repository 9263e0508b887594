"""HTTP routes of proofs of use (Verwendungsnachweise) and of the sample checked in detail."""

import uuid

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from grants.awards.proofs import service
from grants.awards.proofs.schemas import (
    ProofCheckIn,
    ProofContentIn,
    ProofCreateIn,
    ProofPublic,
    SampleIn,
    SamplePublic,
)
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import IfMatch, with_etag


class ApplicationProofController(Controller):
    path = "/api/applications/{application_id:uuid}/proofs-of-use"
    tags = ["awards"]
    security = BEARER

    @get(
        operation_id="listProofsOfUse",
        summary="The award's proofs of use (the recipient's drafts only to the recipient)",
    )
    async def list_proofs(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> list[ProofPublic]:
        return await service.list_proofs(context, application_id)

    @post(
        operation_id="createProofOfUse",
        summary="Start an interim or the final proof of use (the recipient; saved as a draft)",
        status_code=HTTP_201_CREATED,
    )
    async def create_proof(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ProofCreateIn],
        context: NamedDependency[UserContext],
    ) -> Response[ProofPublic]:
        return with_etag(await service.create_proof(context, application_id, data), 201)


class ProofController(Controller):
    path = "/api/proofs-of-use/{proof_id:uuid}"
    tags = ["awards"]
    security = BEARER

    @get(operation_id="getProofOfUse", summary="One proof of use, with what blocks submitting")
    async def get_proof(
        self, proof_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> Response[ProofPublic]:
        return with_etag(await service.get_proof(context, proof_id))

    @put(
        operation_id="saveProofOfUse",
        summary="Save the draft as it is (the recipient; needs If-Match)",
    )
    async def save_proof(
        self,
        proof_id: FromPath[uuid.UUID],
        data: JSONBody[ProofContentIn],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ProofPublic]:
        return with_etag(await service.save_proof(context, proof_id, data, if_match=if_match))

    @post(
        "/submission",
        operation_id="submitProofOfUse",
        summary="Submit the complete proof: fixed with its hash, receipt by e-mail (If-Match)",
    )
    async def submit_proof(
        self,
        proof_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ProofPublic]:
        return with_etag(await service.submit_proof(context, proof_id, if_match=if_match))

    @post(
        "/check",
        operation_id="checkProofOfUse",
        summary="Accept (recognising per category) or return it for completion (managers; "
        "If-Match); the final proof's final grant is computed and a decision proposed",
        guards=[MANAGERS],
    )
    async def check_proof(
        self,
        proof_id: FromPath[uuid.UUID],
        data: JSONBody[ProofCheckIn],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ProofPublic]:
        return with_etag(await service.check_proof(context, proof_id, data, if_match=if_match))


class SampleController(Controller):
    path = "/api/calls/{guideline_id:str}/{call_code:str}/proof-samples"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @get(operation_id="listProofSamples", summary="Every draw of the call's sample (managers)")
    async def list_samples(
        self,
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        context: NamedDependency[UserContext],
    ) -> list[SamplePublic]:
        return await service.list_samples(context, guideline_id, call_code)

    @post(
        operation_id="drawProofSample",
        summary="Draw the sample of awards whose proofs are checked in detail (§ 44 Abs. 2 "
        "SäHO, at least 50 %); a re-draw needs a reason (managers)",
        status_code=HTTP_201_CREATED,
    )
    async def draw_sample(
        self,
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        data: JSONBody[SampleIn],
        context: NamedDependency[UserContext],
    ) -> SamplePublic:
        return await service.draw_sample(context, guideline_id, call_code, data)


CONTROLLERS: list[type[Controller]] = [
    ApplicationProofController,
    ProofController,
    SampleController,
]
