"""HTTP routes of the evaluator pool, assignment and the evaluator's own view: thin, one
service call each.

- ``/api/evaluators``: the pool (profiles: managers; affiliations: the evaluator or managers)
- ``/api/evaluation/assignments``: managers' board, auto-assignment, reassignment, shortfalls
- ``/api/my/assignments``: the evaluator's own assignments and the proposals behind them
"""

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from grants.applications.attachments.storage import Storage
from grants.context import UserContext
from grants.core.roles import StaffRole
from grants.evaluation.assignment import evaluator_view, pool
from grants.evaluation.assignment import service as assignments
from grants.evaluation.assignment.schemas import (
    AffiliationCreate,
    AffiliationPublic,
    AutoAssignOut,
    AutoAssignRequest,
    BoardOut,
    ConflictDeclarationCreate,
    DeclineRequest,
    EvaluatorApplicationView,
    MyAssignment,
    ProfilePublic,
    ProfileUpsert,
    ReassignOut,
    ReassignRequest,
    ShortfallReport,
)
from grants.http.downloads import download_response
from grants.http.guards import BEARER, MANAGERS, requires_staff
from grants.http.params import CodeQuery
from grants.http.versioning import IfMatch, with_etag

POOL_MEMBERS = requires_staff(StaffRole.EVALUATOR, StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN)
EVALUATORS = requires_staff(StaffRole.EVALUATOR)


