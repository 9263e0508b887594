"""HTTP routes of the evaluator pool, assignment and the evaluator's own view: thin, one
service call each.

- ``/api/evaluators``: the pool (profiles: managers; affiliations: the evaluator or managers)
- ``/api/evaluation/assignments``: managers' board, auto-assignment, reassignment, shortfalls
- ``/api/my/assignments``: the evaluator's own assignments and the proposals behind them
"""

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.attachments.storage import Storage
from grants.core.access import Principal
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
    async def list_all(self, db_session: NamedDependency[AsyncSession]) -> list[ProfilePublic]:
        return await pool.list_profiles(db_session)

    @get(
        "/{user_id:uuid}",
        operation_id="getEvaluatorProfile",
        summary="One evaluator's profile (the evaluator or managers)",
    )
    async def get_one(
        self,
        user_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[ProfilePublic]:
        found = await pool.get_profile(db_session, principal, user_id)
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
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        if_match: IfMatch = None,
    ) -> Response[ProfilePublic]:
        profile, created = await pool.upsert_profile(
            db_session,
            principal.as_actor(request_id),
            user_id,
            data,
            if_match=if_match,
            now=now,
        )
        return with_etag(profile, HTTP_201_CREATED if created else HTTP_200_OK)

    @get(
        "/{user_id:uuid}/affiliations",
        operation_id="listAffiliations",
        summary="Declared affiliations (organisations, municipalities) of an evaluator",
    )
    async def affiliations(
        self,
        user_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> list[AffiliationPublic]:
        return await pool.list_affiliations(db_session, principal, user_id)

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
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> AffiliationPublic:
        return await pool.add_affiliation(
            db_session, principal, user_id, data, now=now, request_id=request_id
        )

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
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> None:
        await pool.remove_affiliation(
            db_session, principal, user_id, affiliation_id, now=now, request_id=request_id
        )


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
        state: State,
        db_session: NamedDependency[AsyncSession],
        call: CodeQuery,
        funding_line: CodeQuery,
        guideline: CodeQuery = "frl-lifd",
    ) -> BoardOut:
        return await assignments.board(
            db_session,
            registry=state.guidelines,
            guideline_id=guideline,
            call=call,
            funding_line=funding_line,
        )

    @get(
        "/shortfalls",
        operation_id="getAssignmentShortfalls",
        summary="Applications under review that cannot reach N conflict-free evaluators",
    )
    async def shortfalls(
        self,
        state: State,
        db_session: NamedDependency[AsyncSession],
        call: CodeQuery,
        funding_line: CodeQuery,
        guideline: CodeQuery = "frl-lifd",
        per_application: Annotated[int | None, QueryParameter(ge=1, le=20)] = None,
    ) -> ShortfallReport:
        return await assignments.shortfall_report(
            db_session,
            registry=state.guidelines,
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
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> AutoAssignOut:
        return await assignments.auto_assign(
            db_session,
            principal,
            data,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )

    @post(
        "/reassign",
        operation_id="reassign",
        summary="Move an application from one evaluator to another (or the best free one)",
        status_code=HTTP_200_OK,
    )
    async def reassign(
        self,
        data: JSONBody[ReassignRequest],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> ReassignOut:
        return await assignments.reassign_application(
            db_session, principal, data, now=now, request_id=request_id
        )


class MyAssignmentsController(Controller):
    path = "/api/my/assignments"
    tags = ["evaluation"]
    security = BEARER
    guards = [EVALUATORS]

    @get(operation_id="listMyAssignments", summary="My active assignments (conflict-free)")
    async def list_mine(
        self, principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
    ) -> list[MyAssignment]:
        return await evaluator_view.my_assignments(db_session, principal)

    @post(
        "/{assignment_id:uuid}/accept",
        operation_id="acceptAssignment",
        summary="Accept a pending assignment",
        status_code=HTTP_200_OK,
    )
    async def accept(
        self,
        assignment_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> MyAssignment:
        return await evaluator_view.accept_assignment(
            db_session, principal, assignment_id, now=now, request_id=request_id
        )

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
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> MyAssignment:
        return await evaluator_view.decline_assignment(
            db_session, principal, assignment_id, data, now=now, request_id=request_id
        )

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
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> MyAssignment:
        request = DeclineRequest(reason=data.reason, conflict=True, excluded=data.excluded)
        return await evaluator_view.decline_assignment(
            db_session, principal, assignment_id, request, now=now, request_id=request_id
        )

    @get(
        "/{assignment_id:uuid}/application",
        operation_id="getAssignedApplication",
        summary="The submitted proposal as far as evaluating needs it (no personal data)",
    )
    async def application(
        self,
        assignment_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> EvaluatorApplicationView:
        return await evaluator_view.assignment_application(db_session, principal, assignment_id)

    @get(
        "/{assignment_id:uuid}/application/attachments/{attachment_id:uuid}/content",
        operation_id="downloadAssignedAttachment",
        summary="An attachment of the submitted version",
    )
    async def attachment(
        self,
        assignment_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        storage: NamedDependency[Storage],
    ) -> Stream:
        found = await evaluator_view.open_attachment(
            db_session, principal, assignment_id, attachment_id, storage=storage
        )
        return download_response(found.attachment, found.chunks)


CONTROLLERS: list[type[Controller]] = [
    EvaluatorPoolController,
    AssignmentBoardController,
    MyAssignmentsController,
]
