"""The programme managers' start page and the ranking of a call: every line's entries in
ranking order with the funding line between those the budget reaches and the rest, ties the
line cuts, thresholds, disagreement and the agreement figure; the what-if beside it (another
budget or thresholds: who moves across the line — a GET form that saves nothing; the page's
script asks for the result while one types and shows it in place); CSV and XLSX exports.

The same services as ``/api/evaluation/rankings``; managers and admins only (the API's
guard's roles), anyone else the page's 404."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.errors import NotFound
from grants.core.roles import MANAGER_ROLES
from grants.evaluation.ranking import exports
from grants.evaluation.ranking import service as rankings
from grants.guidelines.registry import GuidelineRegistry
from grants.http.downloads import export_response
from grants.web import ranking_forms
from grants.web.pages import page, render_page, staff_context
from grants.web.templating import N_, local

PAGE = rankings.RANKING_PAGE

FUNDING_STATUS = {
    "funded": N_("gefördert (Vorschlag)"),
    "reserve": N_("Nachrückliste (Vorschlag)"),
    "not_funded": N_("nicht gefördert (Vorschlag)"),
}
NOT_FUNDED_REASON = {
    "threshold": N_("Schwelle nicht erreicht"),
    "budget": N_("Budget reicht nicht"),
}
RECOMMENDATION = {
    "recommended": N_("zur Förderung empfohlen"),
    "reserve": N_("Nachrückliste"),
    "not_recommended": N_("nicht empfohlen"),
}


def _offset(raw: str | None) -> int:
    return int(raw) if raw is not None and raw.isdigit() else 0


class ManagerPages(Controller):
    include_in_schema = False
    path = "/verwaltung"

    @get(exclude_from_auth=True, name="web:manager-home")
    async def home(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        await staff_context(request, db_session, now, *MANAGER_ROLES)
        registry: GuidelineRegistry = state.guidelines
        return await page(
            request,
            "manager_home.html",
            guidelines=registry.all(),
            calls=[
                {
                    "guideline": guideline,
                    "call": call,
                    "status": call.status(now).value,
                    "lines": [guideline.line(code) for code in call.lines],
                }
                for guideline, call in registry.calls()
            ],
        )

    @get("/rangliste/{call:str}", exclude_from_auth=True, name="web:ranking")
    async def ranking(
        self,
        request: Request[Any, Any, Any],
        call: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        guideline, found = rankings.find_call(state.guidelines, call)
        params = dict(request.query_params.items())
        line = params.get("linie") or found.lines[0]
        rankings.check_line(found, line)
        found_line = guideline.line(line)
        rubric = guideline.rubric
        codes = [c.code for c in rubric.criteria]
        scenario = ranking_forms.parse_scenario(
            params, found.code, line, codes, (rubric.scale_min, rubric.scale_max)
        )
        simulation = (
            await rankings.simulate(context, scenario.request)
            if scenario.request is not None
            else None
        )
        shared: dict[str, Any] = {
            "guideline": guideline,
            "call": found,
            "line": line,
            "line_label": local(found_line.label) if found_line else line,
            "scenario": scenario,
            "errors": scenario.errors.by_field,
            "simulation": simulation,
            "budget_id": ranking_forms.BUDGET,
            "minimum_total_id": ranking_forms.MINIMUM_TOTAL,
            "minimum_id": ranking_forms.minimum_id,
            "funding_status": FUNDING_STATUS,
        }
        status_code = 422 if scenario.errors else 200
        # The page's script asks for the what-if alone while one types (``portal.js``).
        if request.headers.get("x-fragment") == "was-waere-wenn":
            await db_session.commit()
            return render_page(
                request,
                "_ranking_whatif.html",
                context.principal,
                status_code=status_code,
                **shared,
            )
        offset = _offset(params.get("ab"))
        found_ranking = await rankings.ranking(
            context, call=found.code, funding_line=line, offset=offset, limit=PAGE
        )
        await db_session.commit()
        [ranked] = found_ranking.lines
        moves: dict[str, str] = {}
        if simulation is not None:
            for move in (*simulation.moved_in, *simulation.moved_out, *simulation.changed):
                moves[move.application_id] = move.after
        return await page(
            request,
            "ranking.html",
            status_code=status_code,
            ranking=found_ranking,
            ranked=ranked,
            funded=[e for e in ranked.entries if e.funding_status == "funded"],
            below=[e for e in ranked.entries if e.funding_status != "funded"],
            moves=moves,
            criteria=rubric.criteria,
            not_funded_reason=NOT_FUNDED_REASON,
            recommendation=RECOMMENDATION,
            query={k: v for k, v in params.items() if k != "ab"},
            page_size=PAGE,
            **shared,
        )

    @get(
        "/rangliste/{call:str}/export/{kind:str}",
        exclude_from_auth=True,
        name="web:ranking-export",
    )
    async def export(
        self,
        request: Request[Any, Any, Any],
        call: FromPath[str],
        kind: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        _, found = rankings.find_call(state.guidelines, call)
        if kind not in {"csv", "xlsx"}:
            raise NotFound(f"Ein Export als „{kind}“ ist nicht vorgesehen (no such export).")
        line = request.query_params.get("linie") or None
        rankings.check_line(found, line)
        ranking = await rankings.ranking(context, call=found.code, funding_line=line, limit=None)
        await db_session.commit()
        if kind == "csv":
            content, media_type = exports.ranking_csv(ranking), "text/csv"
        else:
            content, media_type = exports.ranking_xlsx(ranking), exports.XLSX_MEDIA_TYPE
        # The call code is checked against the registry (find_call): safe in the header.
        return export_response(content, media_type, f"rangliste-{found.code}.{kind}")
