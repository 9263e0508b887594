"""Submission over HTTP: receipt, snapshot and hash, gap-free reference numbers, deadline,
completeness and rules, If-Match and Idempotency-Key, resubmission with diffs."""

import hashlib
import json
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.submission import submit_application
from grants.applications.tables import idempotency_table, submissions_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.errors import DeadlinePassed
from grants.notifications.tables import outbox_table
from tests.applications_factories import (
    applicant,
    attach_concept,
    draft,
    if_match,
    submitted,
)
from tests.attachment_files import pdf


def _canonical_sha256(value: object) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


async def test_submission_gives_a_receipt_a_number_and_a_frozen_snapshot(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, receipt = await submitted(client, db_session, anna["headers"])
    assert receipt["reference_number"].startswith("LIfD-demo-S-")
    assert receipt["submission_number"] == 1
    assert receipt["status"] == "submitted"
    url = f"/api/applications/{application['id']}"
    current = (await client.get(url, headers=anna["headers"])).json()
    assert current["status"] == "submitted"
    assert current["reference_number"] == receipt["reference_number"]
    snapshot = (await client.get(f"{url}/submissions/1", headers=anna["headers"])).json()
    assert snapshot["snapshot_sha256"] == receipt["snapshot_sha256"]
    # Anyone can recompute the hash from the stored JSON.
    assert _canonical_sha256(snapshot["snapshot"]) == receipt["snapshot_sha256"]
    assert snapshot["snapshot"]["content"]["title"] == application["draft"]["title"]
    assert snapshot["snapshot"]["guideline"]["content_hash"] == receipt["guideline_hash"]
    assert snapshot["snapshot"]["verdict"]["eligible"] is True
    assert snapshot["snapshot"]["schema"] == 2
    assert snapshot["snapshot"]["acknowledgement"] is None  # nothing failed
    [attached] = snapshot["snapshot"]["attachments"]
    assert attached["filename"] == "Konzept MakerSpace.pdf"
    assert attached["sha256"] == hashlib.sha256(pdf()).hexdigest()
    [document] = receipt["attachments"]
    assert {k: document[k] for k in ("id", "filename", "sha256", "scan_status")} == {
        "id": attached["id"],
        "filename": attached["filename"],
        "sha256": attached["sha256"],
        "scan_status": "not_scanned",  # the tests run without a scanner
    }
    assert receipt["acknowledged_rules"] == []
    events = (await client.get(f"{url}/events", headers=anna["headers"])).json()
    assert [e["event"] for e in events] == ["create", "submit"]
    mails = (
        await db_session.execute(
            sa.select(outbox_table.c.kind, outbox_table.c.recipient, outbox_table.c.subject)
        )
    ).all()
    assert ("receipt", anna["email"]) in {(m.kind, m.recipient) for m in mails}
    assert any(receipt["reference_number"] in m.subject for m in mails)


async def test_reference_numbers_count_per_call_and_line(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    numbers = []
    for _ in range(3):
        _, receipt = await submitted(client, db_session, anna["headers"])
        numbers.append(receipt["reference_number"])
    sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequence == list(range(sequence[0], sequence[0] + 3))


async def test_incomplete_drafts_are_refused_naming_each_gap(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"], summary="", objectives=[])
    response = await client.post(
        f"/api/applications/{application['id']}/submissions",
        headers=if_match(anna["headers"], 1),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"summary", "objectives", "attachments"} <= fields
    again = (
        await client.get(f"/api/applications/{application['id']}", headers=anna["headers"])
    ).json()
    assert again["status"] == "draft"
    assert again["reference_number"] is None
    count = await db_session.execute(sa.select(sa.func.count()).select_from(submissions_table))
    assert count.scalar_one() == 0


async def test_failing_rules_do_not_refuse_but_need_an_acknowledgement(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"], municipality_key="09162000")  # München
    await attach_concept(client, anna["headers"], application)
    url = f"/api/applications/{application['id']}/submissions"
    response = await client.post(url, headers=if_match(anna["headers"], 1))
    assert response.status_code == 422
    body = response.json()
    assert body["acknowledgement_field"] == "acknowledged_rules"
    assert "acknowledged_rules" in body["detail"]
    listed = body["rules_to_acknowledge"]
    assert "location_in_saxony" in [r["rule"] for r in listed]
    # Only failing rules ask for an acknowledgement; rules a person will review are listed.
    assert {r["outcome"] for r in listed} == {"fail"}
    assert all(r["outcome"] == "needs_review" for r in body["rules_to_review"])
    location = next(r for r in listed if r["rule"] == "location_in_saxony")
    assert location["outcome"] == "fail"
    assert location["citation"]["de"] and location["message"]["de"] and location["message"]["en"]
    # Every rule to acknowledge is a problem of the acknowledgement field, with its citation.
    errors = {e["rule"]: e for e in body["errors"]}
    assert set(errors) == {r["rule"] for r in listed}
    assert errors["location_in_saxony"]["field"] == "acknowledged_rules"
    assert location["citation"]["de"] in errors["location_in_saxony"]["message"]
    count = await db_session.execute(sa.select(sa.func.count()).select_from(submissions_table))
    assert count.scalar_one() == 0
    # Acknowledging only some of them is not enough: the others are named.
    if len(listed) > 1:
        partial = await client.post(
            url,
            json={"acknowledged_rules": [listed[0]["rule"]]},
            headers=if_match(anna["headers"], 1),
        )
        assert partial.status_code == 422
        assert listed[0]["rule"] not in {e["rule"] for e in partial.json()["errors"]}
    unknown = await client.post(
        url,
        json={"acknowledged_rules": ["location_in_saxony", "no_such_rule"]},
        headers=if_match(anna["headers"], 1),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "acknowledged_rules.1"
    wrong_type = await client.post(
        url, json={"acknowledged_rules": "location_in_saxony"}, headers=if_match(anna["headers"], 1)
    )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"].startswith("acknowledged_rules")

    # With every rule acknowledged (and one that passes, which is not recorded), it is received.
    ids = [r["rule"] for r in listed]
    accepted = await client.post(
        url,
        json={"acknowledged_rules": [*ids, "funding_objective_chosen"]},
        headers=if_match(anna["headers"], 1),
    )
    assert accepted.status_code == 201, accepted.text
    receipt = accepted.json()
    assert [r["rule"] for r in receipt["acknowledged_rules"]] == ids
    assert receipt["acknowledged_rules"][ids.index("location_in_saxony")] == {
        "rule": "location_in_saxony",
        "outcome": "fail",
        "outcome_label": {"de": "nicht erfüllt", "en": "not met"},
        "citation": location["citation"],
        "title": receipt["acknowledged_rules"][ids.index("location_in_saxony")]["title"],
        "message": location["message"],
    }
    assert any("formalen Prüfung" in n["de"] for n in receipt["notes"])
    # The legal record: the snapshot, and the column on the submission row.
    stored = (
        await db_session.execute(
            sa.select(submissions_table.c.snapshot, submissions_table.c.acknowledgement)
        )
    ).one()
    frozen = stored.snapshot["acknowledgement"]
    assert [r["rule"] for r in frozen["rules"]] == ids
    assert frozen["confirmed_by"] == anna["user"]["id"]
    assert frozen["confirmed_at"] == stored.snapshot["received_at"]
    assert stored.acknowledgement == {
        "rules": ids,
        "confirmed_by": anna["user"]["id"],
        "confirmed_at": stored.snapshot["received_at"],
    }
    assert stored.snapshot["verdict"]["eligible"] is False  # the formal check decides


async def test_missing_form_content_still_holds_the_submission_back(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"], title="", municipality_key="09162000")
    await attach_concept(client, anna["headers"], application)
    response = await client.post(
        f"/api/applications/{application['id']}/submissions",
        json={"acknowledged_rules": ["location_in_saxony"]},
        headers=if_match(anna["headers"], 1),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "title" in fields
    count = await db_session.execute(sa.select(sa.func.count()).select_from(submissions_table))
    assert count.scalar_one() == 0


async def test_live_check_explains_the_draft(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    url = f"/api/applications/{application['id']}/eligibility"
    first = (await client.get(url, headers=anna["headers"])).json()
    assert first["verdict"]["eligible"] is True
    assert first["submittable"] is False  # the concept PDF is missing
    assert [m["field"] for m in first["missing"]] == ["attachments"]
    await attach_concept(client, anna["headers"], application)
    second = (await client.get(url, headers=anna["headers"])).json()
    assert second["submittable"] is True
    assert second["acknowledgement_required"] == []
    assert second["verdict"]["funding"]["grant"] == "100000.00"
    munich = await draft(client, anna["headers"], municipality_key="09162000")
    await attach_concept(client, anna["headers"], munich)
    informative = (
        await client.get(f"/api/applications/{munich['id']}/eligibility", headers=anna["headers"])
    ).json()
    # A failing rule is shown, and does not make the draft unsubmittable: it is acknowledged.
    assert informative["verdict"]["eligible"] is False
    assert informative["submittable"] is True
    required = {r["rule"]: r for r in informative["acknowledgement_required"]}
    assert required["location_in_saxony"]["outcome"] == "fail"
    assert required["location_in_saxony"]["citation"]["de"]
    empty = await client.post(
        "/api/applications",
        json={"call": "demo", "funding_line": "mobile"},
        headers=anna["headers"],
    )
    check = (
        await client.get(
            f"/api/applications/{empty.json()['id']}/eligibility", headers=anna["headers"]
        )
    ).json()
    assert check["verdict"] is None
    assert {"municipality_key", "planned_start", "planned_end", "financing"} <= {
        m["field"] for m in check["missing"]
    }


async def test_the_deadline_second_is_judged_in_berlin(
    client: httpx.AsyncClient, db_session: AsyncSession, app: Litestar
) -> None:
    # Tokens are checked against the real clock, so the receipt time is given to the service
    # directly; the drafts are made through the API.
    deadline = datetime.fromisoformat("2027-06-30T23:59:59+02:00")
    anna = await applicant(client)
    on_time = await draft(client, anna["headers"])
    late = await draft(client, anna["headers"])
    for application in (on_time, late):
        await attach_concept(client, anna["headers"], application)
    principal = Principal(
        user_id=uuid.UUID(anna["user"]["id"]),
        email=anna["email"],
        display_name="Anna",
        memberships={uuid.UUID(on_time["organisation_id"]): "admin"},
    )

    async def submit(application: dict[str, object], now: datetime) -> None:
        await submit_application(
            UserContext.of(db_session, principal, now=now, guidelines=app.state.guidelines),
            uuid.UUID(str(application["id"])),
            if_match='"1"',
            idempotency_key=None,
        )

    await submit(on_time, deadline)
    with pytest.raises(DeadlinePassed):
        await submit(late, deadline + timedelta(seconds=1))
    still = (await client.get(f"/api/applications/{late['id']}", headers=anna["headers"])).json()
    assert still["status"] == "draft"
    done = (await client.get(f"/api/applications/{on_time['id']}", headers=anna["headers"])).json()
    assert done["submitted_at"].startswith("2027-06-30T21:59:59")


async def test_stale_and_repeated_submissions_create_exactly_one(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    await attach_concept(client, anna["headers"], application)
    url = f"/api/applications/{application['id']}/submissions"
    missing = await client.post(url, headers=anna["headers"])
    assert missing.status_code == 428
    first = await client.post(url, headers=if_match(anna["headers"], 1))
    assert first.status_code == 201
    twice = await client.post(url, headers=if_match(anna["headers"], 1))
    assert twice.status_code == 412
    unchanged = await client.post(url, headers=if_match(anna["headers"], 2))
    assert unchanged.status_code == 409
    listed = (await client.get(url, headers=anna["headers"])).json()
    assert len(listed) == 1


async def test_idempotency_key_replays_the_first_answer(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    await attach_concept(client, anna["headers"], application)
    url = f"/api/applications/{application['id']}/submissions"
    headers = {**if_match(anna["headers"], 1), "Idempotency-Key": "submit-7f3a9c21"}
    first = await client.post(url, headers=headers)
    retry = await client.post(url, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers.get("idempotent-replayed") == "true"
    assert len((await client.get(url, headers=anna["headers"])).json()) == 1
    other = await draft(client, anna["headers"])
    reused = await client.post(
        f"/api/applications/{other['id']}/submissions",
        headers={**if_match(anna["headers"], 1), "Idempotency-Key": "submit-7f3a9c21"},
    )
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_the_idempotency_fingerprint_covers_the_body(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    await attach_concept(client, anna["headers"], application)
    url = f"/api/applications/{application['id']}/submissions"
    headers = {**if_match(anna["headers"], 1), "Idempotency-Key": "submit-body-0001"}
    first = await client.post(url, json={"acknowledged_rules": []}, headers=headers)
    assert first.status_code == 201, first.text
    # No body and an empty acknowledgement are the same request: replayed.
    same = await client.post(url, headers=headers)
    assert same.status_code == 201
    assert same.headers.get("idempotent-replayed") == "true"
    other = await client.post(
        url, json={"acknowledged_rules": ["location_in_saxony"]}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    # An answer stored in the receipt's older shape is replayed rebuilt from its snapshot.
    receipt = first.json()
    old_shape = {
        k: receipt[k]
        for k in ("application_id", "reference_number", "submission_number", "received_at")
    }
    async with db_session.begin():
        await db_session.execute(
            sa.update(idempotency_table)
            .where(idempotency_table.c.key == "submit-body-0001")
            .values(body={**old_shape, "attachments": [], "status": "submitted"})
        )
    replayed = await client.post(url, headers=headers)
    assert replayed.status_code == 201
    assert replayed.json() == receipt


async def test_resubmission_before_the_deadline_keeps_every_version_and_diffs_them(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, first = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    lines = application["draft"]["cost_lines"]
    changed_lines = [
        {**lines[0], "amount": "65000.00"},
        lines[1],
        {"category": "rent", "description": "Miete Werkstatt", "amount": "5000.00"},
    ]
    patched = await client.patch(
        url,
        json={
            "title": "MakerSpace Schneeberg 2.0",
            "cost_lines": changed_lines,
            "financing": {"requested_grant": "90000.00", "own_funds": "50000.00"},
        },
        headers=if_match(anna["headers"], 2),
    )
    assert patched.status_code == 200, patched.text
    second = await client.post(f"{url}/submissions", headers=if_match(anna["headers"], 3))
    assert second.status_code == 201, second.text
    assert second.json()["reference_number"] == first["reference_number"]
    assert second.json()["submission_number"] == 2
    versions = (await client.get(f"{url}/submissions", headers=anna["headers"])).json()
    assert [v["snapshot_sha256"] for v in versions] == [
        first["snapshot_sha256"],
        second.json()["snapshot_sha256"],
    ]
    diff = (await client.get(f"{url}/submissions/2/diff", headers=anna["headers"])).json()
    assert {
        "path": "title",
        "before": "MakerSpace Schneeberg",
        "after": "MakerSpace Schneeberg 2.0",
    } in diff["fields"]
    kinds = {(i["kind"], i["key"]) for i in diff["items"]}
    assert ("changed", "equipment: 3D-Drucker und Lasercutter") in kinds
    assert ("added", "rent: Miete Werkstatt") in kinds
    assert ("removed", "material: Verbrauchsmaterial") in kinds
