"""HTTP routes of score sheets: the evaluator's own (drafts, submit), reopening and the
overview per application (programme managers)."""

import uuid

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from grants.context import UserContext
from grants.evaluation.scoring import service as sheets
from grants.evaluation.scoring.schemas import (
    ManagerSheetOut,
    ReopenRequest,
    ScoreSheetDraft,
    ScoreSheetPublic,
)
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import IfMatch, with_etag


class ScoreSheetController(Controller):
    path = "/api/score-sheets"
    tags = ["evaluation"]
    security = BEARER

    @get(
        "/{assignment_id:uuid}",
        operation_id="getScoreSheet",
        summary="My score sheet of an assignment (others' only after I submitted mine)",
    )
    async def get_sheet(
        self,
        assignment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> Response[ScoreSheetPublic]:
        found = await sheets.get_sheet(context, assignment_id)
        return with_etag(found)

    @put(
        "/{assignment_id:uuid}",
        operation_id="saveScoreSheetDraft",
        summary='Save the draft (replaces it); needs If-Match ("0" before the first save)',
    )
    async def save(
        self,
        assignment_id: FromPath[uuid.UUID],
        data: JSONBody[ScoreSheetDraft],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ScoreSheetPublic]:
        saved = await sheets.save_draft(context, assignment_id, data, if_match=if_match)
        return with_etag(saved)

    @post(
        "/{assignment_id:uuid}/submit",
        operation_id="submitScoreSheet",
        summary="Submit the saved draft (then locked); needs If-Match",
        status_code=HTTP_200_OK,
    )
    async def submit(
        self,
        assignment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ScoreSheetPublic]:
        submitted = await sheets.submit_sheet(context, assignment_id, if_match=if_match)
        return with_etag(submitted)

    @post(
        "/{assignment_id:uuid}/reopen",
        operation_id="reopenScoreSheet",
        summary="Reopen a submitted sheet, with a reason (programme managers, admins)",
        status_code=HTTP_200_OK,
        guards=[MANAGERS],
    )
    async def reopen(
        self,
        assignment_id: FromPath[uuid.UUID],
        data: JSONBody[ReopenRequest],
        context: NamedDependency[UserContext],
    ) -> Response[ScoreSheetPublic]:
        reopened = await sheets.reopen_sheet(context, assignment_id, data.reason)
        return with_etag(reopened)


class ApplicationSheetsController(Controller):
    path = "/api/evaluation/applications/{application_id:uuid}/score-sheets"
    tags = ["evaluation"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        operation_id="listApplicationScoreSheets",
        summary="Every evaluator's progress on an application, with the submitted scores and "
        "justifications (managers)",
    )
    async def list_sheets(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> list[ManagerSheetOut]:
        return await sheets.sheets_of_application(context, application_id)


CONTROLLERS: list[type[Controller]] = [ScoreSheetController, ApplicationSheetsController]
