"""HTTP route of the managers' overdue list."""

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from grants.awards.reminders import service
from grants.awards.reminders.schemas import OverdueList
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS


class OverdueController(Controller):
    path = "/api/programmes/{guideline_id:str}/overdue"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        operation_id="getOverdueList",
        summary="Reports past their due day, outstanding reclaims, payment requests waiting "
        "for a decision (managers)",
    )
    async def overdue(
        self, guideline_id: FromPath[str], context: NamedDependency[UserContext]
    ) -> OverdueList:
        return await service.overdue_list(context, guideline_id)


CONTROLLERS: list[type[Controller]] = [OverdueController]
