"""Rebuild the shipped municipality register ``src/grants/municipalities/data/sachsen.csv``
from Destatis' Gemeindeverzeichnis (GV-ISys), "Gemeinden in Deutschland nach Fläche,
Bevölkerung und Postleitzahl" (the XLSX extract, e.g. ``AuszugGV4QAktuell.xlsx``).

    .venv/bin/python scripts/build_municipality_register.py AuszugGV4QAktuell_2024.xlsx

The input is checked against the SHA-256 recorded below (the edition the shipped file was
built from); a newer edition is refused until its hash is given with ``--sha256``, so that a
rebuild from an unexpected file cannot slip through. Afterwards update the provenance in
``src/grants/municipalities/data/README.md`` and ``csv_format.py``. Not run in tests.

What is taken from the source, per municipality (Satzart 60, Land 14): the 8-digit AGS
(Land + RB + Kreis + Gem), the official name, the district (Satzart 40 of the same Kreis),
the population "insgesamt" and its reference date (from the header).

The LEP 2013 area category is NOT in the source. Until it is verified against LEP 2013
(Karte 1 "Raumstruktur"), each row gets a derived category marked ``assumed``:

- population density ≥ 200 inhabitants/km² (one of LEP 2013's criteria for Verdichtung) and
  centroid within 15 km of the centroid of an Oberzentrum of a Verdichtungsraum (Leipzig,
  Dresden, Chemnitz, Zwickau), or the Oberzentrum itself: ``verdichtungsraum``;
- otherwise density ≥ 200/km²: ``verdichteter_bereich_im_laendlichen_raum``;
- otherwise: ``laendlicher_raum``.

This is a rough stand-in, not LEP 2013: LEP 2013 also weighs the share of settlement and
traffic area and the density of the settled area, and draws contiguous areas.
"""

import argparse
import csv
import hashlib
import math
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "grants" / "municipalities" / "data" / "sachsen.csv"
# Gemeinden in Deutschland … am 31.12.2024 (4. Quartal), Erscheinungsmonat Januar 2025.
EXPECTED_SHA256 = "f48d7d6d373da4d0cb530724ae1d6ccc48f7454135afa4324a8de46a3af922df"
SAXONY = "14"
HEADER = (
    "key",
    "name",
    "district",
    "population",
    "population_date",
    "area_category",
    "area_category_source",
)
# Oberzentren of LEP 2013's Verdichtungsräume (Chemnitz and Zwickau share one).
CORE_CITIES = ("14713000", "14612000", "14511000", "14524330")
DENSITY_THRESHOLD = 200.0  # inhabitants per km²
CORE_RADIUS_KM = 15.0
_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")

# Columns of the data sheet (0-based), as the Destatis extract lays them out.
SATZART, TEXTKENNZEICHEN, LAND, RB, KREIS, _VB, GEM, NAME, AREA, POPULATION = range(10)
LONGITUDE, LATITUDE = 14, 15


@dataclass(frozen=True, slots=True)
class Source:
    territory_date: date
    population_date: date
    districts: dict[str, str]
    rows: list[tuple[object, ...]]


def _date_in(text: object, what: str) -> date:
    found = _DATE.search(str(text))
    if found is None:
        raise SystemExit(f"no date for {what} in the header cell {text!r}")
    day, month, year = (int(part) for part in found.groups())
    return date(year, month, day)


def _district_name(kind: object, name: str) -> str:
    if kind == "41":  # Kreisfreie Stadt, written "Chemnitz, Stadt" in the source
        return f"Kreisfreie Stadt {name.removesuffix(', Stadt')}"
    if kind == "44":  # Landkreis; "Erzgebirgskreis" and "Vogtlandkreis" carry it in the name
        return name if name.endswith("kreis") else f"Landkreis {name}"
    raise SystemExit(f"unexpected kind of district {kind!r} for {name!r}")


def read_source(path: Path) -> Source:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = workbook[workbook.sheetnames[1]]
    all_rows = list(sheet.iter_rows(values_only=True))
    # Row 5 of the sheet names the territorial status (column C) and the population date (J).
    dates_row = all_rows[4]
    territory = _date_in(dates_row[LAND], "the territorial status")
    population = _date_in(dates_row[POPULATION], "the population")
    districts: dict[str, str] = {}
    rows: list[tuple[object, ...]] = []
    for row in all_rows:
        if row[LAND] != SAXONY:
            continue
        if row[SATZART] == "40":
            districts[f"{row[LAND]}{row[RB]}{row[KREIS]}"] = _district_name(
                row[TEXTKENNZEICHEN], str(row[NAME])
            )
        elif row[SATZART] == "60":
            rows.append(row)
    return Source(territory, population, districts, rows)


def _centroid(row: tuple[object, ...]) -> tuple[float, float]:
    return float(str(row[LONGITUDE]).replace(",", ".")), float(str(row[LATITUDE]).replace(",", "."))


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular approximation: accurate to well under 1 % at these distances."""
    (lon1, lat1), (lon2, lat2) = a, b
    rad = math.pi / 180
    x = (lon2 - lon1) * rad * math.cos((lat1 + lat2) / 2 * rad)
    y = (lat2 - lat1) * rad
    return 6371.0 * math.hypot(x, y)


def assumed_category(
    key: str, row: tuple[object, ...], cores: dict[str, tuple[float, float]]
) -> str:
    area = float(str(row[AREA]))
    density = int(str(row[POPULATION])) / area if area else 0.0
    if key in cores:
        return "verdichtungsraum"
    if density < DENSITY_THRESHOLD:
        return "laendlicher_raum"
    nearest = min(_distance_km(_centroid(row), core) for core in cores.values())
    if nearest <= CORE_RADIUS_KM:
        return "verdichtungsraum"
    return "verdichteter_bereich_im_laendlichen_raum"


def build(source: Source) -> list[tuple[str, ...]]:
    by_key = {f"{row[LAND]}{row[RB]}{row[KREIS]}{row[GEM]}": row for row in source.rows}
    cores = {key: _centroid(by_key[key]) for key in CORE_CITIES}
    out: list[tuple[str, ...]] = []
    for key in sorted(by_key):
        row = by_key[key]
        population = int(str(row[POPULATION]))
        if population <= 0:
            raise SystemExit(f"{key}: population {population} is not positive")
        out.append(
            (
                key,
                str(row[NAME]),
                source.districts[key[:5]],
                str(population),
                source.population_date.isoformat(),
                assumed_category(key, row, cores),
                "assumed",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the Destatis XLSX extract")
    parser.add_argument("--sha256", default=EXPECTED_SHA256, help="expected SHA-256 of SOURCE")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    digest = hashlib.sha256(args.source.read_bytes()).hexdigest()
    if digest != args.sha256:
        print(
            f"{args.source}: SHA-256 {digest} is not the expected {args.sha256}; "
            "pass --sha256 to accept this edition",
            file=sys.stderr,
        )
        return 1
    source = read_source(args.source)
    rows = build(source)
    with args.output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    print(
        f"{args.output}: {len(rows)} municipalities, territorial status "
        f"{source.territory_date}, population at {source.population_date}, source {digest}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
