"""HTTP routes of the applications feature: thin, one service call each."""

import uuid
from typing import Annotated

from litestar import Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

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
    SubmissionRequest,
    SubmissionSummary,
    SubmittedAttachment,
    TransitionRequest,
)
from grants.context import UserContext
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
        context: NamedDependency[UserContext],
    ) -> Response[ApplicationPublic]:
        created = await drafts.create_application(context, data)
        return with_etag(created, HTTP_201_CREATED)

    @get(
        "/{application_id:uuid}",
        operation_id="getApplication",
        summary="An application with its working copy (members; managers once submitted)",
    )
    async def get_one(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> Response[ApplicationPublic]:
        found = await drafts.get_application(context, application_id)
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
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ApplicationPublic]:
        updated = await drafts.patch_draft(context, application_id, data, if_match=if_match)
        return with_etag(updated)

    @delete(
        "/{application_id:uuid}",
        operation_id="discardDraft",
        summary="Discard a draft that was never submitted (needs If-Match; a submitted "
        "application is withdrawn instead)",
        status_code=204,
    )
    async def discard(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> None:
        await transitions.discard_draft(context, application_id, if_match=if_match)

    @get(
        "/{application_id:uuid}/eligibility",
        operation_id="checkDraft",
        summary="Live pre-check of the working copy: what is missing, the verdict, the funding",
    )
    async def eligibility(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> checking.DraftCheckOut:
        return await checking.check_draft(context, application_id)

    @post(
        "/{application_id:uuid}/submissions",
        operation_id="submitApplication",
        summary="Submit (or, before the deadline, resubmit) the working copy; needs If-Match",
        status_code=HTTP_201_CREATED,
    )
    async def submit(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
        data: JSONBody[SubmissionRequest | None] = None,
    ) -> Response[Receipt]:
        """Failing rules never refuse the submission: list them in ``acknowledged_rules``
        (the body is optional while there are none). 422 names what is missing, or each
        rule still to acknowledge."""
        receipt, created = await submission.submit_application(
            context,
            application_id,
            if_match=if_match,
            idempotency_key=idempotency_key,
            request=data,
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
        context: NamedDependency[UserContext],
    ) -> list[SubmissionSummary]:
        return await history.list_submissions(context, application_id)

    @get(
        "/{application_id:uuid}/submissions/{number:int}",
        operation_id="getSubmission",
        summary="One submitted version: the frozen snapshot and its SHA-256",
    )
    async def submission_snapshot(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        context: NamedDependency[UserContext],
    ) -> SubmissionPublic:
        return await history.get_submission(context, application_id, number)

    @get(
        "/{application_id:uuid}/submissions/{number:int}/receipt",
        operation_id="getSubmissionReceipt",
        summary="The receipt (Eingangsbestätigung) of a submitted version, as given then",
    )
    async def submission_receipt(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        context: NamedDependency[UserContext],
    ) -> Receipt:
        return await submission.get_receipt(context, application_id, number)

    @get(
        "/{application_id:uuid}/submissions/{number:int}/attachments",
        operation_id="listSubmittedAttachments",
        summary="The documents of a submitted version, with their scan status then and now",
    )
    async def submitted_attachments(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        context: NamedDependency[UserContext],
    ) -> list[SubmittedAttachment]:
        return await submission.submitted_attachments(context, application_id, number)

    @get(
        "/{application_id:uuid}/submissions/{number:int}/diff",
        operation_id="diffSubmissions",
        summary="What changed from an earlier version (default: the previous one) to this one",
    )
    async def submission_diff(
        self,
        application_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=100_000)],
        context: NamedDependency[UserContext],
        against: Annotated[int | None, QueryParameter(ge=1, le=100_000)] = None,
    ) -> SubmissionDiff:
        return await history.diff_submissions(context, application_id, number, against)

    @post(
        "/{application_id:uuid}/transitions",
        operation_id="changeApplicationStatus",
        summary="Take a lifecycle step in its order (formal check after the deadline, review, "
        "invitation, withdrawal) with reason; decisions are made by Bescheid (409)",
        status_code=200,
    )
    async def change_status(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[TransitionRequest],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ApplicationPublic]:
        changed = await transitions.change_status(context, application_id, data, if_match=if_match)
        return with_etag(changed)

    @get(
        "/{application_id:uuid}/events",
        operation_id="listApplicationEvents",
        summary="The status history: who did what, when and why",
    )
    async def events(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> list[EventPublic]:
        return await history.list_events(context, application_id)

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
        context: NamedDependency[UserContext],
    ) -> InformationRequestPublic:
        return await information_requests.request_information(context, application_id, data)

    @get(
        "/{application_id:uuid}/information-requests",
        operation_id="listInformationRequests",
        summary="Requests for information and every answer given",
    )
    async def list_information_requests(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> list[InformationRequestPublic]:
        return await information_requests.list_information_requests(context, application_id)

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
        context: NamedDependency[UserContext],
    ) -> InformationResponsePublic:
        return await information_requests.answer_information_request(
            context, application_id, information_request_id, data
        )


CONTROLLERS = [ApplicationController]
