"""HTTP routes of hearings, revocations, reclaims and the final settlement."""

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from grants.awards.decisions.schemas import DecisionPublic
from grants.awards.reclaims import service, settlement, unused_funds
from grants.awards.reclaims.schemas import (
    CountFrom,
    HearingIn,
    HearingPublic,
    HearingResponseIn,
    InterestIn,
    ReclaimPublic,
    RefundIn,
    RevocationIn,
    SettlementIn,
    UnusedFundsInterestIn,
    UnusedFundsInterestPublic,
)
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import with_etag

CountFromParameter = Annotated[
    CountFrom, QueryParameter(description="from when interest runs on money used late")
]


class ApplicationReclaimController(Controller):
    path = "/api/applications/{application_id:uuid}"
    tags = ["awards"]
    security = BEARER

    @get("/hearings", operation_id="listHearings", summary="The award's hearings (§ 28 VwVfG)")
    async def list_hearings(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> list[HearingPublic]:
        return await service.list_hearings(context, application_id)

    @post(
        "/hearings",
        operation_id="openHearing",
        summary="Hear the recipient before a revocation or withdrawal (managers; e-mailed)",
        status_code=HTTP_201_CREATED,
        guards=[MANAGERS],
    )
    async def open_hearing(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[HearingIn],
        context: NamedDependency[UserContext],
    ) -> HearingPublic:
        return await service.open_hearing(context, application_id, data)

    @post(
        "/revocations",
        operation_id="draftRevocation",
        summary="Draft the revocation or withdrawal after the hearing (managers); released "
        "as every decision is",
        status_code=HTTP_201_CREATED,
        guards=[MANAGERS],
    )
    async def draft_revocation(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[RevocationIn],
        context: NamedDependency[UserContext],
    ) -> Response[DecisionPublic]:
        drafted = await service.draft_revocation(context, application_id, data)
        return with_etag(drafted, HTTP_201_CREATED)

    @post(
        "/final-settlement",
        operation_id="draftFinalSettlement",
        summary="Draft the final settlement (Schlussbescheid) from the checked final proof of "
        "use (managers); released as every decision is",
        status_code=HTTP_201_CREATED,
        guards=[MANAGERS],
    )
    async def draft_final_settlement(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[SettlementIn],
        context: NamedDependency[UserContext],
    ) -> Response[DecisionPublic]:
        drafted = await settlement.draft_final_settlement(context, application_id, data)
        return with_etag(drafted, HTTP_201_CREATED)

    @get(
        "/reclaim",
        operation_id="getReclaim",
        summary="The reclaim of a released revocation: refunds, outstanding, interest",
    )
    async def get_reclaim(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> ReclaimPublic:
        return await service.get_reclaim(context, application_id)

    @post(
        "/reclaim/refunds",
        operation_id="recordRefund",
        summary="Record money received back, with the day it was credited (managers)",
        status_code=HTTP_201_CREATED,
        guards=[MANAGERS],
    )
    async def record_refund(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[RefundIn],
        context: NamedDependency[UserContext],
    ) -> ReclaimPublic:
        return await service.record_refund(context, application_id, data)

    @post(
        "/reclaim/interest",
        operation_id="setReclaimInterest",
        summary="Set the interest on the reclaim (§ 49a Abs. 3 VwVfG), or waive it with a "
        "reason (managers; once)",
        status_code=HTTP_201_CREATED,
        guards=[MANAGERS],
    )
    async def set_interest(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[InterestIn],
        context: NamedDependency[UserContext],
    ) -> ReclaimPublic:
        return await service.set_interest(context, application_id, data)

    @get(
        "/unused-funds-interest",
        operation_id="getUnusedFundsInterest",
        summary="Interest on funds not used within two months of payment (§ 49a Abs. 4 "
        "VwVfG): as set, or — for managers, before it is set — as computed from the checked "
        "final proof's receipts",
    )
    async def get_unused_funds_interest(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        count_from: CountFromParameter = CountFrom.END_OF_ALLOWED_PERIOD,
    ) -> UnusedFundsInterestPublic:
        return await unused_funds.get_unused_funds_interest(context, application_id, count_from)

    @post(
        "/unused-funds-interest",
        operation_id="setUnusedFundsInterest",
        summary="Set the interest on funds used late (§ 49a Abs. 4 VwVfG): all, part or "
        "none, with the discretion used (managers; once)",
        status_code=HTTP_201_CREATED,
        guards=[MANAGERS],
    )
    async def set_unused_funds_interest(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[UnusedFundsInterestIn],
        context: NamedDependency[UserContext],
    ) -> UnusedFundsInterestPublic:
        return await unused_funds.set_unused_funds_interest(context, application_id, data)


class HearingController(Controller):
    path = "/api/hearings/{hearing_id:uuid}"
    tags = ["awards"]
    security = BEARER

    @post(
        "/responses",
        operation_id="respondToHearing",
        summary="Comment in the hearing (the recipient; a late comment is kept, marked late)",
        status_code=HTTP_201_CREATED,
    )
    async def respond(
        self,
        hearing_id: FromPath[uuid.UUID],
        data: JSONBody[HearingResponseIn],
        context: NamedDependency[UserContext],
    ) -> HearingPublic:
        return await service.respond(context, hearing_id, data)


CONTROLLERS: list[type[Controller]] = [ApplicationReclaimController, HearingController]
