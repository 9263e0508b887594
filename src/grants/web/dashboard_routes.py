"""The managers' budget dashboard of a programme: committed, paid, open and free per level
and fiscal year, the pipeline by status, awards by district and by rural or urban area, and
commitments and payments per month — each as a chart drawn on the server (``charts``) with
its table beside it, and every table as CSV, all of them as XLSX. Filtered by call and
fiscal year with a GET form.

The same service as ``/api/programmes/{id}/dashboard``; managers and admins only. Districts
are a bar chart: the project ships no district boundaries to draw a map from."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.dashboards import exports, service
from grants.awards.dashboards.schemas import Dashboard, DashboardTable
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.core.roles import MANAGER_ROLES
from grants.web import charts
from grants.web.next_steps import status_label
from grants.web.pages import page, staff_context
from grants.web.templating import N_, euro, local, translate


def short_euro(value: Decimal) -> str:
    """An axis label: "1,5 Mio. €", "250 Tsd. €", "900 €"."""
    amount = abs(value)
    sign = "−" if value < 0 else ""
    if amount >= 1_000_000:
        text = f"{amount / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{sign}{text} Mio. €"
    if amount >= 1_000:
        return f"{sign}{amount / 1_000:.0f} Tsd. €"
    return f"{sign}{amount:.0f} €"


def _count(value: Decimal) -> str:
    return f"{int(value)}"


def _level(row: Any, guideline: Any) -> str:
    if row.level == "programme":
        return f"{row.fiscal_year} · {translate(N_('Programm'))}"
    if row.level == "call":
        return f"{row.fiscal_year} · {translate(N_('Aufruf'))} {row.call_code}"
    line = guideline.line(row.funding_line) if guideline else None
    name = local(line.label) if line else row.funding_line
    return f"{row.fiscal_year} · {row.call_code} · {name}"


def chart_set(found: Dashboard, guideline: Any) -> dict[str, Any]:
    """The dashboard's five charts."""
    budget_rows = [(_level(r, guideline), [r.paid, r.open, r.free]) for r in found.budget.rows]
    pipeline: dict[str, Decimal] = {}
    for row in found.pipeline:
        key = status_label(row.status)
        pipeline[key] = pipeline.get(key, Decimal(0)) + row.applications
    months = [m.month for m in found.series]
    return {
        "budget": charts.bar_chart(
            "grafik-budget",
            translate(N_("Haushaltsmittel je Ebene und Haushaltsjahr")),
            translate(
                N_(
                    "Gestapelte Balken: ausgezahlt, gebunden und noch nicht ausgezahlt, frei. "
                    "Die Tabelle daneben nennt die genauen Beträge."
                )
            ),
            budget_rows,
            [translate(N_("ausgezahlt")), translate(N_("offen")), translate(N_("frei"))],
            short_euro,
        ),
        "pipeline": charts.bar_chart(
            "grafik-verfahren",
            translate(N_("Anträge je Stand des Verfahrens")),
            translate(N_("Ein Balken je Stand: die Zahl der Anträge.")),
            [(label, [value]) for label, value in pipeline.items()],
            [translate(N_("Anträge"))],
            _count,
        ),
        "districts": charts.bar_chart(
            "grafik-kreise",
            translate(N_("Gebundene Mittel je Landkreis und Kreisfreier Stadt")),
            translate(N_("Ein Balken je Kreis: die gebundenen Mittel der Förderungen dort.")),
            [(r.district, [r.committed]) for r in found.awards_by_district],
            [translate(N_("gebunden"))],
            short_euro,
        ),
        "areas": charts.bar_chart(
            "grafik-raum",
            translate(N_("Gebundene Mittel im ländlichen Raum und im Verdichtungsraum")),
            translate(N_("Ein Balken je Raumkategorie: die gebundenen Mittel.")),
            [(r.label.split(" (")[0], [r.committed]) for r in found.awards_by_area.rows],
            [translate(N_("gebunden"))],
            short_euro,
        ),
        "series": charts.line_chart(
            "grafik-verlauf",
            translate(N_("Bindungen und Auszahlungen je Monat")),
            translate(
                N_(
                    "Zwei Linien über die Monate: netto gebunden (durchgezogen, Kreise) und "
                    "netto ausgezahlt (gestrichelt, Quadrate)."
                )
            ),
            months,
            [
                (translate(N_("netto gebunden")), [m.net_committed for m in found.series]),
                (translate(N_("netto ausgezahlt")), [m.net_paid for m in found.series]),
            ],
            short_euro,
        ),
    }


def _filters(params: dict[str, str]) -> tuple[str | None, int | None]:
    call = params.get("aufruf") or None
    year_text = params.get("haushaltsjahr", "").strip()
    if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2199):
        raise InvalidInput(
            "Haushaltsjahr ungültig (fiscal year invalid)",
            problems=(FieldProblem("haushaltsjahr", "range", "2000 bis 2199 (2000 to 2199)"),),
        )
    return call, int(year_text) if year_text else None


def _years(rows: Sequence[Any]) -> list[int]:
    return sorted({row.fiscal_year for row in rows})


class DashboardPages(Controller):
    include_in_schema = False
    path = "/verwaltung/uebersicht/{guideline_id:str}"

    @get(exclude_from_auth=True, name="web:dashboard-overview")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        params = dict(request.query_params.items())
        call, fiscal_year = _filters(params)
        found = await service.dashboard(context, guideline_id, call=call, fiscal_year=fiscal_year)
        guideline = state.guidelines.get(guideline_id)
        return await page(
            request,
            "manager_dashboard.html",
            dashboard=found,
            guideline=guideline,
            charts=chart_set(found, guideline),
            values=params,
            calls=[(c.code, local(c.title)) for c in guideline.calls] if guideline else [],
            years=_years(found.budget.rows),
            status_label=status_label,
            euro=euro,
            query={k: v for k, v in params.items() if v},
        )

    @get("/csv/{table:str}", exclude_from_auth=True, name="web:dashboard-csv")
    async def csv(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        table: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        if table not in {t.value for t in DashboardTable}:
            raise NotFound(f"Eine Tabelle „{table}“ gibt es hier nicht (no such table).")
        call, fiscal_year = _filters(dict(request.query_params.items()))
        found = await service.dashboard(context, guideline_id, call=call, fiscal_year=fiscal_year)
        name = exports.export_name(guideline_id, found.filters, "csv", table)
        return _download(exports.dashboard_csv(found, DashboardTable(table)), "text/csv", name)

    @get("/xlsx", exclude_from_auth=True, name="web:dashboard-xlsx")
    async def xlsx(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        call, fiscal_year = _filters(dict(request.query_params.items()))
        found = await service.dashboard(context, guideline_id, call=call, fiscal_year=fiscal_year)
        name = exports.export_name(guideline_id, found.filters, "xlsx")
        return _download(exports.dashboard_xlsx(found), exports.XLSX_MEDIA_TYPE, name)


def _download(content: bytes, media_type: str, name: str) -> Response[bytes]:
    # The name is built from a known programme id and a checked call code (export_name).
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
