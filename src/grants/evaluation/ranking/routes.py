"""HTTP routes of the ranking with its simulation and exports, and of the jury's decisions
(programme managers and admins)."""

import uuid
from decimal import Decimal
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from grants.context import UserContext
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
from grants.http.params import CallQuery, Offset, code_parameter
from grants.http.versioning import IfMatch, with_etag

FundingLine = Annotated[str | None, code_parameter("funding line; default: all")]
Budget = Annotated[
    Decimal | None,
    QueryParameter(
        description="budget of funding_line, ≥ 0 (default: an equal share of the call's budget)",
    ),
]
RankingLimit = Annotated[
    int,
    QueryParameter(
        ge=1,
        le=rankings.RANKING_PAGE_MAX,
        description=f"entries per line and page (default {rankings.RANKING_PAGE})",
    ),
]
Normalised = Annotated[
    bool,
    QueryParameter(description="add z-scores per evaluator beside the raw scores"),
]


def _export(content: bytes, media_type: str, name: str) -> Response[bytes]:
    # The call code is a checked code (letters, digits, . _ -): safe in the header as it is.
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="rangliste-{name}"'},
    )


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
        context: NamedDependency[UserContext],
        call: CallQuery,
        funding_line: FundingLine = None,
        budget: Budget = None,
        normalised: Normalised = False,
        offset: Offset = 0,
        limit: RankingLimit = rankings.RANKING_PAGE,
    ) -> RankingPublic:
        return await rankings.ranking(
            context,
            call=call,
            funding_line=funding_line,
            budget=budget,
            normalised=normalised,
            offset=offset,
            limit=limit,
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
        context: NamedDependency[UserContext],
    ) -> SimulationPublic:
        return await rankings.simulate(context, data)

    @get("/export.csv", operation_id="exportRankingCsv", summary="The ranking as CSV (;)")
    async def export_csv(
        self,
        context: NamedDependency[UserContext],
        call: CallQuery,
        funding_line: FundingLine = None,
    ) -> Response[bytes]:
        ranking = await rankings.ranking(context, call=call, funding_line=funding_line, limit=None)
        # Litestar adds "; charset=utf-8" to every text/* media type itself.
        return _export(exports.ranking_csv(ranking), "text/csv", f"{call}.csv")

    @get("/export.xlsx", operation_id="exportRankingXlsx", summary="The ranking as XLSX")
    async def export_xlsx(
        self,
        context: NamedDependency[UserContext],
        call: CallQuery,
        funding_line: FundingLine = None,
    ) -> Response[bytes]:
        ranking = await rankings.ranking(context, call=call, funding_line=funding_line, limit=None)
        return _export(exports.ranking_xlsx(ranking), exports.XLSX_MEDIA_TYPE, f"{call}.xlsx")


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
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[DecisionPublic]:
        decision = await decisions.record_decision(context, application_id, data, if_match=if_match)
        return with_etag(decision)

    @get(operation_id="listJuryDecisions", summary="Recorded decisions of a call")
    async def list_decisions(
        self,
        context: NamedDependency[UserContext],
        call: CallQuery,
        funding_line: FundingLine = None,
    ) -> list[DecisionPublic]:
        return await decisions.list_decisions(context, call=call, funding_line=funding_line)


CONTROLLERS: list[type[Controller]] = [RankingController, DecisionController]
