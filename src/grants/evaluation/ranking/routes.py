"""HTTP routes of the ranking with its simulation and exports, and of the jury's decisions
(programme managers and admins)."""

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
from grants.evaluation.ranking import decisions, exports
from grants.evaluation.ranking import service as rankings
from grants.evaluation.ranking.schemas import (
    DecisionPublic,
    DecisionRequest,
    RankingPublic,
    SimulationPublic,
    SimulationRequest,
)
from grants.http.guards import BEARER, MANAGERS
from grants.http.params import CallQuery, code_parameter
from grants.http.versioning import IfMatch, with_etag

FundingLine = Annotated[str | None, code_parameter("funding line; default: all")]
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
        call: CallQuery,
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
        call: CallQuery,
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
        call: CallQuery,
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
        call: CallQuery,
        funding_line: FundingLine = None,
    ) -> list[DecisionPublic]:
        return await decisions.list_decisions(
            db_session, call=call, funding_line=funding_line, registry=state.guidelines
        )


CONTROLLERS: list[type[Controller]] = [RankingController, DecisionController]
