"""HTTP routes of bulk releases."""

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from grants.awards.releases import service
from grants.awards.releases.schemas import BatchIn, BatchPublic
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS


class CallBatchController(Controller):
    path = "/api/calls/{guideline_id:str}/{call_code:str}/release-batches"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @post(
        operation_id="orderBulkRelease",
        summary="Release drafted decisions of the call on the job queue, in your name as the "
        "official (managers); 202: watch the batch",
        status_code=HTTP_202_ACCEPTED,
    )
    async def create(
        self,
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        data: JSONBody[BatchIn],
        context: NamedDependency[UserContext],
    ) -> BatchPublic:
        return await service.create_batch(context, guideline_id, call_code, data)


class BatchController(Controller):
    path = "/api/release-batches/{batch_id:uuid}"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @get(operation_id="getReleaseBatch", summary="A bulk release's progress, item by item")
    async def get_batch(
        self, batch_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> BatchPublic:
        return await service.get_batch(context, batch_id)


CONTROLLERS: list[type[Controller]] = [CallBatchController, BatchController]
