"""HTTP routes of the applications feature: thin, one service call each."""

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Response, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import (
    checking,
    drafts,
    history,
    information_requests,
    submission,
    transitions,
)
from grants.applications.list_routes import ApplicationListController
from grants.applications.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    DraftPatch,
    EventPublic,
    InformationRequestCreate,
    InformationRequestPublic,
    InformationResponseCreate,
    InformationResponsePublic,
    Receipt,
    SubmissionDiff,
    SubmissionPublic,
    SubmissionSummary,
    TransitionRequest,
)
from grants.core.access import Principal
from grants.http.guards import BEARER
from grants.http.versioning import IfMatch, with_etag

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=8,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="One key per intended submission; a retry with it gets the first answer.",
    ),
]


class ApplicationController(ApplicationListController):
    """Every /api/applications route in one controller (Litestar refuses two controllers on
    one path); the list and search handler is inherited from ``list_routes``."""

    path = "/api/applications"
    tags = ["applications"]
    security = BEARER

    @post(
        operation_id="createApplication",
        summary="Start a draft application of the user's organisation for a call and line",
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self,
        data: JSONBody[ApplicationCreate],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> Response[ApplicationPublic]:
        created = await drafts.create_application(
            db_session, principal, data, registry=state.guidelines, now=now, request_id=request_id
        )
        return with_etag(created, HTTP_201_CREATED)

    @get(
        "/{application_id:uuid}",
        operation_id="getApplication",
        summary="An application with its working copy (members; managers once submitted)",
    )
    async def get_one(
        self,
        application_id: FromPath[uuid.UUID],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[ApplicationPublic]:
        found = await drafts.get_application(
            db_session, principal, application_id, registry=state.guidelines
        )
        return with_etag(found)

    @patch(
        "/{application_id:uuid}",
        operation_id="updateDraft",
        summary="Autosave: replace the fields sent; needs If-Match (412 when stale)",
    )
    async def update(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[DraftPatch],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        if_match: IfMatch = None,
    ) -> Response[ApplicationPublic]:
        updated = await drafts.patch_draft(
            db_session,
            principal,
            application_id,
            data,
            if_match=if_match,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
        return with_etag(updated)

    @get(
        "/{application_id:uuid}/eligibility",
        operation_id="checkDraft",
        summary="Live pre-check of the working copy: what is missing, the verdict, the funding",
    )
    async def eligibility(
        self,
        application_id: FromPath[uuid.UUID],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> checking.DraftCheckOut:
        return await checking.check_draft(
            db_session, principal, application_id, registry=state.guidelines, now=now
        )

    @post(
        "/{application_id:uuid}/submissions",
        operation_id="submitApplication",
        summary="Submit (or, before the deadline, resubmit) the working copy; needs If-Match",
        status_code=HTTP_201_CREATED,
    )
    async def submit(
        self,
        application_id: FromPath[uuid.UUID],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Receipt]:
        receipt, created = await submission.submit_application(
            db_session,
            principal,
            application_id,
            if_match=if_match,
            idempotency_key=idempotency_key,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(receipt, status_code=HTTP_201_CREATED, headers=headers)

    @get(
        "/{application_id:uuid}/submissions",
        operation_id="listSubmissions",
        summary="Every submitted version with its receipt time and hash",
    )
    async def submissions(
        self,
        application_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> list[SubmissionSummary]:
        return await history.list_submissions(db_session, principal, application_id)

    @get(
        "/{application_id:uuid}/submissions/{number:int}",
        operation_id="getSubmission",
        summary="One submitted version: the frozen snapshot and its SHA-256",
    )
    async def submission_snapshot(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> SubmissionPublic:
        return await history.get_submission(db_session, principal, application_id, number)

    @get(
        "/{application_id:uuid}/submissions/{number:int}/diff",
        operation_id="diffSubmissions",
        summary="What changed from an earlier version (default: the previous one) to this one",
    )
    async def submission_diff(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        against: Annotated[int | None, QueryParameter(ge=1, le=100_000)] = None,
    ) -> SubmissionDiff:
        return await history.diff_submissions(
            db_session, principal, application_id, number, against
        )

    @post(
        "/{application_id:uuid}/transitions",
        operation_id="changeApplicationStatus",
        summary="Take a lifecycle step (formal check, review, rejection, withdrawal) with reason",
        status_code=200,
    )
    async def change_status(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[TransitionRequest],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> Response[ApplicationPublic]:
        changed = await transitions.change_status(
            db_session,
            principal,
            application_id,
            data,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
        return with_etag(changed)

    @get(
        "/{application_id:uuid}/events",
        operation_id="listApplicationEvents",
        summary="The status history: who did what, when and why",
    )
    async def events(
        self,
        application_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> list[EventPublic]:
        return await history.list_events(db_session, principal, application_id)

    @post(
        "/{application_id:uuid}/information-requests",
        operation_id="requestInformation",
        summary="Nachforderung: ask the applicant for named items by a due date (managers)",
        status_code=HTTP_201_CREATED,
    )
    async def request_information(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[InformationRequestCreate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> InformationRequestPublic:
        return await information_requests.request_information(
            db_session, principal, application_id, data, now=now, request_id=request_id
        )

    @get(
        "/{application_id:uuid}/information-requests",
        operation_id="listInformationRequests",
        summary="Requests for information and every answer given",
    )
    async def list_information_requests(
        self,
        application_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> list[InformationRequestPublic]:
        return await information_requests.list_information_requests(
            db_session, principal, application_id
        )

    @post(
        "/{application_id:uuid}/information-requests/{information_request_id:uuid}/responses",
        operation_id="answerInformationRequest",
        summary="Answer a request with text and attachments (appended; earlier answers stay)",
        status_code=HTTP_201_CREATED,
    )
    async def answer_information_request(
        self,
        application_id: FromPath[uuid.UUID],
        information_request_id: FromPath[uuid.UUID],
        data: JSONBody[InformationResponseCreate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> InformationResponsePublic:
        return await information_requests.answer_information_request(
            db_session,
            principal,
            application_id,
            information_request_id,
            data,
            now=now,
            request_id=request_id,
        )


CONTROLLERS = [ApplicationController]
