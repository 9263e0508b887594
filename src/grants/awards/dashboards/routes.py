"""HTTP routes of the managers' dashboard: JSON, one table as CSV, all tables as XLSX."""

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from grants.awards.dashboards import exports, service
from grants.awards.dashboards.schemas import Dashboard, DashboardTable
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS
from grants.http.params import code_parameter

CallFilter = Annotated[str | None, code_parameter("only this call of the programme")]
FiscalYearFilter = Annotated[
    int | None,
    QueryParameter(ge=2000, le=2199, description="only this fiscal year (budgets, ledger)"),
]
TableChoice = Annotated[
    DashboardTable, QueryParameter(description="which table: one table per CSV file")
]


def _export(content: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class DashboardController(Controller):
    path = "/api/programmes/{guideline_id:str}"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        "/dashboard",
        operation_id="getDashboard",
        summary="Committed, paid, open and free per level and fiscal year; the pipeline by "
        "status; awards by district and by rural or urban area; monthly commitments and "
        "payments (managers)",
    )
    async def get_dashboard(
        self,
        guideline_id: FromPath[str],
        context: NamedDependency[UserContext],
        call: CallFilter = None,
        fiscal_year: FiscalYearFilter = None,
    ) -> Dashboard:
        return await service.dashboard(context, guideline_id, call=call, fiscal_year=fiscal_year)

    @get(
        "/dashboard.csv",
        operation_id="exportDashboardCsv",
        summary="One table of the dashboard as CSV (;)",
    )
    async def export_csv(
        self,
        guideline_id: FromPath[str],
        context: NamedDependency[UserContext],
        table: TableChoice,
        call: CallFilter = None,
        fiscal_year: FiscalYearFilter = None,
    ) -> Response[bytes]:
        found = await service.dashboard(context, guideline_id, call=call, fiscal_year=fiscal_year)
        name = exports.export_name(guideline_id, found.filters, "csv", table.value)
        # Litestar adds "; charset=utf-8" to every text/* media type itself.
        return _export(exports.dashboard_csv(found, table), "text/csv", name)

    @get(
        "/dashboard.xlsx",
        operation_id="exportDashboardXlsx",
        summary="Every table of the dashboard as a sheet of one XLSX file",
    )
    async def export_xlsx(
        self,
        guideline_id: FromPath[str],
        context: NamedDependency[UserContext],
        call: CallFilter = None,
        fiscal_year: FiscalYearFilter = None,
    ) -> Response[bytes]:
        found = await service.dashboard(context, guideline_id, call=call, fiscal_year=fiscal_year)
        name = exports.export_name(guideline_id, found.filters, "xlsx")
        return _export(exports.dashboard_xlsx(found), exports.XLSX_MEDIA_TYPE, name)


CONTROLLERS: list[type[Controller]] = [DashboardController]
