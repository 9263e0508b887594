"""The register's CSV format: what is accepted, and each refusal naming line, column, reason."""

from datetime import date
from importlib import resources

import pytest

from grants.core.areas import AreaCategory
from grants.municipalities.csv_format import (
    MAX_POPULATION,
    AreaCategorySource,
    CsvProblem,
    MunicipalityRow,
    parse_bytes,
)

HEADER = "key,name,district,population,area_category\n"
SCHNEEBERG = (
    '14521530,"Schneeberg, Stadt",Erzgebirgskreis,13900,verdichteter_bereich_im_laendlichen_raum\n'
)
SEIFFEN = '14521570,"Seiffen/Erzgeb., Kurort",Erzgebirgskreis,1950,laendlicher_raum\n'
DRESDEN = "14612000,Dresden,Kreisfreie Stadt Dresden,566200,verdichtungsraum\n"


def _parse(text: str, encoding: str = "utf-8") -> tuple[list[MunicipalityRow], list[str]]:
    parsed = parse_bytes(text.encode(encoding))
    return list(parsed.rows), [p.render("f.csv") for p in parsed.problems]


def test_a_good_file_gives_every_row() -> None:
    rows, problems = _parse(HEADER + SCHNEEBERG + SEIFFEN + DRESDEN)
    assert problems == []
    assert rows == [
        MunicipalityRow(
            "14521530",
            "Schneeberg, Stadt",
            "Erzgebirgskreis",
            13900,
            AreaCategory.VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM,
        ),
        MunicipalityRow(
            "14521570",
            "Seiffen/Erzgeb., Kurort",
            "Erzgebirgskreis",
            1950,
            AreaCategory.LAENDLICHER_RAUM,
        ),
        MunicipalityRow(
            "14612000",
            "Dresden",
            "Kreisfreie Stadt Dresden",
            566200,
            AreaCategory.VERDICHTUNGSRAUM,
        ),
    ]


def test_excel_csv_utf8_with_bom_semicolons_and_crlf() -> None:
    text = (
        "\ufeffKey;Name;District;Population;Area_Category\r\n"
        "14521530;Schneeberg, Stadt;Erzgebirgskreis;13900;"
        "Verdichteter Bereich im ländlichen Raum\r\n"
        "14612000;Dresden;Kreisfreie Stadt Dresden;566200;Verdichtungsraum\r\n"
        ";;;;\r\n"
    )
    rows, problems = _parse(text)
    assert problems == []
    assert [(r.key, r.name, r.area_category) for r in rows] == [
        ("14521530", "Schneeberg, Stadt", AreaCategory.VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM),
        ("14612000", "Dresden", AreaCategory.VERDICHTUNGSRAUM),
    ]


def test_columns_in_any_order_extra_columns_ignored_and_values_trimmed() -> None:
    text = (
        "area_category,population,note,district,name,key\n"
        " ländlicher Raum , 1950 ,Spielzeugdorf, Erzgebirgskreis ,Seiffen, 14521570 \n"
    )
    rows, problems = _parse(text)
    assert problems == []
    assert rows == [
        MunicipalityRow(
            "14521570", "Seiffen", "Erzgebirgskreis", 1950, AreaCategory.LAENDLICHER_RAUM
        )
    ]


def test_a_quoted_line_break_counts_for_the_line_numbers() -> None:
    text = (
        HEADER
        + '14612000,"Dresden\nStadt",Dresden,1,verdichtungsraum\n'
        + "1461200,x,y,1,laendlicher_raum\n"
    )
    rows, problems = _parse(text)
    assert [r.name for r in rows] == ["Dresden\nStadt"]
    assert problems == [
        "f.csv:4: key: 7 Ziffern statt 8 (7 digits instead of 8); "
        "führende Null verloren? (leading zero lost, e.g. by a spreadsheet?)"
    ]


