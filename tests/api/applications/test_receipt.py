"""The receipt (Eingangsbestätigung) over HTTP: read again at any time with the same content,
to the second; the declarations and the authority frozen; a scan still pending does not make
the applicant late, and the formal check sees the scan's result; an infected file blocks and
is never served; who may read a receipt."""

import dataclasses
import json
import uuid
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.attachments import service as attachments
from grants.applications.attachments.scanner import ClamdScanner, ScanResult
from grants.applications.attachments.tables import attachments_table
from grants.applications.tables import applications_table, submissions_table
from grants.core.guideline import Authority, Declaration, Text
from grants.core.roles import StaffRole
from grants.guidelines.registry import GuidelineRegistry
from grants.notifications.tables import outbox_table
from tests.api.attachments.helpers import CleanScanner
from tests.applications_factories import applicant, attach_concept, draft, if_match, submitted
from tests.attachment_files import pdf
from tests.evaluation_factories import assign_directly, evaluator, manager
from tests.factories import staff_headers
from tests.fakes import FakeClock

# 23:59:41.6 in Berlin, winter time: the receipt shows the second, not the fraction.
RECEIVED = datetime(2026, 12, 15, 22, 59, 41, 600000, tzinfo=UTC)

AUTHORITY = Authority(
    name="Sächsische Aufbaubank – Förderbank –",
    unit="Bewilligungsstelle FRL LIfD",
    street="Pirnaische Straße 9",
    postal_code="01069",
    city="Dresden",
    phone="0351 4910-0",
    email="lifd@sab.example",
)
FACTS = Declaration(
    key="subsidy_relevant_facts",
    version="test-1",
    title=Text("Subventionserhebliche Tatsachen", "Subsidy-relevant facts"),
    text=Text("Subventionserheblich im Sinne des § 264 StGB sind:", "Subsidy-relevant are:"),
    items=(
        Text("die Angaben zur antragstellenden Organisation", "the applicant's details"),
        Text("der Finanzierungsplan", "the financing plan"),
    ),
)


class InfectingScanner:
    """A scanner that finds every file infected (a fake, not a mock: it reads the bytes)."""

    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        async for _ in chunks:
            pass
        return ScanResult(clean=False, signature="Eicar-Test-Signature")


def with_programme_data(app: Litestar) -> None:
    """The shipped guideline with a known authority and declaration (the data files may
    carry others, or none yet)."""
    registry: GuidelineRegistry = app.state.guidelines
    loaded = []
    for item in registry.loaded():
        guideline = dataclasses.replace(item.guideline, authority=AUTHORITY, declarations=(FACTS,))
        loaded.append(dataclasses.replace(item, guideline=guideline))
    app.state.guidelines = GuidelineRegistry(loaded)


