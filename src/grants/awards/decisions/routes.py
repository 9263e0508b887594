"""HTTP routes of decisions (Bescheide) and of an award's ledger."""

import uuid

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from grants.awards.decisions import service
from grants.awards.decisions.schemas import (
    AwardLedger,
    DecisionDraftIn,
    DecisionPublic,
    NoticeIn,
    ProgrammeSettingsIn,
    ProgrammeSettingsPublic,
)
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import IfMatch, with_etag


class ApplicationDecisionController(Controller):
    path = "/api/applications/{application_id:uuid}"
    tags = ["awards"]
    security = BEARER

    @get(
        "/decisions",
        operation_id="listDecisions",
        summary="The application's decisions: all for managers, released ones for the "
        "applicant's organisation",
    )
    async def list_decisions(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> list[DecisionPublic]:
        return await service.list_decisions(context, application_id)

    @post(
        "/decisions",
        operation_id="draftDecision",
        summary="Draft a decision (approval, partial approval, rejection) with the system's "
        "proposal beside it (managers)",
        guards=[MANAGERS],
        status_code=HTTP_201_CREATED,
    )
    async def draft(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionDraftIn],
        context: NamedDependency[UserContext],
    ) -> Response[DecisionPublic]:
        created = await service.create_draft(context, application_id, data)
        return with_etag(created, HTTP_201_CREATED)

    @get(
        "/ledger",
        operation_id="getAwardLedger",
        summary="The award's money movements and balances per fiscal year",
    )
    async def award_ledger(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> AwardLedger:
        return await service.award_ledger(context, application_id)


class DecisionController(Controller):
    path = "/api/decisions/{decision_id:uuid}"
    tags = ["awards"]
    security = BEARER

    @get(operation_id="getDecision", summary="One decision (applicants: released ones only)")
    async def get_decision(
        self, decision_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> Response[DecisionPublic]:
        return with_etag(await service.get_decision(context, decision_id))

    @put(
        operation_id="updateDecisionDraft",
        summary="Replace the draft (needs If-Match; a second approval given before lapses)",
        guards=[MANAGERS],
    )
    async def update(
        self,
        decision_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionDraftIn],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[DecisionPublic]:
        updated = await service.update_draft(context, decision_id, data, if_match=if_match)
        return with_etag(updated)

    @post(
        "/discard",
        operation_id="discardDecisionDraft",
        summary="Discard the draft (needs If-Match; kept, never released)",
        guards=[MANAGERS],
    )
    async def discard(
        self,
        decision_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[DecisionPublic]:
        return with_etag(await service.discard_draft(context, decision_id, if_match=if_match))

    @post(
        "/second-approval",
        operation_id="approveDecisionDraft",
        summary="Approve the draft as the second person (not its author; needs If-Match)",
        guards=[MANAGERS],
    )
    async def approve(
        self,
        decision_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[DecisionPublic]:
        return with_etag(await service.approve_draft(context, decision_id, if_match=if_match))

    @post(
        "/release",
        operation_id="releaseDecision",
        summary="Release the decision as the named official: binds the budget, fixes the "
        "record, takes the lifecycle step (needs If-Match)",
        guards=[MANAGERS],
    )
    async def release(
        self,
        decision_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[DecisionPublic]:
        return with_etag(await service.release(context, decision_id, if_match=if_match))


class DecisionNoticeController(Controller):
    path = "/api/decisions/{decision_id:uuid}/notices"
    tags = ["awards"]
    security = BEARER

    @post(
        operation_id="recordDecisionNotice",
        summary="Record the dispatch of a released decision, a proven later receipt, an "
        "objection and its outcome; returns the decision with its standing (managers)",
        guards=[MANAGERS],
        status_code=HTTP_201_CREATED,
    )
    async def record(
        self,
        decision_id: FromPath[uuid.UUID],
        data: JSONBody[NoticeIn],
        context: NamedDependency[UserContext],
    ) -> DecisionPublic:
        return await service.record_notice(context, decision_id, data)


class ProgrammeSettingsController(Controller):
    path = "/api/programmes/{guideline_id:str}/settings"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @get(operation_id="getProgrammeSettings", summary="How the programme runs its decisions")
    async def get_settings(
        self, guideline_id: FromPath[str], context: NamedDependency[UserContext]
    ) -> ProgrammeSettingsPublic:
        return await service.get_settings(context, guideline_id)

    @put(
        operation_id="setProgrammeSettings",
        summary="Require a second approval of decisions, set the formal application's period",
    )
    async def set_settings(
        self,
        guideline_id: FromPath[str],
        data: JSONBody[ProgrammeSettingsIn],
        context: NamedDependency[UserContext],
    ) -> ProgrammeSettingsPublic:
        return await service.set_settings(context, guideline_id, data)


CONTROLLERS: list[type[Controller]] = [
    ApplicationDecisionController,
    DecisionController,
    DecisionNoticeController,
    ProgrammeSettingsController,
]
