"""Proofs of use (Verwendungsnachweise) over HTTP, on A's notified approval (600,000: equipment
750,000 at 80 %; ``notified_award``): the recipient drafts, is told what is missing, submits a
complete proof fixed by its hash; a manager checks it — in detail where the sample or its
absence requires — and accepting the final proof computes the final grant against what was
paid and proposes the decision it leads to, staff-only. Returned proofs are completed by a
new one. Nothing refused is written."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.letters.content import decision_letter
from grants.letters.render import render_html
from tests.awards_factories import PROGRAMME, notified_award, order_payment
from tests.fakes import FakeClock
from tests.unit.letters.sample import LETTERHEAD as LETTERS_LETTERHEAD

SAMPLES = f"/api/calls/{PROGRAMME}/demo/proof-samples"


@pytest.fixture
async def award(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await notified_award(client, db_session, clock)


def _etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


def _receipt(today: Any, number: str, amount: str, **overrides: Any) -> dict[str, Any]:
    return {
        "number": number,
        "paid_on": str(today - timedelta(days=3)),
        "payee": "Werkzeughandel Aue GmbH",
        "reason": "Lasercutter",
        "category": "equipment",
        "amount": amount,
        **overrides,
    }


def _complete(today: Any) -> dict[str, Any]:
    return {
        "factual_report": "Die Werkstatt ist eingerichtet und seit März geöffnet.",
        "costs": [{"category": "equipment", "amount": "700000.00"}],
        "receipts": [
            _receipt(today, "1", "400000.00"),
            _receipt(today, "2", "300000.00", reason="Lastenräder"),
        ],
        "third_party_funds": "0.00",
    }


async def _submitted_final(client: httpx.AsyncClient, award: dict[str, Any]) -> httpx.Response:
    anna = award["applicant"]
    created = await client.post(
        f"/api/applications/{award['a']}/proofs-of-use",
        json={"kind": "final", **_complete(award["today"])},
        headers=anna,
    )
    assert created.status_code == 201, created.text
    submitted = await client.post(
        f"/api/proofs-of-use/{created.json()['id']}/submission", headers={**anna, **_etag(created)}
    )
    assert submitted.status_code == 200, submitted.text
    return submitted


async def _subjects(db_session: AsyncSession, application_id: str) -> list[str]:
    rows = await db_session.execute(
        sa.text("SELECT subject FROM outbox_messages WHERE application_id = :id"),
        {"id": application_id},
    )
    await db_session.commit()
    return list(rows.scalars())


async def test_a_draft_names_what_is_missing_and_is_the_recipients_alone(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, anna, manager, today = award["a"], award["applicant"], award["manager"], award["today"]
    created = await client.post(
        f"/api/applications/{a}/proofs-of-use",
        json={"kind": "final", "costs": [{"category": "equipment", "amount": "700000.00"}]},
        headers=anna,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["number"] == 1 and body["version"] == 1
    assert body["due_on"] is not None  # six months after the approval period ends
    assert {(p["field"], p["rule"]) for p in body["problems"]} == {
        ("factual_report", "required"),
        ("costs.0.amount", "receipts_sum"),
    }
    url = f"/api/proofs-of-use/{body['id']}"

    # Submitting it as it stands: 422 naming each problem, and it stays a draft.
    refused = await client.post(f"{url}/submission", headers={**anna, **_etag(created)})
    assert refused.status_code == 422, refused.text
    assert ("costs.0.amount", "receipts_sum") in {
        (e["field"], e["rule"]) for e in refused.json()["errors"]
    }
    assert (await client.get(url, headers=anna)).json()["status"] == "draft"

    # Staff see neither the draft nor its listing entry.
    assert (await client.get(url, headers=manager)).status_code == 404
    assert (await client.get(f"/api/applications/{a}/proofs-of-use", headers=manager)).json() == []

    # A receipt in the future and one in a category not declared are named too.
    saved = await client.put(
        url,
        json={
            **_complete(today),
            "receipts": [
                _receipt(today, "1", "700000.00", paid_on=str(today + timedelta(days=1))),
                _receipt(today, "2", "10.00", category="staff"),
            ],
        },
        headers={**anna, **_etag(created)},
    )
    assert saved.status_code == 200, saved.text
    assert {(p["field"], p["rule"]) for p in saved.json()["problems"]} == {
        ("receipts.0.paid_on", "in_future"),
        ("receipts.1.category", "not_declared"),
    }
    stale = await client.put(url, json=_complete(today), headers={**anna, **_etag(created)})
    assert stale.status_code == 412
    fixed = await client.put(url, json=_complete(today), headers={**anna, **_etag(saved)})
    assert fixed.json()["problems"] == [] and fixed.json()["version"] == 3


async def test_submitted_it_is_fixed_by_its_hash_and_receipted(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    anna = award["applicant"]
    submitted = await _submitted_final(client, award)
    body = submitted.json()
    assert body["status"] == "submitted" and len(body["receipt_hash"]) == 64
    assert body["submitted_at"] is not None
    url = f"/api/proofs-of-use/{body['id']}"
    again = await client.put(
        url, json=_complete(award["today"]), headers={**anna, **_etag(submitted)}
    )
    assert again.status_code == 409
    assert any(
        "Eingangsbestätigung Verwendungsnachweis" in s
        for s in await _subjects(db_session, award["a"])
    )
    # A second final proof while this one is open: 409.
    second = await client.post(
        f"/api/applications/{award['a']}/proofs-of-use", json={"kind": "final"}, headers=anna
    )
    assert second.status_code == 409, second.text
    # The database keeps the submitted content whatever the service does.
    with pytest.raises(sa.exc.DBAPIError, match="cannot change"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE proofs_of_use SET factual_report = 'anders' WHERE id = :id"),
                {"id": body["id"]},
            )
    with pytest.raises(sa.exc.DBAPIError, match="never deleted"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("DELETE FROM proofs_of_use WHERE id = :id"), {"id": body["id"]}
            )


async def test_accepting_the_final_proof_proposes_a_reclaim_of_what_was_overpaid(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    manager, anna = award["manager"], award["applicant"]
    await order_payment(client, award, "150000.00")
    submitted = await _submitted_final(client, award)
    url = f"/api/proofs-of-use/{submitted.json()['id']}/check"
    # No sample covers the case: a summary check is refused, and the receipts looked at
    # must be named for a detailed one.
    summary = await client.post(
        url,
        json={
            "outcome": "accepted",
            "scope": "summary",
            "recognised": [{"category": "equipment", "amount": "100000.00"}],
        },
        headers={**manager, **_etag(submitted)},
    )
    assert summary.status_code == 422, summary.text
    assert {(e["field"], e["rule"]) for e in summary.json()["errors"]} == {
        ("scope", "detailed_required")
    }
    too_much = await client.post(
        url,
        json={
            "outcome": "accepted",
            "scope": "detailed",
            "recognised": [{"category": "equipment", "amount": "700000.01"}],
            "receipts_checked": ["1", "3"],
        },
        headers={**manager, **_etag(submitted)},
    )
    assert {(e["field"], e["rule"]) for e in too_much.json()["errors"]} == {
        ("recognised.0.amount", "above_declared"),
        ("receipts_checked.1", "unknown_receipt"),
    }
    # Recognised: 100,000 of the 700,000 (the rest, say, ineligible). 80 % of it is 80,000;
    # 150,000 were paid: 70,000 to reclaim.
    checked = await client.post(
        url,
        json={
            "outcome": "accepted",
            "scope": "detailed",
            "recognised": [{"category": "equipment", "amount": "100000.00"}],
            "receipts_checked": ["1", "2"],
            "notes": "Beleg 2: Lastenräder nicht im Finanzierungsplan.",
        },
        headers={**manager, **_etag(submitted)},
    )
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["status"] == "checked" and body["check_coverage"] == "not_covered"
    assert body["check_scope"] == "detailed"
    assert body["final_amount"] == "80000.00"
    assert body["paid_at_check"] == "150000.00" and body["overpayment"] == "70000.00"
    proposal = body["final_grant"]["proposal"]
    assert proposal["kind"] == "partial_revocation"
    assert "Nicht erlassen" in proposal["text"]["de"]
    assert body["final_grant"]["computation"]["lines"][0]["recognised"] == "100000.00"
    # The recipient sees the outcome, not the authority's working papers.
    mine = (await client.get(f"/api/proofs-of-use/{body['id']}", headers=anna)).json()
    assert mine["status"] == "checked"
    assert mine["final_grant"] is None and mine["overpayment"] is None
    assert mine["check_notes"] is None
    assert any("geprüft" in s for s in await _subjects(db_session, award["a"]))
    # Checked once: a second check is a conflict.
    again = await client.post(
        url,
        json={"outcome": "returned", "scope": "detailed", "return_reason": "x"},
        headers={**manager, **_etag(checked)},
    )
    assert again.status_code == 409


async def test_a_returned_proof_is_completed_by_a_new_one(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    manager, anna = award["manager"], award["applicant"]
    submitted = await _submitted_final(client, award)
    url = f"/api/proofs-of-use/{submitted.json()['id']}/check"
    no_reason = await client.post(
        url,
        json={"outcome": "returned", "scope": "detailed"},
        headers={**manager, **_etag(submitted)},
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "return_reason"
    returned = await client.post(
        url,
        json={
            "outcome": "returned",
            "scope": "detailed",
            "return_reason": "Bitte die Rechnung zu Beleg 2 beifügen.",
        },
        headers={**manager, **_etag(submitted)},
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert any("Ergänzung erforderlich" in s for s in await _subjects(db_session, award["a"]))
    completed = await client.post(
        f"/api/applications/{award['a']}/proofs-of-use",
        json={"kind": "final", **_complete(award["today"])},
        headers=anna,
    )
    assert completed.status_code == 201, completed.text
    assert completed.json()["number"] == 2
    listed = await client.get(f"/api/applications/{award['a']}/proofs-of-use", headers=anna)
    assert [(p["number"], p["status"]) for p in listed.json()] == [(1, "returned"), (2, "draft")]
    assert listed.json()[0]["return_reason"].startswith("Bitte die Rechnung")


async def test_interim_proofs_cover_the_years_before_the_last(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    a, anna, year = award["a"], award["applicant"], award["today"].year
    url = f"/api/applications/{a}/proofs-of-use"
    last = await client.post(url, json={"kind": "interim", "fiscal_year": 2029}, headers=anna)
    assert last.status_code == 422, last.text
    assert last.json()["errors"][0]["rule"] == "not_interim_year"
    assert str(year) in last.json()["errors"][0]["message"]
    none = await client.post(url, json={"kind": "interim"}, headers=anna)
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "fiscal_year"
    final_with_year = await client.post(
        url, json={"kind": "final", "fiscal_year": year}, headers=anna
    )
    assert final_with_year.json()["errors"][0]["rule"] == "final_has_no_year"
    first = await client.post(url, json={"kind": "interim", "fiscal_year": year}, headers=anna)
    assert first.status_code == 201, first.text
    # 30 April of the next year (or the next working day).
    assert first.json()["due_on"][:7] in {f"{year + 1}-04", f"{year + 1}-05"}
    twice = await client.post(url, json={"kind": "interim", "fiscal_year": year}, headers=anna)
    assert twice.status_code == 409
    assert (await client.get(url, headers=anna)).json()[0]["kind"] == "interim"


async def test_no_proof_without_a_decision_in_force(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    c = award["apps"]["C"]["id"]  # invited, formal application under check: no decision
    refused = await client.post(
        f"/api/applications/{c}/proofs-of-use", json={"kind": "final"}, headers=award["applicant"]
    )
    assert refused.status_code == 409, refused.text


async def test_the_sample_is_drawn_reproducibly_and_decides_the_checks_scope(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    manager = award["manager"]
    drawn = await client.post(SAMPLES, json={"seed": "Ziehung-2027-01"}, headers=manager)
    assert drawn.status_code == 201, drawn.text
    sample = drawn.json()
    assert sample["number"] == 1 and sample["population"] == [award["a"]]
    assert sample["selected"] == [award["a"]]  # 50 % of one case, rounded up: one
    assert sample["method_code"] == "sha256-rank-v1" and "SHA-256" in sample["method"]["de"]

    too_small = await client.post(SAMPLES, json={"share": "0.4"}, headers=manager)
    assert too_small.status_code == 422 and too_small.json()["errors"][0]["field"] == "share"
    no_reason = await client.post(SAMPLES, json={}, headers=manager)
    assert no_reason.status_code == 422, no_reason.text
    assert no_reason.json()["errors"][0]["field"] == "reason"
    redrawn = await client.post(
        SAMPLES, json={"reason": "Neue Bewilligungen seit der ersten Ziehung"}, headers=manager
    )
    assert redrawn.status_code == 201 and redrawn.json()["number"] == 2
    assert len(redrawn.json()["seed"]) == 32  # drawn at random by the server
    listed = await client.get(SAMPLES, headers=manager)
    assert [s["number"] for s in listed.json()] == [1, 2]

    # Selected: a summary check is refused, naming the sample as the reason.
    submitted = await _submitted_final(client, award)
    summary = await client.post(
        f"/api/proofs-of-use/{submitted.json()['id']}/check",
        json={
            "outcome": "accepted",
            "scope": "summary",
            "recognised": [{"category": "equipment", "amount": "700000.00"}],
        },
        headers={**manager, **_etag(submitted)},
    )
    assert summary.status_code == 422
    assert "Stichprobe" in summary.json()["errors"][0]["message"]

    assert (await client.get(SAMPLES, headers=award["applicant"])).status_code == 403
    unknown = await client.get(f"/api/calls/{PROGRAMME}/nope/proof-samples", headers=manager)
    assert unknown.status_code == 404


async def _accepted_final(
    client: httpx.AsyncClient, award: dict[str, Any], recognised: str
) -> dict[str, Any]:
    submitted = await _submitted_final(client, award)
    checked = await client.post(
        f"/api/proofs-of-use/{submitted.json()['id']}/check",
        json={
            "outcome": "accepted",
            "scope": "detailed",
            "recognised": [{"category": "equipment", "amount": recognised}],
            "receipts_checked": ["1", "2"],
        },
        headers={**award["manager"], **_etag(submitted)},
    )
    assert checked.status_code == 200, checked.text
    body: dict[str, Any] = checked.json()
    return body


async def test_the_checked_final_proof_settles_the_grant(
    client: httpx.AsyncClient, db_session: AsyncSession, award: dict[str, Any]
) -> None:
    a, manager = award["a"], award["manager"]
    await order_payment(client, award, "150000.00")
    draft = await client.post(
        f"/api/applications/{a}/proofs-of-use", json={"kind": "final"}, headers=award["applicant"]
    )
    unchecked = await client.post(
        f"/api/applications/{a}/final-settlement",
        json={"proof_id": draft.json()["id"]},
        headers=manager,
    )
    assert unchecked.status_code == 409, unchecked.text  # a draft settles nothing
    proof = await _accepted_final_after_draft(client, award, draft.json())
    # 700,000 recognised × 80 % = 560,000; 150,000 paid: 410,000 still to pay, 40,000 freed.
    drafted = await client.post(
        f"/api/applications/{a}/final-settlement",
        json={"proof_id": proof["id"], "notes": ["Alle Belege geprüft."]},
        headers=manager,
    )
    assert drafted.status_code == 201, drafted.text
    body = drafted.json()
    assert body["kind"] == "final_settlement" and body["max_amount"] == "560000.00"
    figures = body["content"]["figures"]
    assert (figures["still_payable"], figures["decommitment"], figures["reclaim"]) == (
        "410000.00",
        "40000.00",
        "0.00",
    )
    released = await client.post(
        f"/api/decisions/{body['id']}/release", headers={**manager, **_etag(drafted)}
    )
    assert released.status_code == 200, released.text
    html = render_html(
        *decision_letter(released.json(), LETTERS_LETTERHEAD, guideline_title="F", draft=False)
    )
    for part in ("Schlussbescheid", "560.000,00", "Restbetrag von 410.000,00", "Alle Belege"):
        assert part in html, part
    rows = await db_session.execute(
        sa.text(
            "SELECT kind, fiscal_year, amount FROM ledger_entries WHERE application_id = :a "
            "AND kind = 'decommitment'"
        ),
        {"a": a},
    )
    # The years keep what was paid in them, then the rest from the earliest: the last one
    # gives up 40,000.
    assert [(r.fiscal_year, str(r.amount)) for r in rows] == [(2029, "40000.00")]
    await db_session.commit()
    assert any(s.startswith("Schlussbescheid") for s in await _subjects(db_session, a))
    again = await client.post(
        f"/api/applications/{a}/final-settlement", json={"proof_id": proof["id"]}, headers=manager
    )
    assert again.status_code == 409


async def _accepted_final_after_draft(
    client: httpx.AsyncClient, award: dict[str, Any], draft: dict[str, Any]
) -> dict[str, Any]:
    anna = award["applicant"]
    current = await client.get(f"/api/proofs-of-use/{draft['id']}", headers=anna)
    saved = await client.put(
        f"/api/proofs-of-use/{draft['id']}",
        json=_complete(award["today"]),
        headers={**anna, **_etag(current)},
    )
    assert saved.status_code == 200, saved.text
    submitted = await client.post(
        f"/api/proofs-of-use/{draft['id']}/submission", headers={**anna, **_etag(saved)}
    )
    assert submitted.status_code == 200, submitted.text
    checked = await client.post(
        f"/api/proofs-of-use/{draft['id']}/check",
        json={
            "outcome": "accepted",
            "scope": "detailed",
            "recognised": [{"category": "equipment", "amount": "700000.00"}],
            "receipts_checked": ["1", "2"],
        },
        headers={**award["manager"], **_etag(submitted)},
    )
    assert checked.status_code == 200, checked.text
    body: dict[str, Any] = checked.json()
    return body


async def test_an_overpaid_grant_is_not_settled_but_revoked_after_a_hearing(
    client: httpx.AsyncClient, award: dict[str, Any]
) -> None:
    await order_payment(client, award, "150000.00")
    proof = await _accepted_final(client, award, "100000.00")  # final grant 80,000
    refused = await client.post(
        f"/api/applications/{award['a']}/final-settlement",
        json={"proof_id": proof["id"]},
        headers=award["manager"],
    )
    assert refused.status_code == 409, refused.text
    assert "Anhörung" in refused.json()["detail"]
    assert refused.json()["overpayment"] == "70000.00"
