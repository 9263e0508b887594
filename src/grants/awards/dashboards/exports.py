"""The dashboard as CSV (one table per file) and XLSX (every table a sheet, and one sheet of
particulars: filters, time, the assumptions the figures rest on).

As the ranking's exports do: CSV for German spreadsheet programs (UTF-8 with a byte-order
mark, ``;`` between fields, decimal commas, amounts exact from ``Decimal``); a text cell that
a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@`` or a control
character) gets a leading apostrophe in CSV, and every text cell is written as a string in
XLSX. Amounts are numbers in XLSX, built from the ``Decimal`` (its digits, never a float
computed here) with a two-decimal format.
"""

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from grants.awards.dashboards.schemas import Dashboard, DashboardFilters, DashboardTable

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
# The ranking's exports have the same rule (``evaluation.ranking.exports``, not public).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

LEVEL_LABELS = {
    "programme": "Programm (programme)",
    "call": "Aufruf (call)",
    "line": "Förderlinie (funding line)",
}

SHEET_NAMES = {
    DashboardTable.BUDGET: "Budget",
    DashboardTable.PIPELINE: "Pipeline",
    DashboardTable.DISTRICTS: "Kreise",
    DashboardTable.AREAS: "Raum",
    DashboardTable.SERIES: "Zeitreihe",
}
ABOUT_SHEET = "Angaben"

Table = tuple[list[str], list[list[Any]]]


def safe_text(value: str) -> str:
    """Neutralise a text cell that a spreadsheet would read as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _budget(d: Dashboard) -> Table:
    header = [
        "Ebene (level)",
        "Aufruf (call)",
        "Förderlinie (funding line)",
        "Haushaltsjahr (fiscal year)",
        "Ansatz EUR (cash appropriation)",
        "VE EUR (commitment authorisation)",
        "Bindungsrahmen EUR (limit)",
        "Gebunden EUR (committed)",
        "Ausgezahlt EUR (paid)",
        "Offen EUR (open)",
        "Frei EUR (free)",
        "Zurückgefordert EUR (reclaimed)",
        "Erstattet EUR (refunded)",
    ]
    rows = [
        [
            LEVEL_LABELS.get(r.level, r.level),
            r.call_code,
            r.funding_line,
            r.fiscal_year,
            r.cash_appropriation,
            r.commitment_authorisation,
            r.limit,
            r.committed,
            r.paid,
            r.open,
            r.free,
            r.reclaimed,
            r.refunded,
        ]
        for r in d.budget.rows
    ]
    return header, rows


def _pipeline(d: Dashboard) -> Table:
    header = [
        "Aufruf (call)",
        "Status (status)",
        "Status (label)",
        "Anträge (applications)",
        "Beantragte Zuwendung EUR (requested grant)",
    ]
    rows = [
        [r.call_code, r.status, r.status_label, r.applications, r.requested_grant]
        for r in d.pipeline
    ]
    return header, rows


def _districts(d: Dashboard) -> Table:
    header = [
        "Kreisschlüssel (district code)",
        "Landkreis / Kreisfreie Stadt (district)",
        "Vorhaben (awards)",
        "Gebunden EUR (committed)",
    ]
    rows = [
        [r.district_code or "", r.district, r.awards, r.committed] for r in d.awards_by_district
    ]
    return header, rows


def _areas(d: Dashboard) -> Table:
    header = [
        "Raum (area)",
        "LEP-2013-Raumkategorie (area category)",
        "Vorhaben (awards)",
        "Gebunden EUR (committed)",
        "davon Kategorie angenommen (of which category assumed)",
    ]
    rows: list[list[Any]] = []
    for area in d.awards_by_area.rows:
        # An area without awards keeps its line, with zeros: "none" is a figure too.
        if not area.categories:
            rows.append([area.label, "", 0, area.committed, 0])
        rows += [
            [area.label, c.label, c.awards, c.committed, c.category_assumed]
            for c in area.categories
        ]
    return header, rows


def _series(d: Dashboard) -> Table:
    header = [
        "Monat (month, Europe/Berlin)",
        "Gebunden EUR (committed)",
        "Entbunden EUR (decommitted)",
        "Netto gebunden EUR (net committed)",
        "Ausgezahlt EUR (paid)",
        "Erstattet EUR (refunded)",
        "Netto ausgezahlt EUR (net paid)",
    ]
    rows = [
        [m.month, m.committed, m.decommitted, m.net_committed, m.paid, m.refunded, m.net_paid]
        for m in d.series
    ]
    return header, rows


TABLES: dict[DashboardTable, Callable[[Dashboard], Table]] = {
    DashboardTable.BUDGET: _budget,
    DashboardTable.PIPELINE: _pipeline,
    DashboardTable.DISTRICTS: _districts,
    DashboardTable.AREAS: _areas,
    DashboardTable.SERIES: _series,
}


def export_name(
    guideline_id: str, filters: DashboardFilters, extension: str, table: str | None = None
) -> str:
    """``dashboard-<programme>[-<call>][-<year>][-<table>].<extension>``: a known programme
    id and a call code checked against the programme, so the name is safe in a
    Content-Disposition header as it is."""
    parts = ["dashboard", guideline_id]
    if filters.call is not None:
        parts.append(filters.call)
    if filters.fiscal_year is not None:
        parts.append(str(filters.fiscal_year))
    if table is not None:
        parts.append(table)
    return "-".join(parts) + "." + extension


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return safe_text(str(value))


def dashboard_csv(dashboard: Dashboard, table: DashboardTable) -> bytes:
    header, rows = TABLES[table](dashboard)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        # openpyxl writes a Decimal's own digits (its stubs only name float).
        amount: Any = value
        cell = WriteOnlyCell(sheet, value=amount)
        cell.number_format = MONEY_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _about(dashboard: Dashboard) -> list[tuple[str, Any]]:
    filters = dashboard.filters
    return [
        ("Programm (programme)", dashboard.guideline_id),
        ("Aufruf (call)", filters.call or "alle (all)"),
        (
            "Haushaltsjahr (fiscal year)",
            "alle (all)" if filters.fiscal_year is None else filters.fiscal_year,
        ),
        ("Stand (generated at)", dashboard.generated_at.isoformat()),
        ("Bindungsrahmen (limit)", dashboard.budget.assumption),
        ("Raum (area)", dashboard.awards_by_area.assumption),
        (
            "Zeitreihe (series)",
            "Kalendermonate in Europe/Berlin; Bindungen, Entbindungen, Auszahlungen und "
            "Erstattungen je brutto, daneben netto (calendar months in Europe/Berlin; "
            "commitments, de-commitments, payments and refunds gross, nets beside them)",
        ),
    ]


def dashboard_xlsx(dashboard: Dashboard) -> bytes:
    workbook = Workbook(write_only=True)
    for table, build in TABLES.items():
        sheet: WriteOnlyWorksheet = workbook.create_sheet(SHEET_NAMES[table])
        header, rows = build(dashboard)
        sheet.append([_xlsx_cell(sheet, h) for h in header])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    about: WriteOnlyWorksheet = workbook.create_sheet(ABOUT_SHEET)
    for label, value in _about(dashboard):
        about.append([_xlsx_cell(about, label), _xlsx_cell(about, value)])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
