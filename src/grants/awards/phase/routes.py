"""HTTP route of an award's phase."""

import uuid

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from grants.awards.phase import service
from grants.awards.phase.schemas import AwardPhasePublic
from grants.context import UserContext
from grants.http.guards import BEARER


class AwardPhaseController(Controller):
    path = "/api/applications/{application_id:uuid}/award"
    tags = ["awards"]
    security = BEARER

    @get(
        operation_id="getAwardPhase",
        summary="Where the award stands after its decision and what is still open (derived)",
    )
    async def phase(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> AwardPhasePublic:
        return await service.award_status(context, application_id)


CONTROLLERS: list[type[Controller]] = [AwardPhaseController]
