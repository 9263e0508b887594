"""HTTP routes of the formal check (programme managers)."""

import uuid

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from grants.context import UserContext
from grants.evaluation.formal_check import service as formal_check
from grants.evaluation.formal_check.schemas import FormalCheckOut, FormalCheckRecord
from grants.http.guards import BEARER, MANAGERS


class FormalCheckController(Controller):
    path = "/api/applications/{application_id:uuid}/formal-check"
    tags = ["evaluation"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        operation_id="getFormalCheck",
        summary="The formal checklist, prefilled from the submitted version's verdict",
    )
    async def show(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> FormalCheckOut:
        return await formal_check.get_formal_check(context, application_id)

    @put(
        operation_id="recordFormalCheck",
        summary="After the call's deadline: confirm or overrule each item and record the "
        "outcome: to review, request information, or propose a formal rejection for the "
        "Bescheid (reason required; the state waits for the Bescheid)",
    )
    async def record(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[FormalCheckRecord],
        context: NamedDependency[UserContext],
    ) -> FormalCheckOut:
        return await formal_check.record_formal_check(context, application_id, data)


CONTROLLERS = [FormalCheckController]
