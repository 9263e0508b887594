"""HTTP routes of the formal application (stage two)."""

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED

from grants.awards.formal import service
from grants.awards.formal.schemas import (
    DueDateIn,
    FormalApplicationIn,
    FormalApplicationPublic,
    FormalReceipt,
    FormalSubmissionIn,
)
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import IfMatch, with_etag


class FormalApplicationController(Controller):
    path = "/api/applications/{application_id:uuid}/formal-application"
    tags = ["awards"]
    security = BEARER

    @get(
        operation_id="getFormalApplication",
        summary="The formal application with every problem found, its due date and the "
        "declarations to confirm again",
    )
    async def get_formal(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> Response[FormalApplicationPublic]:
        return with_etag(await service.get_formal(context, application_id))

    @put(
        operation_id="saveFormalApplication",
        summary="Save the working copy as it is (If-Match once it exists); the first save "
        "after the invitation starts the formal application",
    )
    async def save(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[FormalApplicationIn],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[FormalApplicationPublic]:
        saved = await service.save_formal(context, application_id, data, if_match=if_match)
        return with_etag(saved)

    @post(
        "/submissions",
        operation_id="submitFormalApplication",
        summary="Submit the formal application: receipt to the second, frozen snapshot with "
        "hash, its own Eingangsnummer (needs If-Match)",
        status_code=HTTP_201_CREATED,
    )
    async def submit(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[FormalSubmissionIn],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> FormalReceipt:
        return await service.submit_formal(context, application_id, data, if_match=if_match)

    @get(
        "/submissions/{number:int}/receipt",
        operation_id="getFormalApplicationReceipt",
        summary="The receipt of a received version of the formal application, again",
    )
    async def receipt(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        context: NamedDependency[UserContext],
    ) -> FormalReceipt:
        return await service.get_receipt(context, application_id, number)

    @put(
        "/due-date",
        operation_id="extendFormalApplicationDueDate",
        summary="Extend the due date of the formal application, with a reason (managers)",
        guards=[MANAGERS],
    )
    async def extend(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[DueDateIn],
        context: NamedDependency[UserContext],
    ) -> Response[FormalApplicationPublic]:
        return with_etag(await service.extend_due(context, application_id, data))


CONTROLLERS: list[type[Controller]] = [FormalApplicationController]
