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

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.budgets import service as budgets
from grants.awards.budgets.schemas import BudgetSet
from grants.awards.dashboards import exports, service
from grants.awards.dashboards.schemas import Dashboard, DashboardTable
from grants.core.errors import DomainError, FieldProblem, InvalidInput, NotFound
from grants.core.roles import MANAGER_ROLES
from grants.http.downloads import export_response
from grants.http.validation_de import german
from grants.web import charts
from grants.web.forms import amount_text
from grants.web.next_steps import status_label
from grants.web.pages import form_values, page, see_other, staff_context
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


BUDGET_LABELS = {
    "ebene": N_("Ebene"),
    "haushaltsjahr_budget": N_("Haushaltsjahr"),
    "ansatz": N_("Ansatz (Kassenmittel des Jahres)"),
    "ve": N_("Verpflichtungsermächtigung"),
    "grund": N_("Grund der Festsetzung oder Änderung"),
}


def scopes(guideline: Any) -> list[tuple[str, str]]:
    """The levels a budget can be set for: the programme, each call, each call's line."""
    found = [("", translate(N_("Programm")))]
    for call in guideline.calls:
        found.append((call.code, f"{translate(N_('Aufruf'))} {call.code}"))
        for code in call.lines:
            line = guideline.line(code)
            found.append(
                (f"{call.code}:{code}", f"{call.code} · {local(line.label) if line else code}")
            )
    return found


def budget_of(values: dict[str, str]) -> tuple[BudgetSet | None, dict[str, str]]:
    """The budget form as the API's ``BudgetSet``; errors by field."""
    call, _, line = values.get("ebene", "").partition(":")
    body = {
        "call_code": call,
        "funding_line": line,
        "fiscal_year": values.get("haushaltsjahr_budget", "").strip(),
        "cash_appropriation": amount_text(values.get("ansatz", "")),
        "commitment_authorisation": amount_text(values.get("ve", "") or "0"),
        "reason": values.get("grund", "").strip(),
    }
    fields = {
        "call_code": "ebene",
        "funding_line": "ebene",
        "fiscal_year": "haushaltsjahr_budget",
        "cash_appropriation": "ansatz",
        "commitment_authorisation": "ve",
        "reason": "grund",
    }
    try:
        return BudgetSet.model_validate(body), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            field = fields.get(str(problem["loc"][0]) if problem["loc"] else "", "ebene")
            errors.setdefault(field, german(problem["type"], problem["msg"], problem.get("ctx")))
        return None, errors


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
        return await self._page(request, guideline_id, state, db_session, now)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        guideline_id: str,
        state: State,
        db_session: AsyncSession,
        now: datetime,
        *,
        budget_values: dict[str, str] | None = None,
        budget_errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        params = dict(request.query_params.items())
        call, fiscal_year = _filters(params)
        found = await service.dashboard(context, guideline_id, call=call, fiscal_year=fiscal_year)
        guideline = state.guidelines.get(guideline_id)
        return await page(
            request,
            "manager_dashboard.html",
            status_code=status_code,
            budget_values=budget_values or {},
            budget_errors=budget_errors or {},
            budget_labels=BUDGET_LABELS,
            budget_set="budget" in params and params.get("budget") == "gesetzt",
            scopes=scopes(guideline) if guideline else [],
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

    @post("/budget", exclude_from_auth=True, name="web:budget-set")
    async def set_budget(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        values = form_values(await request.form())
        body, errors = budget_of(values)
        if body is not None:
            try:
                await budgets.set_budget(context, guideline_id, body)
            except NotFound:
                raise
            except DomainError as error:
                details = [error.detail, *(problem.message for problem in error.problems)]
                errors = {"ebene": " ".join(details)}
            else:
                return see_other(
                    f"/verwaltung/uebersicht/{guideline_id}?budget=gesetzt#budget-titel"
                )
        return await self._page(
            request,
            guideline_id,
            state,
            db_session,
            now,
            budget_values=values,
            budget_errors=errors,
            status_code=422,
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
        return export_response(
            exports.dashboard_csv(found, DashboardTable(table)), "text/csv", name
        )

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
        return export_response(exports.dashboard_xlsx(found), exports.XLSX_MEDIA_TYPE, name)
