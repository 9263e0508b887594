"""The shipped register: every municipality of Saxony, with its provenance on record, and no
area category passed off as verified."""

from collections import Counter
from datetime import date
from importlib import resources

import pytest

from grants.municipalities import csv_format
from grants.municipalities.csv_format import AreaCategorySource, MunicipalityRow, parse_bytes
from grants.municipalities.service import DEMO_FILE, SHIPPED_FILE, shipped_file, shipped_rows

# Destatis GV-ISys, Gebietsstand 31.12.2024: 418 Gemeinden in Sachsen.
MUNICIPALITIES = 418
# Saxony's 3 kreisfreie Städte and 10 Landkreise (since the Kreisreform of 1 August 2008).
DISTRICTS = {
    "Kreisfreie Stadt Chemnitz": "14511",
    "Erzgebirgskreis": "14521",
    "Landkreis Mittelsachsen": "14522",
    "Vogtlandkreis": "14523",
    "Landkreis Zwickau": "14524",
    "Kreisfreie Stadt Dresden": "14612",
    "Landkreis Bautzen": "14625",
    "Landkreis Görlitz": "14626",
    "Landkreis Meißen": "14627",
    "Landkreis Sächsische Schweiz-Osterzgebirge": "14628",
    "Kreisfreie Stadt Leipzig": "14713",
    "Landkreis Leipzig": "14729",
    "Landkreis Nordsachsen": "14730",
}
INPUT_SHA256 = "f48d7d6d373da4d0cb530724ae1d6ccc48f7454135afa4324a8de46a3af922df"


@pytest.fixture(scope="module")
def rows() -> tuple[MunicipalityRow, ...]:
    return shipped_rows()[1]


def test_the_file_parses_without_a_problem() -> None:
    parsed = parse_bytes(shipped_file().data)
    assert parsed.problems == ()
    assert shipped_file().name == SHIPPED_FILE


def test_every_municipality_of_saxony_once(rows: tuple[MunicipalityRow, ...]) -> None:
    keys = [row.key for row in rows]
    assert len(keys) == MUNICIPALITIES
    assert len(set(keys)) == MUNICIPALITIES  # the parser refuses duplicates; say it here too
    assert all(len(key) == 8 and key.isdigit() and key.startswith("14") for key in keys)
    assert keys == sorted(keys)


def test_districts_are_the_thirteen_and_match_the_keys(rows: tuple[MunicipalityRow, ...]) -> None:
    assert {row.district for row in rows} == set(DISTRICTS)
    assert all(row.key[:5] == DISTRICTS[row.district] for row in rows)
    per_district = Counter(row.district for row in rows)
    for city in ("Chemnitz", "Dresden", "Leipzig"):  # a kreisfreie Stadt is one municipality
        assert per_district[f"Kreisfreie Stadt {city}"] == 1


def test_populations_are_positive_and_add_up_to_saxony(rows: tuple[MunicipalityRow, ...]) -> None:
    assert all(row.population > 0 for row in rows)
    # Saxony had about 4.09 million inhabitants at the end of 2023.
    assert 4_000_000 < sum(row.population for row in rows) < 4_200_000
    by_key = {row.key: row for row in rows}
    assert by_key["14612000"].name == "Dresden, Stadt"
    assert 500_000 < by_key["14612000"].population < 600_000
    assert {row.population_date for row in rows} == {date(2023, 12, 31)}


def test_no_category_claims_to_be_verified(rows: tuple[MunicipalityRow, ...]) -> None:
    """The categories are derived, not read in LEP 2013: every row must say so. A row may be
    set to lep2013 only once someone has checked it there."""
    assert {row.area_category_source for row in rows} == {AreaCategorySource.ASSUMED}


def test_the_demo_municipalities_are_all_in_the_register(
    rows: tuple[MunicipalityRow, ...],
) -> None:
    keys = {row.key for row in rows}
    demo = shipped_rows(DEMO_FILE)[1]
    assert {row.key for row in demo} <= keys
    assert {row.area_category_source for row in demo} == {AreaCategorySource.ASSUMED}


def test_the_provenance_is_recorded_next_to_the_data_and_in_the_format_module() -> None:
    readme = (resources.files("grants.municipalities") / "data" / "README.md").read_text(
        encoding="utf-8"
    )
    docstring = csv_format.__doc__ or ""
    for text in (readme, docstring):
        assert INPUT_SHA256 in text
        assert "Destatis" in text
        assert "31.12.2024" in text
        assert "assumed" in text
    assert "Vervielfältigung und Verbreitung, auch auszugsweise, mit Quellenangabe" in readme
