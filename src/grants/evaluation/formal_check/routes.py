"""HTTP routes of the formal check (programme managers)."""

import uuid
from datetime import datetime

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.access import Principal
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
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> FormalCheckOut:
        return await formal_check.get_formal_check(db_session, principal, application_id)

    @put(
        operation_id="recordFormalCheck",
        summary="Confirm or overrule each item and decide: to review, request information, "
        "or reject formally (reason required)",
    )
    async def record(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[FormalCheckRecord],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> FormalCheckOut:
        return await formal_check.record_formal_check(
            db_session, principal, application_id, data, now=now, request_id=request_id
        )


CONTROLLERS = [FormalCheckController]