async def _upload_pending(
    client: httpx.AsyncClient, headers: dict[str, str], application: dict[str, Any]
) -> dict[str, Any]:
    uploaded = await client.post(
        f"/api/applications/{application['id']}/attachments",
        params={"kind": "concept", "filename": "konzept.pdf"},
        content=pdf(),
        headers={**headers, "Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["scan_status"] == "pending"
    body: dict[str, Any] = uploaded.json()
    return body


async def test_the_receipt_is_readable_again_and_says_what_it_said(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    with_programme_data(app)
    # Signed in first: tokens are issued by the test clock but judged by the real one.
    anna = await applicant(client)
    boss = await manager(client, db_session)
    clock.current = RECEIVED
    application, receipt = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}/submissions"
    assert receipt["reference_label"] == {"de": "Eingangsnummer", "en": "Receipt number"}
    assert receipt["received_at_local"] == {
        "de": "15.12.2026, 23:59:41 Uhr (MEZ)",
        "en": "15 December 2026, 23:59:41 CET",
    }
    assert datetime.fromisoformat(receipt["received_at"]) == RECEIVED
    assert receipt["authority"]["name"] == AUTHORITY.name
    assert receipt["applicant"]["legal_name"]
    assert receipt["title"] == "MakerSpace Schneeberg"
    assert receipt["call"] == {
        "code": "demo",
        "title": {
            "de": "Demo-Aufruf (zum Ausprobieren)",
            "en": "Demo call (for trying the system)",
        },
    }
    assert receipt["funding_line"]["label"]["de"] == "Stationärer LIfD"
    assert receipt["replaces_submission"] is None
    [document] = receipt["attachments"]
    assert document["filename"] == "Konzept MakerSpace.pdf"
    assert len(document["sha256"]) == 64
    assert document["scan_status"] == "not_scanned"  # the tests run without a scanner
    german = " ".join(n["de"] for n in receipt["notes"])
    assert "keine Entscheidung" in german and "keinen Anspruch auf eine Zuwendung" in german
    assert "vorzeitigen Maßnahmebeginn" in german
    assert "Aktenzeichen" not in json.dumps(receipt)

    clock.advance(minutes=7)  # read later: the same receipt, not the time of reading
    again = await client.get(f"{url}/1/receipt", headers=anna["headers"])
    assert again.status_code == 200, again.text
    assert again.json() == receipt
    assert (await client.get(f"{url}/1/receipt", headers=boss)).json() == receipt
    assert (await client.get(f"{url}/2/receipt", headers=anna["headers"])).status_code == 404

    # The e-mail carries the same content.
    [mail] = (
        await db_session.execute(
            sa.select(outbox_table.c.subject, outbox_table.c.body_text).where(
                outbox_table.c.kind == "receipt"
            )
        )
    ).all()
    assert mail.subject.startswith(f"Eingangsbestätigung {receipt['reference_number']}")
    assert f"Eingangsnummer:     {receipt['reference_number']}" in mail.body_text
    assert "15.12.2026, 23:59:41 Uhr (MEZ)" in mail.body_text
    assert document["sha256"] in mail.body_text
    assert receipt["snapshot_sha256"] in mail.body_text
    for note in receipt["notes"]:
        assert note["de"] in mail.body_text
    assert "Aktenzeichen" not in mail.body_text
    assert "Ihr Förderportal" not in mail.body_text
    assert "Mit freundlichen Grüßen\n\nSächsische Aufbaubank – Förderbank –\n" in mail.body_text


async def test_a_resubmission_receipt_says_which_version_it_replaces(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, first = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    patched = await client.patch(
        url, json={"title": "MakerSpace Schneeberg 2.0"}, headers=if_match(anna["headers"], 2)
    )
    assert patched.status_code == 200, patched.text
    second = await client.post(f"{url}/submissions", headers=if_match(anna["headers"], 3))
    assert second.status_code == 201, second.text
    receipt = second.json()
    assert (receipt["submission_number"], receipt["replaces_submission"]) == (2, 1)
    assert receipt["reference_number"] == first["reference_number"]
    assert any("ersetzt die zuvor eingereichte Fassung 1" in n["de"] for n in receipt["notes"])
    assert (await client.get(f"{url}/submissions/1/receipt", headers=anna["headers"])).json() == (
        first
    )


async def test_declarations_are_frozen_with_their_texts_and_hashes(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    with_programme_data(app)
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    snapshot = (
        await client.get(
            f"/api/applications/{application['id']}/submissions/1", headers=anna["headers"]
        )
    ).json()["snapshot"]
    assert snapshot["declarations"] == [
        {
            "key": "subsidy_relevant_facts",
            "version": "test-1",
            "title": {"de": "Subventionserhebliche Tatsachen", "en": "Subsidy-relevant facts"},
            "text": {
                "de": "Subventionserheblich im Sinne des § 264 StGB sind:",
                "en": "Subsidy-relevant are:",
            },
            "items": [
                {
                    "de": "die Angaben zur antragstellenden Organisation",
                    "en": "the applicant's details",
                },
                {"de": "der Finanzierungsplan", "en": "the financing plan"},
            ],
            "sha256": FACTS.sha256,
        }
    ]
    assert snapshot["authority"]["name"] == AUTHORITY.name
    assert snapshot["content"]["declarations"]["subsidy_relevant_facts_acknowledged"] is True


async def test_a_pending_scan_does_not_make_the_applicant_late(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    # A scanner that cannot be reached leaves uploads pending (quarantined).
    app.state.attachment_scanner = ClamdScanner(f"unix://{tmp_path}/no-clamd.sock")
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    uploaded = await _upload_pending(client, anna["headers"], application)
    url = f"/api/applications/{application['id']}"
    check = (await client.get(f"{url}/eligibility", headers=anna["headers"])).json()
    assert check["submittable"] is True  # the concept was received, scanned or not
    response = await client.post(f"{url}/submissions", headers=if_match(anna["headers"], 1))
    assert response.status_code == 201, response.text
    receipt = response.json()
    [document] = receipt["attachments"]
    assert (document["id"], document["scan_status"]) == (uploaded["id"], "pending")
    assert document["scan_label"]["de"] == "Prüfung auf Schadsoftware noch nicht abgeschlossen"
    assert any("noch nicht abgeschlossen" in n["de"] for n in receipt["notes"])
    snapshot = (await client.get(f"{url}/submissions/1", headers=anna["headers"])).json()
    assert snapshot["snapshot"]["attachments"][0]["scan_status"] == "pending"

    boss = await manager(client, db_session)
    content = f"{url}/attachments/{uploaded['id']}/content"
    assert (await client.get(content, headers=boss)).status_code == 409  # still quarantined
    [seen] = (await client.get(f"{url}/submissions/1/attachments", headers=boss)).json()
    assert (seen["scan_status_at_receipt"], seen["scan_status"]) == ("pending", "pending")
    assert seen["downloadable"] is False

    clock.advance(minutes=5)
    storage = app.state.attachment_storage
    summary = await attachments.rescan_pending(
        session_factory, storage, CleanScanner(), now=clock()
    )
    assert summary.clean == 1
    [seen] = (await client.get(f"{url}/submissions/1/attachments", headers=boss)).json()
    assert (seen["scan_status_at_receipt"], seen["scan_status"]) == ("pending", "clean")
    assert seen["downloadable"] is True
    assert datetime.fromisoformat(seen["scanned_at"]) == clock()
    assert (await client.get(content, headers=boss)).status_code == 200
    # The receipt still says what was true at receipt.
    assert (await client.get(f"{url}/submissions/1/receipt", headers=anna["headers"])).json() == (
        receipt
    )
    mail = (
        await db_session.execute(
            sa.select(outbox_table.c.body_text).where(outbox_table.c.kind == "receipt")
        )
    ).scalar_one()
    assert "Prüfung auf Schadsoftware noch nicht abgeschlossen" in mail


async def test_a_file_found_infected_after_receipt_is_never_served(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    app.state.attachment_scanner = ClamdScanner(f"unix://{tmp_path}/no-clamd.sock")
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    uploaded = await _upload_pending(client, anna["headers"], application)
    url = f"/api/applications/{application['id']}"
    response = await client.post(f"{url}/submissions", headers=if_match(anna["headers"], 1))
    assert response.status_code == 201, response.text
    # The applicant removes the file from the working copy; the scan still reaches it.
    removed = await client.delete(f"{url}/attachments/{uploaded['id']}", headers=anna["headers"])
    assert removed.status_code == 204, removed.text

    # An evaluator reading the submitted version meanwhile gets nothing quarantined.
    boss = await manager(client, db_session)
    person = await evaluator(client, db_session, boss)
    async with db_session.begin():
        await db_session.execute(
            sa.update(applications_table)
            .where(applications_table.c.id == uuid.UUID(application["id"]))
            .values(status="in_review")
        )
    assignment = await assign_directly(
        db_session, application["id"], person["id"], status="accepted"
    )
    served = f"/api/my/assignments/{assignment}/application/attachments/{uploaded['id']}/content"
    pending = await client.get(served, headers=person["headers"])
    assert pending.status_code == 409, pending.text
    assert pending.json()["scan_status"] == "pending"

    clock.advance(minutes=5)
    summary = await attachments.rescan_pending(
        session_factory, app.state.attachment_storage, InfectingScanner(), now=clock()
    )
    assert summary.infected == 1
    [seen] = (await client.get(f"{url}/submissions/1/attachments", headers=boss)).json()
    assert (seen["scan_status_at_receipt"], seen["scan_status"]) == ("pending", "infected")
    assert (seen["removed"], seen["downloadable"]) == (True, False)
    assert (await client.get(served, headers=person["headers"])).status_code == 404
    content = f"{url}/attachments/{uploaded['id']}/content"
    assert (await client.get(content, headers=boss)).status_code == 404


async def test_an_infected_file_in_the_working_copy_blocks_the_submission(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application = await draft(client, anna["headers"])
    attachment_id = await attach_concept(client, anna["headers"], application)
    # A file found infected but (unlike what the scanner does) still in the working copy.
    async with db_session.begin():
        await db_session.execute(
            sa.update(attachments_table)
            .where(attachments_table.c.id == uuid.UUID(attachment_id))
            .values(scan_status="infected")
        )
    response = await client.post(
        f"/api/applications/{application['id']}/submissions",
        headers=if_match(anna["headers"], 1),
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["infected_attachments"] == [attachment_id]
    [error] = body["errors"]
    assert (error["field"], error["rule"]) == ("attachments.0", "malware_found")
    assert "Konzept MakerSpace.pdf" in error["message"]
    count = await db_session.execute(sa.select(sa.func.count()).select_from(submissions_table))
    assert count.scalar_one() == 0


async def test_who_may_read_a_receipt(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    anna = await applicant(client)
    bert = await applicant(client)
    boss = await manager(client, db_session)
    reviewer = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    application, receipt = await submitted(client, db_session, anna["headers"])
    base = f"/api/applications/{application['id']}/submissions/1"
    for target in (f"{base}/receipt", f"{base}/attachments"):
        assert (await client.get(target, headers=anna["headers"])).status_code == 200
        assert (await client.get(target, headers=boss)).status_code == 200
        for stranger in (bert["headers"], reviewer):
            refused = await client.get(target, headers=stranger)
            assert refused.status_code == 404, target
            assert receipt["reference_number"] not in refused.text
            assert "MakerSpace" not in refused.text
        assert (await client.get(target)).status_code == 401
