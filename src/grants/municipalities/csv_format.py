"""Reading the municipality register from CSV, as pure functions: bytes or lines in, either
every row validated or a list of problems out. Nothing is half-accepted: the import writes
only when the whole file is valid.

**Format.** The first line names the columns ``key``, ``name``, ``district``, ``population``
and ``area_category``, in any order, optionally also ``population_date`` and
``area_category_source``; other columns are ignored. Then each line describes one
municipality:

- ``key``: the Amtlicher Gemeindeschlüssel, exactly 8 digits (Saxony's start with 14; any
  German key is accepted).
- ``name``, ``district``: the municipality and its Landkreis or Kreisfreie Stadt, each at most
  200 characters.
- ``population``: a whole number ≥ 0, without thousands separators.
- ``population_date`` (optional): the population's reference date, ``YYYY-MM-DD``.
- ``area_category``: ``verdichtungsraum``, ``verdichteter_bereich_im_laendlichen_raum`` or
  ``laendlicher_raum`` (LEP 2013). The German names, e.g. "ländlicher Raum", are accepted too.
- ``area_category_source`` (optional): ``lep2013`` where the category was checked in LEP 2013,
  ``assumed`` where it was derived or guessed. Without the column a row's source is unknown.

The delimiter is a comma or a semicolon; the header line decides which. German Excel writes
";" when it saves "CSV UTF-8", and adds a byte-order mark; both are accepted. The encoding must
be UTF-8. We do not fall back to Windows-1252: that decoding never fails, so a wrong guess
would silently garble umlauts in names.

**The shipped register** ``data/sachsen.csv`` holds all 418 municipalities of Saxony
(Gebietsstand 31.12.2024). Source: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis
GV-ISys, "Gemeinden in Deutschland nach Fläche, Bevölkerung und Postleitzahl am 31.12.2024
(4. Quartal)", published January 2025; input file SHA-256
``f48d7d6d373da4d0cb530724ae1d6ccc48f7454135afa4324a8de46a3af922df``; population at
31.12.2023 (Fortschreibung, Zensus 2011). "© Statistisches Bundesamt (Destatis), 2025.
Vervielfältigung und Verbreitung, auch auszugsweise, mit Quellenangabe gestattet."
Its area categories are NOT from LEP 2013: they are derived from population density and the
distance to the Oberzentren, and every row says so (``area_category_source = assumed``).
``data/README.md`` has the details; ``scripts/build_municipality_register.py`` rebuilds it.

**The demo file** ``data/sachsen_demo.csv`` holds 39 real Saxon municipalities, for trying
the system out; it is not an official register. The keys and names come from the official
key list in Anlage 1 of the Saxon Gemeindefinanzreformgesetzdurchführungsverordnung of
14 February 2024 (GFRGDVO, Statistisches Landesamt keys). The populations are rounded
recent figures and are approximate. The area categories were assigned by us from LEP 2013's
map 1 (Raumstruktur) for demonstration (``assumed``). Check them against LEP 2013 before
relying on them.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from grants.core.areas import AreaCategory, AreaCategorySource

COLUMNS = ("key", "name", "district", "population", "area_category")
OPTIONAL_COLUMNS = ("population_date", "area_category_source")
DELIMITERS = (",", ";")
MAX_TEXT_LENGTH = 200
# Berlin, the largest German municipality, has about 3.9 million people. The bound catches
# typos and keeps values well inside PostgreSQL's INTEGER.
MAX_POPULATION = 10_000_000
FILE = "-"  # the "column" of problems about the whole file or a whole line

_KEY = re.compile(r"[0-9]{8}")
_DIGITS = re.compile(r"[0-9]+")
_NEGATIVE = re.compile(r"-\s*[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_GROUPED = re.compile(r"[0-9]{1,3}([., \u00a0\u202f][0-9]{3})+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class MunicipalityRow:
    key: str
    name: str
    district: str
    population: int
    area_category: AreaCategory
    population_date: date | None = None  # None: the file does not say
    area_category_source: AreaCategorySource | None = None  # None: the file does not say


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One reason to refuse the file. ``line`` is the physical line (the header is line 1);
    ``column`` names the field, or is ``-`` for the whole line or file."""

    line: int
    column: str
    reason: str

    def render(self, source: str) -> str:
        return f"{source}:{self.line}: {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ParsedRegister:
    rows: tuple[MunicipalityRow, ...]
    problems: tuple[CsvProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_bytes(data: bytes) -> ParsedRegister:
    """Decode a file's bytes (UTF-8, with or without a byte-order mark) and parse them."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        return _refused(
            line,
            FILE,
            f"kein gültiges UTF-8 bei Byte 0x{bad}; bitte als „CSV UTF-8“ speichern "
            "(not valid UTF-8; save the file as CSV UTF-8)",
        )
    # newline="" keeps line endings as they are, so that quoted fields may hold line breaks
    # and line numbers count physical lines.
    return parse_lines(io.StringIO(text, newline=""))


def parse_lines(lines: Iterable[str]) -> ParsedRegister:
    """Parse the register from its lines (line endings kept, as a file opened with
    ``newline=""`` yields them)."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return _refused(1, FILE, "die Datei ist leer (the file is empty)")
    if not first.strip("\ufeff\r\n"):
        return _refused(
            1,
            FILE,
            "die erste Zeile ist leer; sie muss die Spaltennamen enthalten "
            f"(the first line is blank; it must name the columns: {','.join(COLUMNS)})",
        )
    delimiter, names = _header(first.removeprefix("\ufeff"))
    problems = _header_problems(names)
    if problems:
        return ParsedRegister(rows=(), problems=tuple(problems))
    return _parse_rows(iterator, delimiter, names)


def _refused(line: int, column: str, reason: str) -> ParsedRegister:
    return ParsedRegister(rows=(), problems=(CsvProblem(line, column, reason),))


def _header(line: str) -> tuple[str, list[str]]:
    """The delimiter under which the header names most of the columns (a comma on a tie)."""
    parsed = {
        delimiter: [n.strip().lower() for n in next(csv.reader([line], delimiter=delimiter), [])]
        for delimiter in DELIMITERS
    }
    delimiter = max(DELIMITERS, key=lambda d: sum(column in parsed[d] for column in COLUMNS))
    return delimiter, parsed[delimiter]


def _header_problems(names: list[str]) -> list[CsvProblem]:
    problems = [
        CsvProblem(1, column, "Spalte fehlt in der Kopfzeile (column missing from the header)")
        for column in COLUMNS
        if column not in names
    ]
    problems += [
        CsvProblem(1, column, "Spalte kommt in der Kopfzeile doppelt vor (duplicate column)")
        for column in (*COLUMNS, *OPTIONAL_COLUMNS)
        if names.count(column) > 1
    ]
    return problems


def _parse_rows(lines: Iterator[str], delimiter: str, names: list[str]) -> ParsedRegister:
    positions = {
        column: names.index(column) for column in (*COLUMNS, *OPTIONAL_COLUMNS) if column in names
    }
    width = len(names)
    rows: list[MunicipalityRow] = []
    problems: list[CsvProblem] = []
    first_line_of: dict[str, int] = {}
    # strict: a stray quote is an error, not silently part of a value.
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    consumed = 0  # physical lines the reader has used, after the header
    while True:
        line = consumed + 2  # where the next record starts
        try:
            fields = next(reader, None)
        except csv.Error as exc:
            # After a syntax error the reader's position is unreliable; stop here.
            problems.append(CsvProblem(1 + reader.line_num, FILE, f"CSV-Syntaxfehler ({exc})"))
            break
        consumed = reader.line_num
        if fields is None:
            break
        if all(not field.strip() for field in fields):
            continue  # blank line, or a spreadsheet's ";;;;"
        if len(fields) < width or any(field.strip() for field in fields[width:]):
            problems.append(
                CsvProblem(
                    line,
                    FILE,
                    f"{len(fields)} Felder statt {width} "
                    f"(expected {width} fields, found {len(fields)})",
                )
            )
            continue
        values = {column: fields[index].strip() for column, index in positions.items()}
        row, row_problems = _row(line, values)
        problems += row_problems
        if row is None:
            continue
        if row.key in first_line_of:
            first = first_line_of[row.key]
            problems.append(
                CsvProblem(
                    line,
                    "key",
                    f"Schlüssel {row.key} kommt doppelt vor, zuerst in Zeile {first} "
                    f"(duplicate key, first on line {first})",
                )
            )
            continue
        first_line_of[row.key] = line
        rows.append(row)
    if not rows and not problems:
        problems.append(CsvProblem(2, FILE, "keine Datenzeilen (no data rows)"))
    return ParsedRegister(rows=tuple(rows), problems=tuple(problems))


def _row(line: int, values: dict[str, str]) -> tuple[MunicipalityRow | None, list[CsvProblem]]:
    problems: list[CsvProblem] = []

    def check(column: str, reason: str | None) -> None:
        if reason is not None:
            problems.append(CsvProblem(line, column, reason))

    check("key", _key_problem(values["key"]))
    check("name", _text_problem(values["name"]))
    check("district", _text_problem(values["district"]))
    population, reason = _population(values["population"])
    check("population", reason)
    category, reason = _area_category(values["area_category"])
    check("area_category", reason)
    population_date, reason = _population_date(values.get("population_date", ""))
    check("population_date", reason)
    source, reason = _area_category_source(values.get("area_category_source", ""))
    check("area_category_source", reason)
    if problems or population is None or category is None:
        return None, problems
    row = MunicipalityRow(
        key=values["key"],
        name=values["name"],
        district=values["district"],
        population=population,
        area_category=category,
        population_date=population_date,
        area_category_source=source,
    )
    return row, problems


_MISSING = "fehlt (missing)"


def _shown(value: str) -> str:
    """A value quoted for a message, shortened so that a garbled line stays readable."""
    return f"„{value[:40]}…“" if len(value) > 40 else f"„{value}“"


def _key_problem(value: str) -> str | None:
    if not value:
        return _MISSING
    if _KEY.fullmatch(value):
        return None
    if _DIGITS.fullmatch(value):
        hint = ""
        if len(value) == 7:
            hint = "; führende Null verloren? (leading zero lost, e.g. by a spreadsheet?)"
        return f"{len(value)} Ziffern statt 8 ({len(value)} digits instead of 8){hint}"
    return (
        f"{_shown(value)} ist kein Gemeindeschlüssel aus 8 Ziffern "
        "(not an 8-digit municipality key)"
    )


def _text_problem(value: str) -> str | None:
    if not value:
        return _MISSING
    if "\x00" in value:
        # PostgreSQL text cannot hold U+0000.
        return "enthält ein NUL-Zeichen (contains a NUL character)"
    if len(value) > MAX_TEXT_LENGTH:
        return f"länger als {MAX_TEXT_LENGTH} Zeichen (longer than {MAX_TEXT_LENGTH} characters)"
    return None


def _population(value: str) -> tuple[int | None, str | None]:
    if not value:
        return None, _MISSING
    if _DIGITS.fullmatch(value):
        number = int(value)
        if number > MAX_POPULATION:
            return None, (
                f"{number} ist unplausibel groß, höchstens {MAX_POPULATION} "
                f"(implausibly large; at most {MAX_POPULATION})"
            )
        return number, None
    if _NEGATIVE.fullmatch(value):
        return None, "darf nicht negativ sein (must not be negative)"
    if _GROUPED.fullmatch(value):
        plain = re.sub(r"[^0-9]", "", value)
        return None, (
            f"bitte ohne Tausendertrennzeichen angeben, also {plain} "
            "(write it without thousands separators)"
        )
    return None, f"{_shown(value)} ist keine ganze Zahl (not a whole number)"


def _area_category(value: str) -> tuple[AreaCategory | None, str | None]:
    if not value:
        return None, _MISSING
    # "Ländlicher Raum" and "verdichteter Bereich im ländlichen Raum" as LEP 2013 writes them.
    normalised = re.sub(r"[\s-]+", "_", value.lower().translate(_UMLAUTS))
    try:
        return AreaCategory(normalised), None
    except ValueError:
        allowed = ", ".join(category.value for category in AreaCategory)
        return None, (
            f"unbekannte Raumkategorie {_shown(value)} (unknown area category); "
            f"erlaubt (allowed): {allowed}"
        )


# The register describes today's municipalities: a population date before 1900 is a typo.
EARLIEST_POPULATION_DATE = date(1900, 1, 1)


def _population_date(value: str) -> tuple[date | None, str | None]:
    """Optional: an empty cell (or no column) means the file does not say."""
    if not value:
        return None, None
    try:
        parsed = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        return None, f"{_shown(value)} ist kein Datum JJJJ-MM-TT (not a date YYYY-MM-DD)"
    if parsed < EARLIEST_POPULATION_DATE:
        return None, f"{value} liegt vor 1900 (before 1900)"
    return parsed, None


def _area_category_source(value: str) -> tuple[AreaCategorySource | None, str | None]:
    """Optional: an empty cell (or no column) means the file does not say."""
    if not value:
        return None, None
    try:
        return AreaCategorySource(value.lower()), None
    except ValueError:
        allowed = ", ".join(source.value for source in AreaCategorySource)
        return None, (
            f"unbekannte Herkunft {_shown(value)} (unknown source of the area category); "
            f"erlaubt (allowed): {allowed}"
        )
