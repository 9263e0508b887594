"""The manager's ranking over HTTP: order, thresholds, funding line with skip-and-continue,
disagreement, agreement (method named), z-scores only on request, the what-if simulation
(writes nothing) and the CSV/XLSX exports (formula injection neutralised)."""

import io
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.evaluation.scoring_helpers import ranked_call


@pytest.fixture
async def call(client: httpx.AsyncClient, db_session: AsyncSession) -> dict[str, Any]:
    return await ranked_call(client, db_session)


async def test_ranking_with_funding_line(client: httpx.AsyncClient, call: dict[str, Any]) -> None:
    apps, manager = call["apps"], call["manager"]
    response = await client.get(
        "/api/evaluation/rankings",
        params={"call": "demo", "funding_line": "stationary"},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agreement"]["totals"]["method"].startswith("Krippendorff's alpha")
    assert set(body["agreement"]["criteria"]) == {f"K{i}" for i in range(1, 7)}
    assert body["evaluator_profiles"] is None
    [line] = body["lines"]
    assert line["budget"] == "1000000.00" and "gleichen Teilen" in line["budget_rule"]
    entries = line["entries"]
    by_id = {a["id"]: k for k, a in apps.items()}
    assert [(by_id[e["application_id"]], e["rank"]) for e in entries] == [
        ("A", 1),
        ("B", 2),
        ("C", 3),
        ("D", 4),
    ]
    summary = [
        (e["final_score"], e["evaluations"], e["funding_status"], e["not_funded_reason"])
        for e in entries
    ]
    assert summary == [
        ("100.00", 3, "funded", None),  # the conflicted evaluator's zeros do not count
        ("80.00", 3, "reserve", "budget"),
        ("60.00", 3, "funded", None),
        (None, 0, "not_funded", "threshold"),
    ]
    assert line["committed"] == "900000.00" and line["remaining"] == "100000.00"
    gamma = entries[2]
    assert gamma["needs_moderation"] is True
    assert [d["criterion"] for d in gamma["disagreements"]] == ["K2"]
    assert gamma["criterion_means"]["K2"] == "3.00"
    assert entries[0]["needs_moderation"] is False
    assert entries[3]["threshold_failures"][0]["rule"] == "minimum_evaluators"
    assert "Nachrückerliste" in entries[1]["explanation"]["de"]


async def test_normalised_scores_beside_raw(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    response = await client.get(
        "/api/evaluation/rankings",
        params={"call": "demo", "normalised": "true"},
        headers=call["manager"],
    )
    body = response.json()
    assert len(body["evaluator_profiles"]) == 3
    entries = body["lines"][0]["entries"]
    assert entries[0]["final_score"] == "100.00"  # raw, of record; the order stays raw
    assert entries[0]["mean_z"] is not None
    assert all(t["z_score"] is not None for t in entries[0]["evaluator_totals"])
    assert [line["funding_line"] for line in body["lines"]] == ["stationary", "mobile"]
    assert body["lines"][1]["entries"] == []


async def test_given_budget_and_bad_parameters(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    manager = call["manager"]
    url = "/api/evaluation/rankings"
    bigger = await client.get(
        url,
        params={"call": "demo", "funding_line": "stationary", "budget": "1100000"},
        headers=manager,
    )
    line = bigger.json()["lines"][0]
    assert [e["funding_status"] for e in line["entries"]] == [
        "funded",
        "funded",
        "reserve",
        "not_funded",
    ]
    assert "vorgegeben" in line["budget_rule"]
    unknown_call = await client.get(url, params={"call": "nope"}, headers=manager)
    assert unknown_call.status_code == 404
    unknown_line = await client.get(
        url, params={"call": "demo", "funding_line": "x"}, headers=manager
    )
    assert unknown_line.status_code == 422
    no_line = await client.get(url, params={"call": "demo", "budget": "5"}, headers=manager)
    assert no_line.status_code == 422
    assert (await client.get(url, headers=manager)).status_code == 400


async def test_simulation_shows_who_moves_and_writes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    count = sa.text(
        "SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM jury_decisions)"
    )
    before = (await db_session.execute(count)).scalar_one()
    response = await client.post(
        "/api/evaluation/rankings/simulate",
        json={"call": "demo", "funding_line": "stationary", "budget": "1100000.00"},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["base"]["budget"] == "1000000.00" and body["base"]["funded"] == 2
    assert [m["application_id"] for m in body["moved_in"]] == [apps["B"]["id"]]
    assert [m["application_id"] for m in body["moved_out"]] == [apps["C"]["id"]]
    threshold = await client.post(
        "/api/evaluation/rankings/simulate",
        json={"call": "demo", "funding_line": "stationary", "minimum_total": "65"},
        headers=manager,
    )
    body = threshold.json()
    assert body["scenario"]["minimum_total"] == "65"
    # C (60.00) falls below 65; B still does not fit into what A leaves.
    assert [(m["application_id"], m["after"]) for m in body["changed"]] == [
        (apps["C"]["id"], "not_funded")
    ]
    assert body["moved_in"] == [] and body["scenario"]["funded"] == 1
    bad = await client.post(
        "/api/evaluation/rankings/simulate",
        json={"call": "demo", "funding_line": "stationary", "minimum_scores": {"K9": 2}},
        headers=manager,
    )
    assert bad.status_code == 422
    assert (await db_session.execute(count)).scalar_one() == before


async def test_exports(client: httpx.AsyncClient, call: dict[str, Any]) -> None:
    manager = call["manager"]
    csv_response = await client.get(
        "/api/evaluation/rankings/export.csv", params={"call": "demo"}, headers=manager
    )
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["content-disposition"]
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeffRang (rank);")
    lines = text.strip().split("\r\n")
    assert len(lines) == 5
    assert lines[1].split(";")[:8] == [
        "1",
        "stationary",
        call["apps"]["A"]["reference_number"],
        "Alpha",
        "in_review",
        "600000,00",
        "100,00",
        "3",
    ]
    assert ";'=HYPERLINK(1);" in lines[4]  # an applicant's formula stays text

    xlsx_response = await client.get(
        "/api/evaluation/rankings/export.xlsx", params={"call": "demo"}, headers=manager
    )
    assert xlsx_response.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx_response.content))
    sheet = workbook["Rangliste"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5
    assert rows[1][:3] == (1, "stationary", call["apps"]["A"]["reference_number"])
    assert float(rows[1][6]) == 100.0
    title_cell = sheet.cell(row=5, column=4)
    assert title_cell.value == "=HYPERLINK(1)" and title_cell.data_type == "s"
    assert workbook["Angaben"]["A1"].value == "Aufruf (call)"
