"""HTTP routes of the jury as a committee and of the officials' conflicts: thin, one service
call each.

- ``/api/calls/{guideline_id}/{call_code}/jury``: members, sessions, attendance, agenda,
  exclusions, votes, closing and minutes (programme managers and admins)
- ``/api/officials/{user_id}``: an official's declared ties and per-application conflicts,
  and the check whether the official may act on an application (the official or an admin)
"""

import uuid

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from grants.context import UserContext
from grants.evaluation.assignment.schemas import AffiliationCreate, AffiliationPublic
from grants.evaluation.jury import officials
from grants.evaluation.jury import service as jury
from grants.evaluation.jury.schemas import (
    AttendanceUpdate,
    ExclusionCreate,
    ItemCreate,
    ItemPublic,
    MemberCreate,
    MemberPublic,
    MinutesPublic,
    OfficialCheck,
    OfficialConflictCreate,
    SessionCreate,
    SessionPublic,
    SessionSummary,
    VoteCreate,
)
from grants.http.guards import BEARER, MANAGERS

GuidelineId = FromPath[str]
CallCode = FromPath[str]


class JuryController(Controller):
    path = "/api/calls/{guideline_id:str}/{call_code:str}/jury"
    tags = ["evaluation"]
    security = BEARER
    guards = [MANAGERS]

    @get("/members", operation_id="listJuryMembers", summary="The jury of a call")
    async def members(
        self, guideline_id: GuidelineId, call_code: CallCode, context: NamedDependency[UserContext]
    ) -> list[MemberPublic]:
        return await jury.list_members(context, guideline_id, call_code)

    @post(
        "/members",
        operation_id="addJuryMember",
        summary="Add a member: a staff user or a named external person; one chair",
        status_code=HTTP_201_CREATED,
    )
    async def add_member(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        data: JSONBody[MemberCreate],
        context: NamedDependency[UserContext],
    ) -> MemberPublic:
        return await jury.add_member(context, guideline_id, call_code, data)

    @delete(
        "/members/{member_id:uuid}",
        operation_id="removeJuryMember",
        summary="Remove a member (not while a session is open)",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove_member(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        member_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> None:
        await jury.remove_member(context, guideline_id, call_code, member_id)

    @get("/sessions", operation_id="listJurySessions", summary="The jury's sessions of a call")
    async def sessions(
        self, guideline_id: GuidelineId, call_code: CallCode, context: NamedDependency[UserContext]
    ) -> list[SessionSummary]:
        return await jury.list_sessions(context, guideline_id, call_code)

    @post(
        "/sessions",
        operation_id="planJurySession",
        summary="Plan a session: place and date/time",
        status_code=HTTP_201_CREATED,
    )
    async def plan(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        data: JSONBody[SessionCreate],
        context: NamedDependency[UserContext],
    ) -> SessionPublic:
        return await jury.create_session(context, guideline_id, call_code, data)

    @get(
        "/sessions/{session_id:uuid}",
        operation_id="getJurySession",
        summary="A session: attendance, agenda with exclusions, concerns, quorum and votes",
    )
    async def session(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> SessionPublic:
        return await jury.get_session(context, guideline_id, call_code, session_id)

    @post(
        "/sessions/{session_id:uuid}/open",
        operation_id="openJurySession",
        summary="Open the session: the attendance list is made from the members",
        status_code=HTTP_200_OK,
    )
    async def open_session(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> SessionPublic:
        return await jury.open_session(context, guideline_id, call_code, session_id)

    @put(
        "/sessions/{session_id:uuid}/attendance/{member_id:uuid}",
        operation_id="recordJuryAttendance",
        summary="Mark a member present or absent (open sessions)",
        status_code=HTTP_200_OK,
    )
    async def attendance(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        member_id: FromPath[uuid.UUID],
        data: JSONBody[AttendanceUpdate],
        context: NamedDependency[UserContext],
    ) -> SessionPublic:
        return await jury.set_attendance(
            context, guideline_id, call_code, session_id, member_id, data
        )

    @post(
        "/sessions/{session_id:uuid}/items",
        operation_id="addJuryAgendaItem",
        summary="Put a submitted application of the call on the agenda",
        status_code=HTTP_201_CREATED,
    )
    async def add_item(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        data: JSONBody[ItemCreate],
        context: NamedDependency[UserContext],
    ) -> SessionPublic:
        return await jury.add_item(context, guideline_id, call_code, session_id, data)

    @post(
        "/sessions/{session_id:uuid}/items/{item_id:uuid}/exclusions",
        operation_id="recordJuryExclusion",
        summary="A member leaves the deliberation of an item (§ 20 Abs. 4 VwVfG)",
        status_code=HTTP_201_CREATED,
    )
    async def exclude(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        data: JSONBody[ExclusionCreate],
        context: NamedDependency[UserContext],
    ) -> SessionPublic:
        return await jury.record_exclusion(
            context, guideline_id, call_code, session_id, item_id, data
        )

    @post(
        "/sessions/{session_id:uuid}/items/{item_id:uuid}/votes",
        operation_id="recordJuryVote",
        summary="A motion and its ballots: quorum (§ 90), majority (§ 91); excluded members "
        "cannot vote",
        status_code=HTTP_201_CREATED,
    )
    async def vote(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        data: JSONBody[VoteCreate],
        context: NamedDependency[UserContext],
    ) -> ItemPublic:
        return await jury.record_vote(context, guideline_id, call_code, session_id, item_id, data)

    @post(
        "/sessions/{session_id:uuid}/close",
        operation_id="closeJurySession",
        summary="Close the session: the minutes (§ 93) are written, hashed and final",
        status_code=HTTP_200_OK,
    )
    async def close(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> MinutesPublic:
        return await jury.close_session(context, guideline_id, call_code, session_id)

    @get(
        "/sessions/{session_id:uuid}/minutes",
        operation_id="getJuryMinutes",
        summary="The minutes of a closed session with their SHA-256",
    )
    async def minutes(
        self,
        guideline_id: GuidelineId,
        call_code: CallCode,
        session_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> MinutesPublic:
        return await jury.get_minutes(context, guideline_id, call_code, session_id)


class OfficialController(Controller):
    path = "/api/officials/{user_id:uuid}"
    tags = ["evaluation"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        "/affiliations",
        operation_id="listOfficialAffiliations",
        summary="An official's declared ties (the official or an admin)",
    )
    async def affiliations(
        self, user_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> list[AffiliationPublic]:
        return await officials.list_affiliations(context, user_id)

    @post(
        "/affiliations",
        operation_id="declareOfficialAffiliation",
        summary="Declare a tie to an organisation or municipality, as evaluators do",
        status_code=HTTP_201_CREATED,
    )
    async def declare(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[AffiliationCreate],
        context: NamedDependency[UserContext],
    ) -> AffiliationPublic:
        return await officials.declare_affiliation(context, user_id, data)

    @delete(
        "/affiliations/{affiliation_id:uuid}",
        operation_id="removeOfficialAffiliation",
        summary="Withdraw a declared tie",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove(
        self,
        user_id: FromPath[uuid.UUID],
        affiliation_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> None:
        await officials.remove_affiliation(context, user_id, affiliation_id)

    @get(
        "/applications/{application_id:uuid}/conflicts",
        operation_id="checkOfficialConflicts",
        summary="May the official act on the application? Every finding with its paragraph",
    )
    async def check(
        self,
        user_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> OfficialCheck:
        return await officials.check_official(context, user_id, application_id)

    @put(
        "/applications/{application_id:uuid}/conflicts",
        operation_id="declareOfficialConflict",
        summary="Declare a conflict for one application (a repeat replaces it)",
        status_code=HTTP_200_OK,
    )
    async def declare_conflict(
        self,
        user_id: FromPath[uuid.UUID],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[OfficialConflictCreate],
        context: NamedDependency[UserContext],
    ) -> OfficialCheck:
        return await officials.declare_conflict(context, user_id, application_id, data)


CONTROLLERS: list[type[Controller]] = [JuryController, OfficialController]
