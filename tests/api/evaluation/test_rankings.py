"""The manager's ranking over HTTP: order, thresholds, funding line with skip-and-continue,
disagreement, agreement (method named), z-scores only on request, the what-if simulation
(writes nothing) and the CSV/XLSX exports (formula injection neutralised); the grant and
title as submitted, not as edited since; ties shown as ties, also at the funding line."""

import io
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.api.evaluation.scoring_helpers import (
    asking,
    assign,
    evaluator,
    if_match,
    ranked_call,
    submitted_many,
    submitted_sheet,
)
from tests.applications_factories import applicant
from tests.evaluation_factories import to_review
from tests.factories import staff_headers
from tests.fakes import FakeClock


@pytest.fixture
async def call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await ranked_call(client, db_session, clock)


async def test_ranking_with_funding_line(client: httpx.AsyncClient, call: dict[str, Any]) -> None:
    apps, manager = call["apps"], call["manager"]
    response = await client.get(
        "/api/evaluation/rankings",
        params={"call": "demo", "funding_line": "mobile"},
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
    assert [(by_id[e["application_id"]], e["rank"], e["position"]) for e in entries] == [
        ("A", 1, 1),
        ("B", 2, 2),
        ("C", 3, 3),
        ("D", 4, 4),
    ]
    assert [e["tie_size"] for e in entries] == [1, 1, 1, 1]
    assert line["ties_at_funding_line"] == []
    assert body["policy"]["tie_break"] == ["K1"]  # no receipt time, no reference number
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
    entries = body["lines"][1]["entries"]
    assert entries[0]["final_score"] == "100.00"  # raw, of record; the order stays raw
    assert entries[0]["mean_z"] is not None
    assert all(t["z_score"] is not None for t in entries[0]["evaluator_totals"])
    assert [line["funding_line"] for line in body["lines"]] == ["stationary", "mobile"]
    assert body["lines"][0]["entries"] == []


async def test_given_budget_and_bad_parameters(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    manager = call["manager"]
    url = "/api/evaluation/rankings"
    bigger = await client.get(
        url,
        params={"call": "demo", "funding_line": "mobile", "budget": "1100000"},
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
        json={"call": "demo", "funding_line": "mobile", "budget": "1100000.00"},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["base"]["budget"] == "1000000.00" and body["base"]["funded"] == 2
    assert [m["application_id"] for m in body["moved_in"]] == [apps["B"]["id"]]
    assert [m["application_id"] for m in body["moved_out"]] == [apps["C"]["id"]]
    threshold = await client.post(
        "/api/evaluation/rankings/simulate",
        json={"call": "demo", "funding_line": "mobile", "minimum_total": "65"},
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
        json={"call": "demo", "funding_line": "mobile", "minimum_scores": {"K9": 2}},
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
        "mobile",
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
    assert rows[1][:3] == (1, "mobile", call["apps"]["A"]["reference_number"])
    header = list(rows[0])
    tie_column = header.index("Gleichstand an der Förderlinie (tie at the funding line)")
    assert [row[tie_column] for row in rows[1:]] == ["nein"] * 4
    assert float(rows[1][6]) == 100.0
    title_cell = sheet.cell(row=5, column=4)
    assert title_cell.value == "=HYPERLINK(1)" and title_cell.data_type == "s"
    assert workbook["Angaben"]["A1"].value == "Aufruf (call)"


async def _scored(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    application_ids: list[str],
    points: int = 4,
) -> None:
    """Three evaluators submit the same sheet for each application."""
    for _ in range(3):
        _, evaluator_id = await evaluator(client, db_session)
        for application_id in application_ids:
            assignment = await assign(db_session, application_id, evaluator_id)
            await submitted_sheet(db_session, assignment, application_id, evaluator_id, points)


async def test_the_ranking_uses_what_was_submitted_not_the_working_copy(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    [application] = await submitted_many(
        client, db_session, anna["headers"], asking("300000", title="Wie eingereicht")
    )
    url = f"/api/applications/{application['id']}"
    # Before the deadline the working copy stays editable without a new submission.
    current = (await client.get(url, headers=anna["headers"])).json()
    edited = asking("900000", title="Nachträglich geändert")
    patched = await client.patch(
        url,
        json={k: edited[k] for k in ("title", "cost_lines", "financing")},
        headers=if_match(anna["headers"], current["version"]),
    )
    assert patched.status_code == 200, patched.text
    await to_review(client, manager, clock, application["id"])
    await _scored(client, db_session, [application["id"]])
    # After the deadline, a hand edit of the working copy (past every service) as well.
    async with db_session.begin():
        await db_session.execute(
            sa.text("UPDATE applications SET requested_grant = 950000 WHERE id = :id"),
            {"id": uuid.UUID(application["id"])},
        )
    # The naive variant — the working copy's columns — would rank an amount never submitted.
    naive = (
        await db_session.execute(
            sa.text("SELECT title, requested_grant FROM applications WHERE id = :id"),
            {"id": uuid.UUID(application["id"])},
        )
    ).one()
    assert (naive.title, naive.requested_grant) == ("Nachträglich geändert", Decimal("950000.00"))
    response = await client.get(
        "/api/evaluation/rankings",
        params={"call": "demo", "funding_line": "mobile"},
        headers=manager,
    )
    [entry] = response.json()["lines"][0]["entries"]
    assert (entry["title"], entry["requested_grant"]) == ("Wie eingereicht", "300000.00")
    assert entry["funding_status"] == "funded"  # 300,000 fits the 1,000,000; 950,000 would too
    assert "300.000,00 EUR" in entry["explanation"]["de"]
    exported = await client.get(
        "/api/evaluation/rankings/export.csv", params={"call": "demo"}, headers=manager
    )
    text = exported.content.decode("utf-8")
    assert "Wie eingereicht" in text and "300000,00" in text
    assert "Nachträglich" not in text and "950000" not in text and "900000" not in text


async def test_a_tie_is_shown_as_a_tie_and_at_the_funding_line_left_to_the_jury(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    # Submitted one after the other: receipt time and reference number differ, nothing else.
    first, second = await submitted_many(
        client,
        db_session,
        anna["headers"],
        asking("600000", title="Erstes"),
        asking("600000", title="Zweites"),
    )
    await to_review(client, manager, clock, first["id"], second["id"])
    await _scored(client, db_session, [first["id"], second["id"]])
    url = "/api/evaluation/rankings"
    params = {"call": "demo", "funding_line": "mobile"}
    # Line budget 1,000,000: one of the two fits, and nothing but their order could choose.
    line = (await client.get(url, params=params, headers=manager)).json()["lines"][0]
    entries = line["entries"]
    assert [(e["rank"], e["position"], e["tie_size"]) for e in entries] == [(1, 1, 2), (1, 2, 2)]
    assert [e["reference_number"] for e in entries] == sorted(
        [first["reference_number"], second["reference_number"]]
    )  # displayed by reference number, and only displayed so
    assert all(e["tie_at_funding_line"] for e in entries)
    [tie] = line["ties_at_funding_line"]
    assert sorted(tie["application_ids"]) == sorted([first["id"], second["id"]])
    assert tie["rank"] == 1 and "die Jury entscheidet" in tie["explanation"]["de"]
    assert all("Gleichstand an der Förderlinie" in e["explanation"]["de"] for e in entries)
    # The jury is not handed a proposal that prefers one of them.
    decided = await client.put(
        f"/api/evaluation/decisions/{entries[1]['application_id']}",
        json={"recommendation": "recommended", "reason": "Jury: regionale Lücke größer."},
        headers=manager,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["proposed"] == "tie_at_funding_line"
    # The export marks both rows.
    exported = await client.get(f"{url}/export.csv", params=params, headers=manager)
    rows = [r.split(";") for r in exported.content.decode("utf-8").strip().split("\r\n")[1:]]
    assert all("Rang 1 geteilt von 2 Vorhaben" in row for row in rows)
    assert all("ja – die Jury entscheidet (vorläufig)" in row for row in rows)
    # With budget for both, they are still tied, but the line no longer cuts the tie.
    roomy = await client.get(url, params={**params, "budget": "1200000"}, headers=manager)
    line = roomy.json()["lines"][0]
    assert [(e["rank"], e["tie_size"], e["tie_at_funding_line"]) for e in line["entries"]] == [
        (1, 2, False),
        (1, 2, False),
    ]
    assert line["ties_at_funding_line"] == []
    assert [e["funding_status"] for e in line["entries"]] == ["funded", "funded"]


async def test_the_ranking_is_paged_per_line_and_the_pages_make_the_whole(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    manager = call["manager"]
    params = {"call": "demo", "funding_line": "mobile"}
    whole = (await client.get("/api/evaluation/rankings", params=params, headers=manager)).json()[
        "lines"
    ][0]
    assert (whole["entries_total"], whole["offset"], whole["next_offset"]) == (4, 0, None)
    pages, offset = [], 0
    while offset is not None:
        page = (
            await client.get(
                "/api/evaluation/rankings",
                params={**params, "limit": 3, "offset": offset},
                headers=manager,
            )
        ).json()["lines"][0]
        assert page["entries_total"] == 4
        assert page["committed"] == whole["committed"]  # the line is over all entries
        pages.append(page)
        offset = page["next_offset"]
    assert [len(p["entries"]) for p in pages] == [3, 1]
    assert [e for p in pages for e in p["entries"]] == whole["entries"]
    beyond = await client.get(
        "/api/evaluation/rankings", params={**params, "offset": 10}, headers=manager
    )
    assert beyond.status_code == 200 and beyond.json()["lines"][0]["entries"] == []
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        refused = await client.get(
            "/api/evaluation/rankings", params={**params, **bad}, headers=manager
        )
        assert refused.status_code == 422, bad  # the project maps bad parameters to 422
        assert next(iter(bad)) in refused.text
    # The exports are never paged.
    csv_lines = (
        (
            await client.get(
                "/api/evaluation/rankings/export.csv",
                params={**params, "limit": 1},
                headers=manager,
            )
        )
        .text.strip()
        .split("\r\n")
    )
    assert len(csv_lines) == 5