class EvaluatorPoolController(Controller):
    path = "/api/evaluators"
    tags = ["evaluation"]
    security = BEARER
    guards = [POOL_MEMBERS]

    @get(
        operation_id="listEvaluators",
        summary="The evaluator pool with caps and current loads (managers)",
        guards=[MANAGERS],
    )
    async def list_all(self, context: NamedDependency[UserContext]) -> list[ProfilePublic]:
        return await pool.list_profiles(context)

    @get(
        "/{user_id:uuid}",
        operation_id="getEvaluatorProfile",
        summary="One evaluator's profile (the evaluator or managers)",
    )
    async def get_one(
        self,
        user_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> Response[ProfilePublic]:
        found = await pool.get_profile(context, user_id)
        return with_etag(found)

    @put(
        "/{user_id:uuid}",
        operation_id="putEvaluatorProfile",
        summary="Take a user with the evaluator role into the pool, or change cap and activity "
        "(If-Match needed once it exists)",
        guards=[MANAGERS],
        status_code=HTTP_200_OK,
    )
    async def put_one(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[ProfileUpsert],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[ProfilePublic]:
        profile, created = await pool.upsert_profile(context, user_id, data, if_match=if_match)
        return with_etag(profile, HTTP_201_CREATED if created else HTTP_200_OK)

    @get(
        "/{user_id:uuid}/affiliations",
        operation_id="listAffiliations",
        summary="Declared affiliations (organisations, municipalities) of an evaluator",
    )
    async def affiliations(
        self,
        user_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> list[AffiliationPublic]:
        return await pool.list_affiliations(context, user_id)

    @post(
        "/{user_id:uuid}/affiliations",
        operation_id="declareAffiliation",
        summary="Declare an affiliation: employer or other tie, organisation by id or name, "
        "municipality key; conflicts are recomputed at once",
        status_code=HTTP_201_CREATED,
    )
    async def declare(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[AffiliationCreate],
        context: NamedDependency[UserContext],
    ) -> AffiliationPublic:
        return await pool.add_affiliation(context, user_id, data)

    @delete(
        "/{user_id:uuid}/affiliations/{affiliation_id:uuid}",
        operation_id="removeAffiliation",
        summary="Withdraw a declared affiliation; conflicts are recomputed at once",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove(
        self,
        user_id: FromPath[uuid.UUID],
        affiliation_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> None:
        await pool.remove_affiliation(context, user_id, affiliation_id)


class AssignmentBoardController(Controller):
    path = "/api/evaluation/assignments"
    tags = ["evaluation"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        operation_id="getAssignmentBoard",
        summary="The board of a call and line: evaluators per application, load per evaluator",
    )
    async def board(
        self,
        context: NamedDependency[UserContext],
        call: CodeQuery,
        funding_line: CodeQuery,
        guideline: CodeQuery = "frl-lifd",
    ) -> BoardOut:
        return await assignments.board(
            context, guideline_id=guideline, call=call, funding_line=funding_line
        )

    @get(
        "/shortfalls",
        operation_id="getAssignmentShortfalls",
        summary="Applications under review that cannot reach N conflict-free evaluators",
    )
    async def shortfalls(
        self,
        context: NamedDependency[UserContext],
        call: CodeQuery,
        funding_line: CodeQuery,
        guideline: CodeQuery = "frl-lifd",
        per_application: Annotated[int | None, QueryParameter(ge=1, le=20)] = None,
    ) -> ShortfallReport:
        return await assignments.shortfall_report(
            context,
            guideline_id=guideline,
            call=call,
            funding_line=funding_line,
            per_application=per_application,
        )

    @post(
        "/auto",
        operation_id="autoAssign",
        summary="Assign N conflict-free evaluators to every application under review of a "
        "call and line, balanced and within caps",
        status_code=HTTP_200_OK,
    )
    async def auto(
        self,
        data: JSONBody[AutoAssignRequest],
        context: NamedDependency[UserContext],
    ) -> AutoAssignOut:
        return await assignments.auto_assign(context, data)

    @post(
        "/reassign",
        operation_id="reassign",
        summary="Move an application from one evaluator to another (or the best free one)",
        status_code=HTTP_200_OK,
    )
    async def reassign(
        self,
        data: JSONBody[ReassignRequest],
        context: NamedDependency[UserContext],
    ) -> ReassignOut:
        return await assignments.reassign_application(context, data)


class MyAssignmentsController(Controller):
    path = "/api/my/assignments"
    tags = ["evaluation"]
    security = BEARER
    guards = [EVALUATORS]

    @get(operation_id="listMyAssignments", summary="My active assignments (conflict-free)")
    async def list_mine(self, context: NamedDependency[UserContext]) -> list[MyAssignment]:
        return await evaluator_view.my_assignments(context)

    @post(
        "/{assignment_id:uuid}/accept",
        operation_id="acceptAssignment",
        summary="Accept a pending assignment",
        status_code=HTTP_200_OK,
    )
    async def accept(
        self,
        assignment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> MyAssignment:
        return await evaluator_view.accept_assignment(context, assignment_id)

    @post(
        "/{assignment_id:uuid}/decline",
        operation_id="declineAssignment",
        summary="Decline an assignment with a reason; conflict=true declares a conflict of "
        "interest (blocks the pair for good)",
        status_code=HTTP_200_OK,
    )
    async def decline(
        self,
        assignment_id: FromPath[uuid.UUID],
        data: JSONBody[DeclineRequest],
        context: NamedDependency[UserContext],
    ) -> MyAssignment:
        return await evaluator_view.decline_assignment(context, assignment_id, data)

    @post(
        "/{assignment_id:uuid}/conflict",
        operation_id="declareConflict",
        summary="Declare a conflict of interest for an assigned application (withdraws it)",
        status_code=HTTP_200_OK,
    )
    async def declare_conflict(
        self,
        assignment_id: FromPath[uuid.UUID],
        data: JSONBody[ConflictDeclarationCreate],
        context: NamedDependency[UserContext],
    ) -> MyAssignment:
        request = DeclineRequest(reason=data.reason, conflict=True, excluded=data.excluded)
        return await evaluator_view.decline_assignment(context, assignment_id, request)

    @get(
        "/{assignment_id:uuid}/application",
        operation_id="getAssignedApplication",
        summary="The submitted proposal as far as evaluating needs it (no personal data)",
    )
    async def application(
        self,
        assignment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> EvaluatorApplicationView:
        return await evaluator_view.assignment_application(context, assignment_id)

    @get(
        "/{assignment_id:uuid}/application/attachments/{attachment_id:uuid}/content",
        operation_id="downloadAssignedAttachment",
        summary="An attachment of the submitted version",
    )
    async def attachment(
        self,
        assignment_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        storage: NamedDependency[Storage],
    ) -> Stream:
        found = await evaluator_view.open_attachment(
            context, assignment_id, attachment_id, storage=storage
        )
        return download_response(found.attachment, found.chunks)


CONTROLLERS: list[type[Controller]] = [
    EvaluatorPoolController,
    AssignmentBoardController,
    MyAssignmentsController,
]
