"""The ranking as CSV and XLSX, for the jury's papers.

CSV is written for German spreadsheet programs: UTF-8 with a byte-order mark, ``;`` between
fields, decimal commas. Ties are marked, never resolved: the rank is shared by tied entries,
and two columns say how many share it and whether the funding line cuts the tie (then the
jury decides; the status shown is provisional). Text that applicants wrote (titles) could
start with ``=``, ``+``, ``-``, ``@`` or a control character and would then run as a formula
when the file is opened (CSV injection): such cells get a leading apostrophe. In XLSX every
text cell is written explicitly as a string (openpyxl would otherwise store ``=…`` as a
formula); numbers are numbers there.
"""

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from grants.evaluation.ranking.schemas import LineRanking, RankingEntry, RankingPublic

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FUNDING_STATUS_DE = {
    "funded": "gefördert",
    "reserve": "Nachrückerliste",
    "not_funded": "nicht gefördert",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _header(codes: list[str]) -> list[str]:
    return [
        "Rang (rank)",
        "Förderlinie (funding line)",
        "Aktenzeichen (reference)",
        "Titel (title)",
        "Status (status)",
        "Beantragte Zuwendung EUR (requested grant)",
        "Endpunktzahl (final score)",
        "Bewertungen (evaluations)",
        *[f"{code} Mittelwert (mean)" for code in codes],
        "Schwellen erfüllt (thresholds met)",
        "Moderation nötig (needs moderation)",
        "Förderstatus (funding status)",
        "Gleichstand (tie)",
        "Gleichstand an der Förderlinie (tie at the funding line)",
        "Begründung (explanation)",
        "Jury-Empfehlung (jury recommendation)",
    ]


def _rows(ranking: RankingPublic) -> Iterator[tuple[LineRanking, RankingEntry]]:
    for line in ranking.lines:
        for entry in line.entries:
            yield line, entry


def _values(line: LineRanking, entry: RankingEntry, codes: list[str]) -> list[Any]:
    """One row; text as ``str``, numbers as ``Decimal``/``int`` (None: empty)."""
    return [
        entry.rank,
        line.funding_line,
        entry.reference_number,
        entry.title,
        entry.status,
        entry.requested_grant,
        entry.final_score,
        entry.evaluations,
        *[entry.criterion_means.get(code) for code in codes],
        "ja" if entry.passes_thresholds else "nein",
        "ja" if entry.needs_moderation else "nein",
        FUNDING_STATUS_DE.get(entry.funding_status, entry.funding_status),
        _tie(entry),
        "ja – die Jury entscheidet (vorläufig)" if entry.tie_at_funding_line else "nein",
        entry.explanation.de,
        entry.recommendation or "",
    ]


def _tie(entry: RankingEntry) -> str:
    if entry.tie_size < 2:
        return ""
    return f"Rang {entry.rank} geteilt von {entry.tie_size} Vorhaben"


def _criteria(ranking: RankingPublic) -> list[str]:
    return [*ranking.agreement.criteria]


def safe_text(value: str) -> str:
    """Neutralise a text cell that a spreadsheet would read as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return safe_text(str(value))


def ranking_csv(ranking: RankingPublic) -> bytes:
    codes = _criteria(ranking)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_header(codes))
    for line, entry in _rows(ranking):
        writer.writerow([_csv_cell(v) for v in _values(line, entry, codes)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if value is None or isinstance(value, (int, float, Decimal)):
        return value
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def ranking_xlsx(ranking: RankingPublic) -> bytes:
    codes = _criteria(ranking)
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet("Rangliste")
    sheet.append([_xlsx_cell(sheet, h) for h in _header(codes)])
    for line, entry in _rows(ranking):
        sheet.append([_xlsx_cell(sheet, v) for v in _values(line, entry, codes)])
    about: WriteOnlyWorksheet = workbook.create_sheet("Angaben")
    agreement = ranking.agreement.totals
    for label, value in (
        ("Aufruf (call)", ranking.call),
        ("Richtlinie (guideline)", ranking.guideline),
        ("Richtlinien-Hash (guideline hash)", ranking.guideline_hash),
        ("Mindestpunktzahl (minimum total)", ranking.policy.minimum_total),
        ("Übereinstimmung (agreement)", agreement.method),
        ("Alpha (Gesamtpunkte, totals)", agreement.alpha),
        *(
            (f"Budget {line.funding_line} EUR ({line.budget_rule})", line.budget)
            for line in ranking.lines
        ),
        (
            "Gleichstand (ties)",
            "nach den Kriterien "
            + (", ".join(ranking.policy.tie_break) or "–")
            + " aufgelöst, sonst als Gleichstand ausgewiesen; die Reihenfolge darin folgt nur "
            "dem Aktenzeichen",
        ),
        *(
            (f"Gleichstand an der Förderlinie {line.funding_line}", tie.explanation.de)
            for line in ranking.lines
            for tie in line.ties_at_funding_line
        ),
    ):
        about.append([_xlsx_cell(about, label), _xlsx_cell(about, value)])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
