"""Decisions (Bescheide) over HTTP: a manager drafts with the system's proposal beside the
draft, a named official releases; an approval binds its instalments on the line's budget in
the same transaction as the status change, the audit entries and the applicant's e-mail;
a decision the budget cannot carry is refused with nothing written; a partial approval
reasons every deviation; a rejection states its reasons and the discretion used; a second
approval, where the programme requires it, is a second person's."""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from tests.awards_factories import (
    INSTALMENTS_A,
    PROGRAMME,
    approval,
    budgets,
    decided_call,
    portal_consent,
    set_budget,
)
from tests.factories import staff_headers
from tests.fakes import FakeClock

YEARS = {2027: "1000000.00", 2028: "1000000.00", 2029: "1000000.00"}


@pytest.fixture
async def call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await decided_call(client, db_session, clock)


def _version(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def _draft(
    client: httpx.AsyncClient, headers: dict[str, str], application_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/api/applications/{application_id}/decisions", json=body, headers=headers
    )


async def _release(
    client: httpx.AsyncClient, headers: dict[str, str], draft: httpx.Response
) -> httpx.Response:
    return await client.post(
        f"/api/decisions/{draft.json()['id']}/release",
        headers={**headers, **_version(draft)},
    )


async def _ledger_rows(db_session: AsyncSession, application_id: str) -> list[Any]:
    rows = await db_session.execute(
        sa.text(
            "SELECT kind, fiscal_year, amount FROM ledger_entries WHERE application_id = :id "
            "ORDER BY fiscal_year"
        ),
        {"id": application_id},
    )
    return list(rows)


async def test_an_approval_is_drafted_released_and_binds_the_budget(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager, anna = call["apps"], call["manager"], call["applicant"]
    await budgets(client, manager, YEARS)
    a = apps["A"]["id"]

    draft = await _draft(client, manager, a, approval())
    assert draft.status_code == 201, draft.text
    body = draft.json()
    assert body["status"] == "draft" and body["max_amount"] == "600000.00"
    content = body["content"]
    assert [c["category"] for c in content["categories"]] == ["equipment"]
    assert content["categories"][0]["approved_rate"] == content["categories"][0]["guideline_rate"]
    assert content["financing"]["financing"] == "Anteilfinanzierung"
    assert content["anbest"]["set"] == "ANBest-P"  # a non-profit association
    assert content["approval_period"] == {"start": "2027-09-01", "end": "2029-08-31"}
    assert content["state_aid"]["rule"] == "de_minimis"
    assert content["early_start"]["rule"] == "not_started_before_receipt"
    assert "Widerspruch" in content["legal_remedy"]["form"]
    assert "E-Mail genügt nicht" in content["legal_remedy"]["form"]
    assert content["subsidy_relevant_facts"]["items"], "the named facts are carried over"

    # The applicant does not see staff drafts.
    assert (await client.get(f"/api/applications/{a}/decisions", headers=anna)).json() == []
    assert (await client.get(f"/api/decisions/{body['id']}", headers=anna)).status_code == 404

    released = await _release(client, manager, draft)
    assert released.status_code == 200, released.text
    fixed = released.json()
    assert fixed["status"] == "released"
    assert fixed["file_reference"] == f"{apps['A']['reference_number']}/B1"
    assert fixed["official_name"] and fixed["decision_date"] and fixed["content_hash"]
    application = (await client.get(f"/api/applications/{a}", headers=anna)).json()
    assert application["status"] == "approved"
    # Now the applicant reads it.
    listed = (await client.get(f"/api/applications/{a}/decisions", headers=anna)).json()
    assert [d["id"] for d in listed] == [fixed["id"]]

    rows = await _ledger_rows(db_session, a)
    assert [(r.kind, r.fiscal_year, str(r.amount)) for r in rows] == [
        ("commitment", i["fiscal_year"], i["amount"]) for i in INSTALMENTS_A
    ]
    overview = (await client.get(f"/api/programmes/{PROGRAMME}/budgets", headers=manager)).json()
    line_2028 = next(
        r for r in overview["rows"] if r["level"] == "line" and r["fiscal_year"] == 2028
    )
    assert line_2028["committed"] == "300000.00" and line_2028["free"] == "700000.00"
    programme_2028 = next(
        r for r in overview["rows"] if r["level"] == "programme" and r["fiscal_year"] == 2028
    )
    assert programme_2028["committed"] == "300000.00"
    ledger = (await client.get(f"/api/applications/{a}/ledger", headers=anna)).json()
    assert [y["committed"] for y in ledger["by_year"]] == ["100000.00", "300000.00", "200000.00"]

    actions = (
        await db_session.execute(
            sa.text("SELECT action FROM audit_log WHERE object_id IN (:a, :d) ORDER BY seq"),
            {"a": a, "d": fixed["id"]},
        )
    ).scalars()
    assert {"decision_drafted", "decision_released", "application_approved"} <= set(actions)
    mails = await db_session.execute(
        sa.text("SELECT subject FROM outbox_messages WHERE application_id = :id"), {"id": a}
    )
    assert any("Bewilligt" in subject for subject in mails.scalars())


async def test_a_released_decision_and_its_ledger_never_change(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    await budgets(client, manager, YEARS)
    a = apps["A"]["id"]
    released = await _release(client, manager, await _draft(client, manager, a, approval()))
    fixed = released.json()
    # Released is final: the service refuses, and so does the database.
    again = await _release(client, manager, released)
    assert again.status_code == 409
    with pytest.raises(DBAPIError, match="released"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE decisions SET max_amount = 1 WHERE id = :id"), {"id": fixed["id"]}
            )
    with pytest.raises(DBAPIError, match="append-only"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("DELETE FROM ledger_entries WHERE application_id = :id"), {"id": a}
            )


async def test_a_decision_the_budget_cannot_carry_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    await budgets(client, manager, {**YEARS, 2028: "250000.00"})
    a = apps["A"]["id"]
    draft = await _draft(client, manager, a, approval())
    refused = await _release(client, manager, draft)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("budget-exceeded")
    assert problem["fiscal_year"] == 2028 and problem["free"] == "250000.00"
    assert "reicht nicht" in problem["detail"]
    assert await _ledger_rows(db_session, a) == []
    application = (await client.get(f"/api/applications/{a}", headers=manager)).json()
    assert application["status"] == "application_check"
    decision = (await client.get(f"/api/decisions/{draft.json()['id']}", headers=manager)).json()
    assert decision["status"] == "draft" and decision["file_reference"] is None


async def test_a_year_without_a_line_budget_is_refused_naming_it(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    await budgets(client, manager, {2027: "1000000.00", 2029: "1000000.00"})
    draft = await _draft(client, manager, apps["A"]["id"], approval())
    refused = await _release(client, manager, draft)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("no-budget")
    assert refused.json()["fiscal_year"] == 2028
    assert await _ledger_rows(db_session, apps["A"]["id"]) == []


async def test_less_than_applied_for_is_a_partial_approval_with_reasons(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    await budgets(client, manager, YEARS)
    c = apps["C"]["id"]
    category = {"category": "equipment", "approved_cost": "300000.00", "approved_rate": "0.8"}
    less = [{"fiscal_year": 2027, "amount": "240000.00"}]
    as_approval = await _draft(
        client,
        manager,
        c,
        {"kind": "approval", "categories": [category], "instalments": less},
    )
    assert as_approval.status_code == 422
    rules = {p["rule"] for p in as_approval.json()["errors"]}
    assert "deviation_needs_partial_approval" in rules

    partial = {"kind": "partial_approval", "categories": [category], "instalments": less}
    unreasoned = await _draft(client, manager, c, partial)
    assert unreasoned.status_code == 422
    fields = {p["field"]: p["rule"] for p in unreasoned.json()["errors"]}
    assert fields["categories.0.deviation_reason"] == "missing"
    assert fields["discretion"] == "missing"

    above_rate = await _draft(
        client,
        manager,
        c,
        {**partial, "categories": [{**category, "approved_rate": "0.95"}]},
    )
    assert {p["rule"] for p in above_rate.json()["errors"]} >= {"above_guideline_rate"}

    reasoned = await _draft(
        client,
        manager,
        c,
        {
            **partial,
            "categories": [
                {**category, "deviation_reason": "Zwei Lastenräder sind nicht erforderlich."}
            ],
            "discretion": "Gleichbehandlung mit vergleichbaren mobilen Angeboten.",
        },
    )
    assert reasoned.status_code == 201, reasoned.text
    assert reasoned.json()["max_amount"] == "240000.00"
    released = await _release(client, manager, reasoned)
    assert released.status_code == 200, released.text
    state = (await client.get(f"/api/applications/{c}", headers=manager)).json()["status"]
    assert state == "partially_approved"


async def test_a_rejection_states_its_reasons_and_the_discretion_used(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    b = apps["B"]["id"]  # on the reserve list: not selected by a written decision
    bare = await _draft(client, manager, b, {"kind": "rejection"})
    assert bare.status_code == 422
    assert {p["field"] for p in bare.json()["errors"]} == {"reasons", "discretion"}
    granted_here = await _draft(client, manager, b, approval())
    assert granted_here.status_code == 409  # no approval before the formal application
    assert granted_here.json()["current_state"] == "jury_decided"

    reasons = [
        {
            "kind": "below_funding_line",
            "text": "Rang 2; die Mittel der Förderlinie reichen nach der Rangfolge nicht.",
        }
    ]
    draft = await _draft(
        client,
        manager,
        b,
        {
            "kind": "rejection",
            "reasons": reasons,
            "discretion": "Auswahl nach der Rangfolge der Jury, gleiche Maßstäbe für alle.",
        },
    )
    assert draft.status_code == 201, draft.text
    proposed = draft.json()["content"]["proposed_reasons"]
    assert any(r["kind"] == "below_funding_line" for r in proposed)
    assert draft.json()["max_amount"] is None
    released = await _release(client, manager, draft)
    assert released.status_code == 200, released.text
    state = (await client.get(f"/api/applications/{b}", headers=manager)).json()["status"]
    assert state == "not_selected"


async def test_a_second_approval_is_a_second_persons(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    await budgets(client, manager, YEARS)
    colleague = await staff_headers(
        client, db_session, StaffRole.PROGRAMME_MANAGER, email="zweite.person@sab.example"
    )
    settings = await client.put(
        f"/api/programmes/{PROGRAMME}/settings",
        json={"second_approval_required": True, "reason": "Vier-Augen-Prinzip"},
        headers=manager,
    )
    assert settings.status_code == 200, settings.text
    draft = await _draft(client, manager, apps["A"]["id"], approval())
    alone = await _release(client, manager, draft)
    assert alone.status_code == 409 and alone.json()["second_approval_required"] is True
    url = f"/api/decisions/{draft.json()['id']}/second-approval"
    own = await client.post(url, headers={**manager, **_version(draft)})
    assert own.status_code == 403
    approved = await client.post(url, headers={**colleague, **_version(draft)})
    assert approved.status_code == 200, approved.text
    by_approver = await _release(client, colleague, approved)
    assert by_approver.status_code == 403
    released = await _release(client, manager, approved)
    assert released.status_code == 200, released.text
    assert released.json()["second_approved_by"] == approved.json()["second_approved_by"]


async def test_only_managers_draft_and_strangers_see_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    from tests.applications_factories import applicant

    apps, manager, anna = call["apps"], call["manager"], call["applicant"]
    a = apps["A"]["id"]
    stranger = (await applicant(client))["headers"]
    evaluator = call["evaluators"][0][0]
    assert (await _draft(client, anna, a, approval())).status_code == 403
    draft = await _draft(client, manager, a, {"kind": "rejection"})
    assert draft.status_code == 422  # the manager's own draft, incomplete
    for headers in (stranger, evaluator):
        assert (
            await client.get(f"/api/applications/{a}/decisions", headers=headers)
        ).status_code == 404
        assert (
            await client.get(f"/api/applications/{a}/ledger", headers=headers)
        ).status_code == 404
    assert (
        await client.get(f"/api/programmes/{PROGRAMME}/budgets", headers=anna)
    ).status_code == 403


async def test_budgets_nest_and_never_fall_below_commitments(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    manager = call["manager"]
    orphan = await set_budget(client, manager, 2027, "100.00", call="demo")
    assert orphan.status_code == 409 and orphan.json()["type"].endswith("budget-below-commitments")
    assert (await set_budget(client, manager, 2027, "1000.00")).status_code == 200
    above = await set_budget(client, manager, 2027, "1000.01", call="demo")
    assert above.status_code == 409 and above.json()["parent_free"] == "1000.00"
    assert (await set_budget(client, manager, 2027, "600.00", call="demo")).status_code == 200
    below_child = await set_budget(client, manager, 2027, "599.99")
    assert below_child.status_code == 409 and below_child.json()["children"] == "600.00"
    for bad in ("-1.00", "1.001", "50.000"):
        refused = await set_budget(client, manager, 2027, bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"].endswith("cash_appropriation")
    unknown = await set_budget(client, manager, 2027, "1.00", call="demo", line="space")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "funding_line"
    assert (await client.get("/api/programmes/nope/budgets", headers=manager)).status_code == 404


async def test_dispatch_objection_and_portal_retrieval_give_the_standing(
    client: httpx.AsyncClient, call: dict[str, Any], clock: FakeClock
) -> None:
    from datetime import date, timedelta

    from grants.core.deadlines import berlin_date
    from grants.core.legal_dates import notification_date, objection_period_end

    apps, manager, anna = call["apps"], call["manager"], call["applicant"]
    await budgets(client, manager, YEARS)
    released = (
        await _release(client, manager, await _draft(client, manager, apps["A"]["id"], approval()))
    ).json()
    assert released["standing"]["status"] == "not_dispatched"
    assert released["standing"]["effective"] is False
    reports = released["standing"]["reports_due"]
    assert [(r["kind"], r["fiscal_year"]) for r in reports] == [
        ("interim", 2027),
        ("interim", 2028),
        ("final", None),
    ]
    assert reports[0]["due_on"] == "2028-05-02"  # 30 Apr 2028 is a Sunday, 1 May a holiday
    url = f"/api/decisions/{released['id']}/notices"
    today = berlin_date(clock.current)

    early = await client.post(
        url, json={"kind": "objection", "on_date": str(today)}, headers=manager
    )
    assert early.status_code == 409  # nothing dispatched yet
    future = await client.post(
        url,
        json={"kind": "dispatched", "channel": "post", "on_date": str(today + timedelta(days=1))},
        headers=manager,
    )
    assert future.status_code == 422 and future.json()["errors"][0]["rule"] == "in_future"
    no_channel = await client.post(
        url, json={"kind": "dispatched", "on_date": str(today)}, headers=manager
    )
    assert no_channel.status_code == 422
    assert (
        await client.post(
            url, json={"kind": "dispatched", "channel": "post", "on_date": str(today)}, headers=anna
        )
    ).status_code == 403

    posted = await client.post(
        url, json={"kind": "dispatched", "channel": "post", "on_date": str(today)}, headers=manager
    )
    assert posted.status_code == 201, posted.text
    standing = posted.json()["standing"]
    expected = notification_date("post", today, today=today).notified_on  # type: ignore[arg-type]
    assert expected is not None
    assert standing["notified_on"] == expected.isoformat()
    assert standing["objection_period_end"] == objection_period_end(expected).isoformat()
    assert standing["status"] == "notified"
    assert standing["notification_reason"]["de"]

    # The portal: only with the organisation's consent (§ 41 Abs. 2a VwVfG) …
    portal = {"kind": "dispatched", "channel": "portal", "on_date": str(today)}
    refused = await client.post(url, json=portal, headers=manager)
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("channel", "portal_consent_missing")
    ]
    await portal_consent(client, anna, apps["A"]["id"])
    # … made available today; the applicant's first opening is the retrieval.
    offered = await client.post(url, json=portal, headers=manager)
    assert offered.json()["standing"]["status"] == "awaiting_retrieval"
    opened = await client.get(f"/api/decisions/{released['id']}", headers=anna)
    assert opened.status_code == 200, opened.text
    kinds = [n["kind"] for n in opened.json()["standing"]["notices"]]
    assert kinds == ["dispatched", "dispatched", "retrieved"]
    assert opened.json()["standing"]["notified_on"] > str(today)
    again = await client.get(f"/api/decisions/{released['id']}", headers=anna)
    assert [n["kind"] for n in again.json()["standing"]["notices"]] == kinds  # once only
    # A manager opening it is no retrieval.
    seen = await client.get(f"/api/decisions/{released['id']}", headers=manager)
    assert len(seen.json()["standing"]["notices"]) == 3
    assert date.fromisoformat(seen.json()["standing"]["objection_period_end"]) > today


async def test_the_draft_takes_the_formal_applications_years_and_bank_account(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    apps, manager = call["apps"], call["manager"]
    draft = await _draft(client, manager, apps["A"]["id"], {"kind": "approval"})
    assert draft.status_code == 201, draft.text
    content = draft.json()["content"]
    assert content["instalments"] == [
        {"fiscal_year": 2027, "amount": "150000.00"},
        {"fiscal_year": 2028, "amount": "300000.00"},
        {"fiscal_year": 2029, "amount": "150000.00"},
    ]
    formal = content["formal_application"]
    assert formal["reference_number"] == f"{apps['A']['reference_number']}-A"
    assert formal["bank_account"]["iban"] == "DE89370400440532013000"
    assert formal["register"] == {"court": "Amtsgericht Leipzig", "number": "VR 4711"}
    # The early start is judged against the formal application's receipt.
    assert content["early_start"]["facts"]["received_on"] == formal["received_at"][:10]
