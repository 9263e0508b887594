"""The managers' dashboard over HTTP, on a state built through the API: the demo call decided
(``decided_call``, with C's project in Dresden instead of Schneeberg), budgets on every level,
A approved as applied for (600,000 over 2027–2029) and C approved in part (240,000 in 2027),
B on the reserve list, D still in review, and two drafts of another applicant (one discarded)
that staff never see. A payment, a refund and a de-commitment are appended to the ledger
directly (it accepts inserts only), not through their services: their instants are chosen
around the Berlin month boundaries, which a payment order (dated by the clock, after the
award's notification) cannot hit."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.areas import AreaCategory, AreaCategorySource
from grants.core.deadlines import BERLIN
from grants.municipalities.csv_format import MunicipalityRow
from grants.municipalities.service import import_municipalities
from tests.api.evaluation import scoring_helpers
from tests.applications_factories import applicant, draft
from tests.awards_factories import PROGRAMME, approval, budgets, decided_call, step
from tests.factories import system_context
from tests.fakes import FakeClock

YEARS = {2027: "1000000.00", 2028: "1000000.00", 2029: "1000000.00"}
SCHNEEBERG, DRESDEN = "14521530", "14612000"
URL = f"/api/programmes/{PROGRAMME}/dashboard"

# Appended to the ledger directly: (kind, application, year, amount, at).
# 22:30 UTC on 30 June is 00:30 on 1 July in Berlin (CEST): a July movement.
PAYMENT_AT = datetime(2027, 6, 30, 22, 30, tzinfo=UTC)
REFUND_AT = datetime(2027, 8, 15, 10, 0, tzinfo=UTC)
# 21:59:59 UTC on 31 July is still July in Berlin.
DECOMMITMENT_AT = datetime(2027, 7, 31, 21, 59, 59, tzinfo=UTC)


@pytest.fixture
async def call(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    # Drafts of another applicant while the call is open: never counted.
    stranger = (await applicant(client))["headers"]
    await draft(client, stranger, title="Nur ein Entwurf")
    given_up = await draft(client, stranger, title="Verworfen")
    await step(client, stranger, given_up["id"], "discard")

    # ``decided_call`` as the decisions tests use it, with C's project in Dresden.
    asking = scoring_helpers.asking

    def located(grant: str, **fields: Any) -> dict[str, Any]:
        where = DRESDEN if fields.get("title") == "Gamma" else SCHNEEBERG
        return asking(grant, municipality_key=where, **fields)

    monkeypatch.setattr(scoring_helpers, "asking", located)
    return await decided_call(client, db_session, clock)


async def _release(
    client: httpx.AsyncClient, headers: dict[str, str], application_id: str, body: dict[str, Any]
) -> None:
    drafted = await client.post(
        f"/api/applications/{application_id}/decisions", json=body, headers=headers
    )
    assert drafted.status_code == 201, drafted.text
    released = await client.post(
        f"/api/decisions/{drafted.json()['id']}/release",
        headers={**headers, "If-Match": drafted.headers["etag"]},
    )
    assert released.status_code == 200, released.text


PARTIAL_C = {
    "kind": "partial_approval",
    "categories": [
        {
            "category": "equipment",
            "approved_cost": "300000.00",
            "approved_rate": "0.8",
            "deviation_reason": "Zwei Lastenräder sind nicht erforderlich.",
        }
    ],
    "instalments": [{"fiscal_year": 2027, "amount": "240000.00"}],
    "discretion": "Gleichbehandlung mit vergleichbaren mobilen Angeboten.",
}


async def _append(
    db_session: AsyncSession, kind: str, application_id: str, year: int, amount: str, at: datetime
) -> None:
    async with db_session.begin():
        await db_session.execute(
            sa.text(
                "INSERT INTO ledger_entries (kind, application_id, guideline_id, call_code, "
                "funding_line, fiscal_year, amount, actor_label, reason, occurred_at) VALUES "
                "(:kind, :app, :programme, 'demo', 'mobile', :year, :amount, 'test', "
                "'direkt (direct)', :at)"
            ),
            {
                "kind": kind,
                "app": application_id,
                "programme": PROGRAMME,
                "year": year,
                "amount": Decimal(amount),
                "at": at,
            },
        )


@pytest.fixture
async def awarded(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any], clock: FakeClock
) -> dict[str, Any]:
    apps, manager = call["apps"], call["manager"]
    await budgets(client, manager, YEARS)
    await _release(client, manager, apps["A"]["id"], approval())
    await _release(client, manager, apps["C"]["id"], PARTIAL_C)
    await _append(db_session, "payment", apps["A"]["id"], 2027, "50000.00", PAYMENT_AT)
    await _append(db_session, "refund", apps["A"]["id"], 2027, "5000.00", REFUND_AT)
    await _append(db_session, "decommitment", apps["C"]["id"], 2027, "40000.00", DECOMMITMENT_AT)
    released_month = clock.current.astimezone(BERLIN).strftime("%Y-%m")
    return {**call, "released_month": released_month}


def _budget_row(body: dict[str, Any], level: str, year: int) -> dict[str, Any]:
    [row] = [r for r in body["budget"]["rows"] if r["level"] == level and r["fiscal_year"] == year]
    return row


def _months_between(first: str, last: str) -> int:
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, last.split("-")))
    return (y2 - y1) * 12 + (m2 - m1) + 1


async def test_the_dashboard_shows_budget_pipeline_awards_and_series(
    client: httpx.AsyncClient, awarded: dict[str, Any]
) -> None:
    response = await client.get(URL, headers=awarded["manager"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["guideline_id"] == PROGRAMME
    assert body["filters"] == {"call": None, "fiscal_year": None}

    # Budget: the budgets overview's rows, ledger included (C: 240,000 − 40,000 in 2027).
    line_2027 = _budget_row(body, "line", 2027)
    assert line_2027["committed"] == "300000.00"
    assert line_2027["paid"] == "45000.00"  # 50,000 paid − 5,000 refunded
    assert line_2027["open"] == "255000.00" and line_2027["free"] == "700000.00"
    assert line_2027["refunded"] == "5000.00"
    for level in ("programme", "call", "line"):
        assert _budget_row(body, level, 2028)["committed"] == "300000.00"
        assert _budget_row(body, level, 2029)["committed"] == "200000.00"
    assert len(body["budget"]["rows"]) == 9
    assert "Annahme" in body["budget"]["assumption"]

    # Pipeline: what staff see, in lifecycle order; no drafts, nothing discarded.
    assert [
        (r["call_code"], r["status"], r["applications"], r["requested_grant"])
        for r in body["pipeline"]
    ] == [
        ("demo", "in_review", 1, "100000.00"),
        ("demo", "jury_decided", 1, "500000.00"),
        ("demo", "approved", 1, "600000.00"),
        ("demo", "partially_approved", 1, "300000.00"),
    ]
    assert body["pipeline"][2]["status_label"] == "Bewilligt (approved)"

    # Awards by district: the register's districts, the ledger's net commitments.
    assert body["awards_by_district"] == [
        {
            "district_code": "14521",
            "district": "Erzgebirgskreis",
            "awards": 1,
            "committed": "600000.00",
        },
        {
            "district_code": "14612",
            "district": "Kreisfreie Stadt Dresden",
            "awards": 1,
            "committed": "200000.00",
        },
    ]

    # Rural or urban: both categories are assumptions of the shipped register, and say so.
    areas = {r["area"]: r for r in body["awards_by_area"]["rows"]}
    assert set(areas) == {"rural", "urban"}
    assert (areas["rural"]["awards"], areas["rural"]["committed"]) == (1, "600000.00")
    assert (areas["urban"]["awards"], areas["urban"]["committed"]) == (1, "200000.00")
    assert areas["rural"]["category_assumed"] == 1 and areas["urban"]["category_assumed"] == 1
    assert [c["area_category"] for c in areas["rural"]["categories"]] == [
        "verdichteter_bereich_im_laendlichen_raum"
    ]
    assert [c["area_category"] for c in areas["urban"]["categories"]] == ["verdichtungsraum"]
    assert "angenommen" in body["awards_by_area"]["assumption"]

    # Series: Berlin months, gross and net, gaps filled with zeros.
    series = body["series"]
    first, last = awarded["released_month"], "2027-08"
    assert series[0]["month"] == first and series[-1]["month"] == last
    assert len(series) == _months_between(first, last)
    by_month = {m["month"]: m for m in series}
    assert by_month[first]["committed"] == "840000.00"  # A 600,000 + C 240,000
    assert by_month[first]["net_committed"] == "840000.00"
    july, august = by_month["2027-07"], by_month["2027-08"]
    assert (july["paid"], july["decommitted"], july["net_committed"]) == (
        "50000.00",
        "40000.00",
        "-40000.00",
    )
    assert (august["refunded"], august["net_paid"]) == ("5000.00", "-5000.00")
    assert by_month["2027-06"]["paid"] == "0.00"  # 30 June 22:30 UTC is July in Berlin
    totals = {
        key: sum(Decimal(m[key]) for m in series)
        for key in ("net_committed", "net_paid", "committed")
    }
    assert totals == {
        "net_committed": Decimal("800000.00"),
        "net_paid": Decimal("45000.00"),
        "committed": Decimal("840000.00"),
    }


async def test_a_category_checked_in_lep_2013_is_not_counted_as_assumed(
    client: httpx.AsyncClient, db_session: AsyncSession, awarded: dict[str, Any]
) -> None:
    row = MunicipalityRow(
        key=DRESDEN,
        name="Dresden, Stadt",
        district="Kreisfreie Stadt Dresden",
        population=566222,
        area_category=AreaCategory.VERDICHTUNGSRAUM,
        area_category_source=AreaCategorySource.LEP2013,
    )
    await import_municipalities(
        system_context(db_session), [row], source_sha256="0" * 64, source_name="korrektur.csv"
    )
    body = (await client.get(URL, headers=awarded["manager"])).json()
    areas = {r["area"]: r for r in body["awards_by_area"]["rows"]}
    assert areas["urban"]["category_assumed"] == 0
    assert areas["rural"]["category_assumed"] == 1


async def test_filters_narrow_the_figures(
    client: httpx.AsyncClient, awarded: dict[str, Any]
) -> None:
    manager = awarded["manager"]
    year = (await client.get(URL, params={"fiscal_year": 2028}, headers=manager)).json()
    assert year["filters"] == {"call": None, "fiscal_year": 2028}
    assert {r["fiscal_year"] for r in year["budget"]["rows"]} == {2028}
    assert len(year["budget"]["rows"]) == 3
    # Counts stay all awards; the amounts are 2028's (C has nothing in 2028).
    assert [(r["district"], r["awards"], r["committed"]) for r in year["awards_by_district"]] == [
        ("Erzgebirgskreis", 1, "300000.00"),
        ("Kreisfreie Stadt Dresden", 1, "0.00"),
    ]
    assert [(m["month"], m["committed"]) for m in year["series"]] == [
        (awarded["released_month"], "300000.00")
    ]
    assert len(year["pipeline"]) == 4  # applications have no fiscal year

    demo = (await client.get(URL, params={"call": "demo"}, headers=manager)).json()
    assert {r["level"] for r in demo["budget"]["rows"]} == {"call", "line"}
    assert sum(r["applications"] for r in demo["pipeline"]) == 4

    unknown = await client.get(URL, params={"call": "nope"}, headers=manager)
    assert unknown.status_code == 422, unknown.text
    problem = unknown.json()
    assert problem["errors"][0]["field"] == "call"
    assert problem["errors"][0]["rule"] == "unknown_code"
    assert "demo" in problem["errors"][0]["message"]
    assert unknown.headers["content-type"].startswith("application/problem+json")
    bad_year = await client.get(URL, params={"fiscal_year": 1999}, headers=manager)
    assert bad_year.status_code == 422
    assert bad_year.json()["errors"][0]["field"] == "query.fiscal_year"


async def test_an_empty_programme_has_budgets_and_no_figures(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    body = (await client.get(URL, headers=call["manager"])).json()
    assert body["budget"]["rows"] == []
    assert body["awards_by_district"] == [] and body["series"] == []
    assert [(r["area"], r["awards"]) for r in body["awards_by_area"]["rows"]] == [
        ("rural", 0),
        ("urban", 0),
    ]


def _csv(response: httpx.Response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


async def test_each_table_exports_as_csv(
    client: httpx.AsyncClient, awarded: dict[str, Any]
) -> None:
    manager = awarded["manager"]
    districts = await client.get(f"{URL}.csv", params={"table": "districts"}, headers=manager)
    assert districts.status_code == 200, districts.text
    assert districts.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        districts.headers["content-disposition"]
        == f'attachment; filename="dashboard-{PROGRAMME}-districts.csv"'
    )
    assert _csv(districts) == [
        [
            "Kreisschlüssel (district code)",
            "Landkreis / Kreisfreie Stadt (district)",
            "Vorhaben (awards)",
            "Gebunden EUR (committed)",
        ],
        ["14521", "Erzgebirgskreis", "1", "600000,00"],
        ["14612", "Kreisfreie Stadt Dresden", "1", "200000,00"],
    ]

    series = await client.get(
        f"{URL}.csv", params={"table": "series", "fiscal_year": 2027}, headers=manager
    )
    assert (
        series.headers["content-disposition"]
        == f'attachment; filename="dashboard-{PROGRAMME}-2027-series.csv"'
    )
    rows = _csv(series)
    assert rows[0][0] == "Monat (month, Europe/Berlin)"
    july = next(r for r in rows if r[0] == "2027-07")
    assert july == ["2027-07", "0,00", "40000,00", "-40000,00", "50000,00", "0,00", "50000,00"]

    pipeline = _csv(await client.get(f"{URL}.csv", params={"table": "pipeline"}, headers=manager))
    assert pipeline[1:] == [
        ["demo", "in_review", "In Bewertung (in review)", "1", "100000,00"],
        ["demo", "jury_decided", pipeline[2][2], "1", "500000,00"],
        ["demo", "approved", "Bewilligt (approved)", "1", "600000,00"],
        ["demo", "partially_approved", pipeline[4][2], "1", "300000,00"],
    ]
    budget = _csv(await client.get(f"{URL}.csv", params={"table": "budget"}, headers=manager))
    assert budget[0][7] == "Gebunden EUR (committed)" and len(budget) == 10
    areas = _csv(await client.get(f"{URL}.csv", params={"table": "areas"}, headers=manager))
    assert [r[2:] for r in areas[1:]] == [["1", "600000,00", "1"], ["1", "200000,00", "1"]]

    refused = await client.get(f"{URL}.csv", params={"table": "nope"}, headers=manager)
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["errors"]
    assert problem["field"] == "query.table" and "districts" in problem["message"]
    # A missing parameter is a malformed request (400), as everywhere in the API.
    missing = await client.get(f"{URL}.csv", headers=manager)
    assert missing.status_code == 400 and "table" in missing.json()["detail"], missing.text
    bad_call = await client.get(
        f"{URL}.csv", params={"table": "budget", "call": "nope"}, headers=manager
    )
    assert bad_call.status_code == 422 and bad_call.json()["errors"][0]["field"] == "call"


async def test_all_tables_export_as_xlsx_sheets(
    client: httpx.AsyncClient, awarded: dict[str, Any]
) -> None:
    response = await client.get(f"{URL}.xlsx", params={"call": "demo"}, headers=awarded["manager"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="dashboard-{PROGRAMME}-demo.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Budget", "Pipeline", "Kreise", "Raum", "Zeitreihe", "Angaben"]
    districts = [[c.value for c in row] for row in book["Kreise"].iter_rows()]
    assert districts[1:] == [
        ["14521", "Erzgebirgskreis", 1, 600000],
        ["14612", "Kreisfreie Stadt Dresden", 1, 200000],
    ]
    assert book["Kreise"]["D2"].number_format == "#,##0.00"
    assert book["Kreise"]["A2"].data_type == "s"
    budget = [[c.value for c in row] for row in book["Budget"].iter_rows()]
    assert len(budget) == 7  # header + call and line × 3 years (no programme rows)
    about = {row[0].value: row[1].value for row in book["Angaben"].iter_rows()}
    assert about["Aufruf (call)"] == "demo"
    assert "angenommen" in about["Raum (area)"]


async def test_only_managers_see_the_dashboard(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    manager, anna = call["manager"], call["applicant"]
    evaluator = call["evaluators"][0][0]
    for path in ("", ".csv?table=budget", ".xlsx"):
        for headers in (anna, evaluator):
            assert (await client.get(URL + path, headers=headers)).status_code == 403
        assert (await client.get(URL + path)).status_code == 401
        unknown = await client.get(f"/api/programmes/nope/dashboard{path}", headers=manager)
        assert unknown.status_code == 404, unknown.text