@pytest.mark.parametrize(
    ("line", "column", "reason_start"),
    [
        ("1452153,a,b,1,laendlicher_raum", "key", "7 Ziffern statt 8"),
        ("145215300,a,b,1,laendlicher_raum", "key", "9 Ziffern statt 8"),
        ("14 521 530,a,b,1,laendlicher_raum", "key", "„14 521 530“ ist kein Gemeindeschlüssel"),
        ("１４５２１５３０,a,b,1,laendlicher_raum", "key", "„１４５２１５３０“ ist kein"),
        (",a,b,1,laendlicher_raum", "key", "fehlt"),
        ("14521530,,b,1,laendlicher_raum", "name", "fehlt"),
        ("14521530,a,,1,laendlicher_raum", "district", "fehlt"),
        (f"14521530,{'x' * 201},b,1,laendlicher_raum", "name", "länger als 200 Zeichen"),
        ("14521530,a\x00b,b,1,laendlicher_raum", "name", "enthält ein NUL-Zeichen"),
        ("14521530,a,b,-5,laendlicher_raum", "population", "darf nicht negativ sein"),
        ("14521530,a,b,13.994,laendlicher_raum", "population", "bitte ohne Tausendertrenn"),
        ('14521530,a,b,"13,994",laendlicher_raum', "population", "bitte ohne Tausendertrenn"),
        ("14521530,a,b,1.5,laendlicher_raum", "population", "„1.5“ ist keine ganze Zahl"),
        ("14521530,a,b,,laendlicher_raum", "population", "fehlt"),
        (f"14521530,a,b,{MAX_POPULATION + 1},laendlicher_raum", "population", "10000001 ist"),
        ("14521530,a,b,1,städtisch", "area_category", "unbekannte Raumkategorie „städtisch“"),
        ("14521530,a,b,1,", "area_category", "fehlt"),
        ("14521530,a,b,1", "-", "4 Felder statt 5"),
        ("14521530,a,b,1,laendlicher_raum,extra", "-", "6 Felder statt 5"),
        ('14521530,"a"b,c,1,laendlicher_raum', "-", "CSV-Syntaxfehler"),
    ],
)
def test_a_bad_value_is_named_with_line_and_column(
    line: str, column: str, reason_start: str
) -> None:
    rows, problems = _parse(HEADER + DRESDEN + line + "\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"f.csv:3: {column}: {reason_start}"), problems[0]
    assert [r.key for r in rows] == ["14612000"]


def test_trailing_empty_fields_from_spreadsheets_are_fine() -> None:
    rows, problems = _parse(HEADER + "14612000,Dresden,Dresden,1,verdichtungsraum,,\n")
    assert problems == []
    assert len(rows) == 1


def test_every_problem_of_a_row_is_reported() -> None:
    _, problems = _parse(HEADER + "123,,b,-1,städtisch\n")
    assert [p.split(": ")[1] for p in problems] == ["key", "name", "population", "area_category"]


def test_duplicate_key_names_the_first_line() -> None:
    _, problems = _parse(HEADER + DRESDEN + SEIFFEN + DRESDEN)
    assert problems == [
        "f.csv:4: key: Schlüssel 14612000 kommt doppelt vor, zuerst in Zeile 2 "
        "(duplicate key, first on line 2)"
    ]


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("key,name,district,population\n", ["area_category"]),
        ("key;name;population\n", ["district", "area_category"]),
        ("AGS,Gemeinde,Kreis,Einwohner,Raumkategorie\n", list(HEADER.strip().split(","))),
    ],
)
def test_missing_columns_are_named(header: str, missing: list[str]) -> None:
    rows, problems = _parse(header + DRESDEN)
    assert rows == []
    assert problems == [
        f"f.csv:1: {column}: Spalte fehlt in der Kopfzeile (column missing from the header)"
        for column in missing
    ]


