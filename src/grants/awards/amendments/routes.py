"""HTTP route of amendments."""

import uuid

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from grants.awards.amendments import service
from grants.awards.amendments.schemas import AmendmentIn
from grants.awards.decisions.schemas import DecisionPublic
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import with_etag


class AmendmentController(Controller):
    path = "/api/applications/{application_id:uuid}/amendments"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @post(
        operation_id="draftAmendment",
        summary="Draft an amendment of the grant in force on the recipient's request "
        "(managers); released as every decision is",
        status_code=HTTP_201_CREATED,
    )
    async def draft(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[AmendmentIn],
        context: NamedDependency[UserContext],
    ) -> Response[DecisionPublic]:
        drafted = await service.draft_amendment(context, application_id, data)
        return with_etag(drafted, HTTP_201_CREATED)


CONTROLLERS: list[type[Controller]] = [AmendmentController]
