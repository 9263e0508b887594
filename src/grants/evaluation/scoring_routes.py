"""HTTP routes of score sheets (evaluators; reopening by programme managers), the ranking
with its simulation and exports, and the jury's decisions (programme managers and admins)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.access import Principal
from grants.evaluation import decisions, exports, rankings, sheets
from grants.evaluation.scoring_schemas import (
    DecisionPublic,
    DecisionRequest,
    ManagerSheetOut,
    RankingPublic,
    ReopenRequest,
    ScoreSheetDraft,
    ScoreSheetPublic,
    SimulationPublic,
    SimulationRequest,
)
from grants.http.guards import BEARER, MANAGERS
from grants.http.versioning import IfMatch, with_etag

_CODE = r"^[A-Za-z0-9_.-]+$"

CallCode = Annotated[
    str, QueryParameter(max_length=40, pattern=_CODE, description="call code, e.g. demo")
]
FundingLine = Annotated[
    str | None,
    QueryParameter(max_length=40, pattern=_CODE, description="funding line; default: all"),
]
Budget = Annotated[
    Decimal | None,
    QueryParameter(
        description="budget of funding_line, ≥ 0 (default: an equal share of the call's budget)",
    ),
]
Normalised = Annotated[
    bool,
    QueryParameter(description="add z-scores per evaluator beside the raw scores"),
]


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
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[ScoreSheetPublic]:
        found = await sheets.get_sheet(
            db_session, principal, assignment_id, registry=state.guidelines
        )
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
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        if_match: IfMatch = None,
    ) -> Response[ScoreSheetPublic]:
        saved = await sheets.save_draft(
            db_session,
            principal,
            assignment_id,
            data,
            if_match=if_match,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
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
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        if_match: IfMatch = None,
    ) -> Response[ScoreSheetPublic]:
        submitted = await sheets.submit_sheet(
            db_session,
            principal,
            assignment_id,
            if_match=if_match,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
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
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> Response[ScoreSheetPublic]:
        reopened = await sheets.reopen_sheet(
            db_session,
            principal,
            assignment_id,
            data.reason,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
        return with_etag(reopened)


class RankingController(Controller):
    path = "/api/evaluation/rankings"
    tags = ["evaluation"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        operation_id="getRanking",
        summary="Ranking, thresholds, disagreement, agreement and funding line of a call",
    )
    async def get_ranking(
        self,
        state: State,
        db_session: NamedDependency[AsyncSession],
        call: CallCode,
        funding_line: FundingLine = None,
        budget: Budget = None,
        normalised: Normalised = False,
    ) -> RankingPublic:
        return await rankings.ranking(
            db_session,
            state.guidelines,
            call=call,
            funding_line=funding_line,
            budget=budget,
            normalised=normalised,
        )

    @post(
        "/simulate",
        operation_id="simulateFundingLine",
        summary="What-if: another budget or thresholds, who crosses the line (writes nothing)",
        status_code=HTTP_200_OK,
    )
    async def simulate(
        self,
        data: JSONBody[SimulationRequest],
        state: State,
        db_session: NamedDependency[AsyncSession],
    ) -> SimulationPublic:
        return await rankings.simulate(db_session, state.guidelines, data)

    @get("/export.csv", operation_id="exportRankingCsv", summary="The ranking as CSV (;)")
    async def export_csv(
        self,
        state: State,
        db_session: NamedDependency[AsyncSession],
        call: CallCode,
        funding_line: FundingLine = None,
    ) -> Response[bytes]:
        ranking = await rankings.ranking(
            db_session, state.guidelines, call=call, funding_line=funding_line
        )
        return Response(
            exports.ranking_csv(ranking),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="rangliste-{call}.csv"'},
        )

    @get("/export.xlsx", operation_id="exportRankingXlsx", summary="The ranking as XLSX")
    async def export_xlsx(
        self,
        state: State,
        db_session: NamedDependency[AsyncSession],
        call: CallCode,
        funding_line: FundingLine = None,
    ) -> Response[bytes]:
        ranking = await rankings.ranking(
            db_session, state.guidelines, call=call, funding_line=funding_line
        )
        return Response(
            exports.ranking_xlsx(ranking),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="rangliste-{call}.xlsx"'},
        )


class DecisionController(Controller):
    path = "/api/evaluation/decisions"
    tags = ["evaluation"]
    security = BEARER
    guards = [MANAGERS]

    @put(
        "/{application_id:uuid}",
        operation_id="recordJuryDecision",
        summary="Record the jury's recommendation with reasons, beside the system's proposal",
    )
    async def record(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionRequest],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        if_match: IfMatch = None,
    ) -> Response[DecisionPublic]:
        decision = await decisions.record_decision(
            db_session,
            principal,
            application_id,
            data,
            if_match=if_match,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
        return with_etag(decision)

    @get(operation_id="listJuryDecisions", summary="Recorded decisions of a call")
    async def list_decisions(
        self,
        state: State,
        db_session: NamedDependency[AsyncSession],
        call: CallCode,
        funding_line: FundingLine = None,
    ) -> list[DecisionPublic]:
        return await decisions.list_decisions(
            db_session, call=call, funding_line=funding_line, registry=state.guidelines
        )


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
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> list[ManagerSheetOut]:
        return await sheets.sheets_of_application(
            db_session, principal, application_id, registry=state.guidelines
        )


CONTROLLERS: list[type[Controller]] = [
    ScoreSheetController,
    RankingController,
    DecisionController,
    ApplicationSheetsController,
]