def test_duplicate_column() -> None:
    _, problems = _parse("key,name,district,population,area_category,name\n" + DRESDEN)
    assert problems == [
        "f.csv:1: name: Spalte kommt in der Kopfzeile doppelt vor (duplicate column)"
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "f.csv:1: -: die Datei ist leer (the file is empty)"),
        (b"\xef\xbb\xbf", "f.csv:1: -: die Datei ist leer (the file is empty)"),
        (b"\n" + HEADER.encode(), "f.csv:1: -: die erste Zeile ist leer"),
        (HEADER.encode(), "f.csv:2: -: keine Datenzeilen (no data rows)"),
        (HEADER.encode() + b"\n,,,,\r\n", "f.csv:2: -: keine Datenzeilen (no data rows)"),
        (
            HEADER.encode()
            + "14521530,Schneeberg,Erzgebirgskreis,1,laendlicher_raum\n".encode("cp1252")
            + "14521570,Seiffen,Sächs. Erzgebirge,1,laendlicher_raum\n".encode("cp1252"),
            "f.csv:3: -: kein gültiges UTF-8 bei Byte 0xe4",
        ),
    ],
)
def test_files_without_usable_content(data: bytes, expected: str) -> None:
    parsed = parse_bytes(data)
    assert parsed.rows == ()
    assert len(parsed.problems) == 1
    assert parsed.problems[0].render("f.csv").startswith(expected)


def test_problem_rendering() -> None:
    assert (
        CsvProblem(7, "key", "fehlt (missing)").render("a/b.csv")
        == "a/b.csv:7: key: fehlt (missing)"
    )


def test_the_shipped_demo_file_is_valid() -> None:
    data = (resources.files("grants.municipalities") / "data" / "sachsen_demo.csv").read_bytes()
    parsed = parse_bytes(data)
    assert parsed.problems == ()
    assert 25 <= len(parsed.rows) <= 40
    by_key = {row.key: row for row in parsed.rows}
    assert all(key.startswith("14") for key in by_key)
    assert by_key["14521530"].name == "Schneeberg, Stadt"  # not 14521570, that is Seiffen
    assert by_key["14521570"].name.startswith("Seiffen")
    assert {by_key[k].area_category for k in ("14612000", "14713000", "14511000")} == {
        AreaCategory.VERDICHTUNGSRAUM
    }
    assert {row.area_category for row in parsed.rows} == set(AreaCategory)


def test_optional_population_date_and_category_source() -> None:
    text = (
        "key,name,district,population,population_date,area_category,area_category_source\n"
        "14521530,Schneeberg,Erzgebirgskreis,13900,2023-12-31,laendlicher_raum,assumed\n"
        "14612000,Dresden,Kreisfreie Stadt Dresden,566200,,verdichtungsraum,LEP2013\n"
    )
    rows, problems = _parse(text)
    assert problems == []
    assert [(r.population_date, r.area_category_source) for r in rows] == [
        (date(2023, 12, 31), AreaCategorySource.ASSUMED),
        (None, AreaCategorySource.LEP2013),
    ]
    # Without the columns a file still parses; it just does not say.
    rows, _ = _parse(HEADER + DRESDEN)
    assert (rows[0].population_date, rows[0].area_category_source) == (None, None)


@pytest.mark.parametrize(
    ("population_date", "source", "expected"),
    [
        ("31.12.2023", "assumed", "f.csv:2: population_date: „31.12.2023“ ist kein Datum"),
        ("2023-02-30", "assumed", "f.csv:2: population_date: „2023-02-30“ ist kein Datum"),
        ("1899-12-31", "assumed", "f.csv:2: population_date: 1899-12-31 liegt vor 1900"),
        ("2023-12-31", "geraten", "f.csv:2: area_category_source: unbekannte Herkunft"),
    ],
)
def test_bad_optional_values_are_named(population_date: str, source: str, expected: str) -> None:
    text = (
        "key,name,district,population,population_date,area_category,area_category_source\n"
        f"14521530,Schneeberg,Erzgebirgskreis,13900,{population_date},laendlicher_raum,{source}\n"
    )
    rows, problems = _parse(text)
    assert rows == []
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems


def test_a_duplicate_optional_column_is_refused() -> None:
    _, problems = _parse(
        "key,name,district,population,area_category,population_date,population_date\n"
    )
    assert problems == [
        "f.csv:1: population_date: Spalte kommt in der Kopfzeile doppelt vor (duplicate column)"
    ]
