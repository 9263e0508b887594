"""Letters over HTTP, on A's approval (600,000) and C's rejection of the demo call
(``decided_call``), both released, neither dispatched yet. A preview renders any decision
as a draft; a letter is issued only after the release and once a person has set the
programme's letterhead; the job (its code, ``letters.service.issue``, run here in the
test's transaction) stores it with its portal dispatch, e-mail and audit entry; the
recipient's first download is the decision's retrieval. Run twice, the job issues one
letter — and the same harness, with the database's guard dropped, finds two."""

import hashlib
import io
import json
import uuid
from datetime import datetime
from typing import Any

import httpx
import pikepdf
import pytest
import sqlalchemy as sa
from litestar import Litestar
from PIL import Image, PngImagePlugin
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.audit.heads import latest_head
from grants.audit.sequencer import run_sequencer
from grants.audit.verify import verify_audit_log
from grants.core.audit_tree import TreeHead
from grants.core.deadlines import berlin_date
from grants.core.roles import StaffRole
from grants.guidelines.registry import load_registry
from grants.letters import service
from grants.letters.pool import RenderPool
from grants.letters.render import DATA_FILE, render_html
from tests.applications_factories import applicant
from tests.awards_factories import PROGRAMME, budgets, decided_call, portal_consent
from tests.factories import app_of, staff_headers
from tests.fakes import FakeClock

LETTERHEAD = {
    "name": "Sächsische Aufbaubank – Förderbank –",
    "unit": "Bewilligungsstelle FRL LIfD",
    "street": "Pirnaische Straße 9",
    "postal_code": "01069",
    "city": "Dresden",
    "seat": "Dresden",
    "website": "www.sab.sachsen.de",
    "privacy_url": "https://www.sab.sachsen.de/datenschutz",
    "iban": "DE89 3704 0044 0532 0130 00",
    "reason": "Angaben der Bewilligungsstelle",
}


@pytest.fixture(scope="module")
def pool() -> Any:
    found = RenderPool(timeout_s=120)
    yield found
    found.close()


async def _released(
    client: httpx.AsyncClient, manager: dict[str, str], application_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    draft = await client.post(
        f"/api/applications/{application_id}/decisions", json=body, headers=manager
    )
    assert draft.status_code == 201, draft.text
    released = await client.post(
        f"/api/decisions/{draft.json()['id']}/release",
        headers={**manager, "If-Match": draft.headers["etag"]},
    )
    assert released.status_code == 200, released.text
    found: dict[str, Any] = released.json()
    return found


@pytest.fixture
async def call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    found = await decided_call(client, db_session, clock)
    manager = found["manager"]
    # A, B and C are one organisation's: it consents to notification on the portal.
    await portal_consent(client, found["applicant"], found["apps"]["A"]["id"])
    today = berlin_date(clock.current)
    await budgets(client, manager, dict.fromkeys(range(today.year, 2030), "1000000.00"))
    first = [{"fiscal_year": today.year, "amount": "150000.00"}]
    rest = [{"fiscal_year": y, "amount": "150000.00"} for y in range(today.year + 1, 2030)]
    approval = await _released(
        client,
        manager,
        found["apps"]["A"]["id"],
        {"kind": "approval", "approval_start": str(today), "instalments": first + rest},
    )
    rejection_draft = await client.post(
        f"/api/applications/{found['apps']['C']['id']}/decisions",
        json={
            "kind": "rejection",
            "reasons": [
                {"kind": "other", "text": "Die Mittel des Aufrufs sind gebunden.", "section": ""}
            ],
            "discretion": "Vorrang hatten die Vorhaben mit höherer Bewertung.",
        },
        headers=manager,
    )
    assert rejection_draft.status_code == 201, rejection_draft.text
    return {**found, "approval": approval, "rejection_draft": rejection_draft.json()}


def _resources(
    session_factory: async_sessionmaker[AsyncSession], clock: FakeClock, pool: RenderPool
) -> service.IssueResources:
    # The shipped guideline: the test app's differs only in its call's deadline.
    return service.IssueResources(
        session_factory=session_factory, guidelines=load_registry(), clock=clock, pool=pool
    )


async def _count(db_session: AsyncSession, sql: str, **params: Any) -> int:
    value = (await db_session.execute(sa.text(sql), params)).scalar_one()
    await db_session.commit()
    return int(value)


def _pdf_data(raw: bytes) -> dict[str, Any]:
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "3"
        data: dict[str, Any] = json.loads(pdf.attachments[DATA_FILE].get_file().read_bytes())
    return data


async def test_a_preview_renders_any_decision_as_a_draft_and_stores_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, call: dict[str, Any]
) -> None:
    manager, anna = call["manager"], call["applicant"]
    draft_id = call["rejection_draft"]["id"]
    preview = await client.get(f"/api/decisions/{draft_id}/letter-preview", headers=manager)
    assert preview.status_code == 200, preview.text
    assert preview.headers["content-type"] == "application/pdf"
    data = _pdf_data(preview.content)
    assert data["kind"] == "rejection" and data["reference"] == "(noch ohne Aktenzeichen)"
    assert data["draft_notes"][0].startswith("Kein Briefkopf festgelegt")
    assert (
        await client.get(f"/api/decisions/{draft_id}/letter-preview", headers=anna)
    ).status_code == 403
    assert await _count(db_session, "SELECT count(*) FROM issued_letters") == 0


async def test_a_letter_needs_the_release_and_the_letterhead_then_the_job_issues_it(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    manager = call["manager"]
    approval = call["approval"]
    draft = await client.post(
        f"/api/decisions/{call['rejection_draft']['id']}/letter", headers=manager
    )
    assert draft.status_code == 409 and "§ 35a" in draft.json()["detail"]
    url = f"/api/decisions/{approval['id']}/letter"
    no_letterhead = await client.post(url, headers=manager)
    assert no_letterhead.status_code == 422, no_letterhead.text
    assert [(e["field"], e["rule"]) for e in no_letterhead.json()["errors"]] == [
        ("letter", "missing")
    ]
    assert "Briefkopf" in no_letterhead.json()["errors"][0]["message"]
    letterhead_url = f"/api/programmes/{PROGRAMME}/letterhead"
    bad_iban = await client.put(
        letterhead_url, json=LETTERHEAD | {"iban": "DE00 1234"}, headers=manager
    )
    assert bad_iban.status_code == 422 and bad_iban.json()["errors"][0]["field"] == "iban"
    assert (await client.get(letterhead_url, headers=manager)).status_code == 404
    set_ = await client.put(letterhead_url, json=LETTERHEAD, headers=manager)
    assert set_.status_code == 200, set_.text
    assert set_.json()["iban"] == "DE89370400440532013000" and set_.json()["version"] == 1

    ordered = await client.post(url, headers=manager)
    assert ordered.status_code == 202, ordered.text
    assert ordered.json()["status"] == "pending"
    assert (await client.post(url, headers=manager)).status_code == 409
    jobs = await _count(
        db_session,
        "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = :t",
        t=service.ISSUE_TASK,
    )
    assert jobs == 1

    resources = _resources(session_factory, clock, pool)
    request_id = uuid.UUID(ordered.json()["id"])
    assert await service.issue(resources, request_id) == "issued"
    assert await service.issue(resources, request_id) == "done before"
    state = (await client.get(url, headers=manager)).json()
    assert state["status"] == "issued" and state["letter_id"] is not None
    assert await _count(db_session, "SELECT count(*) FROM issued_letters") == 1
    notices = await db_session.execute(
        sa.text("SELECT kind, channel FROM decision_notices WHERE decision_id = :d"),
        {"d": approval["id"]},
    )
    assert [tuple(n) for n in notices] == [("dispatched", "portal")]
    await db_session.commit()
    mails = await db_session.execute(
        sa.text("SELECT subject, body_text FROM outbox_messages WHERE kind = 'letter_ready'")
    )
    [(subject, body)] = list(mails)
    await db_session.commit()
    assert "Zuwendungsbescheid" in subject and state["letter_id"] in body
    audited = await _count(
        db_session, "SELECT count(*) FROM audit_log WHERE action = 'letter_issued'"
    )
    assert audited == 1
    with pytest.raises(sa.exc.DBAPIError):
        async with db_session.begin():
            await db_session.execute(sa.text("UPDATE issued_letters SET title = 'x'"))


async def _issued(
    client: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> str:
    manager = call["manager"]
    assert (
        await client.put(
            f"/api/programmes/{PROGRAMME}/letterhead", json=LETTERHEAD, headers=manager
        )
    ).status_code == 200
    ordered = await client.post(f"/api/decisions/{call['approval']['id']}/letter", headers=manager)
    assert ordered.status_code == 202, ordered.text
    resources = _resources(session_factory, clock, pool)
    assert await service.issue(resources, uuid.UUID(ordered.json()["id"])) == "issued"
    state = await client.get(f"/api/decisions/{call['approval']['id']}/letter", headers=manager)
    letter_id: str = state.json()["letter_id"]
    return letter_id


async def test_the_recipients_first_download_is_the_decisions_retrieval(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    letter_id = await _issued(client, session_factory, clock, pool, call)
    manager, anna, a = call["manager"], call["applicant"], call["apps"]["A"]["id"]
    listed = await client.get(f"/api/applications/{a}/letters", headers=anna)
    assert listed.status_code == 200
    [letter] = listed.json()
    assert letter["id"] == letter_id and letter["first_retrieved_at"] is None
    # Staff reading it is no retrieval by the addressee.
    staff = await client.get(f"/api/letters/{letter_id}/pdf", headers=manager)
    assert staff.status_code == 200
    assert (await client.get(f"/api/letters/{letter_id}", headers=anna)).json()[
        "first_retrieved_at"
    ] is None
    mine = await client.get(f"/api/letters/{letter_id}/pdf", headers=anna)
    assert mine.status_code == 200
    assert mine.content == staff.content
    assert hashlib.sha256(mine.content).hexdigest() == letter["sha256"]
    assert "attachment" in mine.headers["content-disposition"]
    data = _pdf_data(mine.content)
    assert data["decision_id"] == call["approval"]["id"]
    assert data["authority"]["seat"] == "Dresden"
    assert (await client.get(f"/api/letters/{letter_id}", headers=anna)).json()[
        "first_retrieved_at"
    ] is not None
    kinds = await db_session.execute(
        sa.text("SELECT kind FROM decision_notices WHERE decision_id = :d ORDER BY number"),
        {"d": call["approval"]["id"]},
    )
    assert list(kinds.scalars()) == ["dispatched", "retrieved"]
    await db_session.commit()
    # Nobody else reads it.
    stranger = (await applicant(client))["headers"]
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    for headers in (stranger, evaluator):
        for path in (f"/api/letters/{letter_id}", f"/api/letters/{letter_id}/pdf"):
            assert (await client.get(path, headers=headers)).status_code == 404, path
        assert (
            await client.get(f"/api/applications/{a}/letters", headers=headers)
        ).status_code == 404


@pytest.mark.parametrize("variant", ["guarded", "naive"])
async def test_a_job_run_twice_issues_one_letter(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    variant: str,
) -> None:
    """A stalled job is run again while the first run's letter is being stored: both find
    the request pending (``_pending`` patched to ignore its status, as if the first run's
    commit were not yet visible). The unique index on a decision's letter leaves one
    letter and one e-mail; without it (the naive variant) there would be two."""
    manager = call["manager"]
    assert (
        await client.put(
            f"/api/programmes/{PROGRAMME}/letterhead", json=LETTERHEAD, headers=manager
        )
    ).status_code == 200
    ordered = await client.post(f"/api/decisions/{call['approval']['id']}/letter", headers=manager)
    request_id = uuid.UUID(ordered.json()["id"])
    original = service._pending

    async def still_pending(session: AsyncSession, found: uuid.UUID, *, lock: bool) -> Any:
        return (
            await session.execute(sa.select(service._q).where(service._q.c.id == found))
        ).first()

    monkeypatch.setattr(service, "_pending", still_pending)
    if variant == "naive":
        async with db_session.begin():
            await db_session.execute(sa.text("DROP INDEX uq_issued_letters_decision"))
        monkeypatch.setattr(
            service,
            "pg_insert",
            _plain_insert,
        )
    resources = _resources(session_factory, clock, pool)
    assert await service.issue(resources, request_id) == "issued"
    assert await service.issue(resources, request_id) == "issued"
    monkeypatch.setattr(service, "_pending", original)
    letters = await _count(db_session, "SELECT count(*) FROM issued_letters")
    mails = await _count(
        db_session, "SELECT count(*) FROM outbox_messages WHERE kind = 'letter_ready'"
    )
    expected = 1 if variant == "guarded" else 2
    assert (letters, mails) == (expected, expected)


class _plain_insert:  # noqa: N801 (stands in for the pg_insert function)
    """``INSERT … ON CONFLICT DO NOTHING`` without the conflict target's guard: a plain
    insert, as a naive implementation would write it."""

    def __init__(self, table: sa.Table) -> None:
        self.statement = sa.insert(table)

    def values(self, **values: Any) -> "_plain_insert":
        self.statement = self.statement.values(**values)
        return self

    def on_conflict_do_nothing(self, **_: Any) -> "_plain_insert":
        return self

    def returning(self, *columns: Any) -> Any:
        return self.statement.returning(*columns)


async def test_a_call_s_letters_are_ordered_in_one_batch(
    client: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    manager = call["manager"]
    assert (
        await client.put(
            f"/api/programmes/{PROGRAMME}/letterhead", json=LETTERHEAD, headers=manager
        )
    ).status_code == 200
    rejection = await client.post(
        f"/api/decisions/{call['rejection_draft']['id']}/release",
        headers={**manager, "If-Match": f'"{call["rejection_draft"]["version"]}"'},
    )
    assert rejection.status_code == 200, rejection.text
    ordered = await client.post(f"/api/calls/{PROGRAMME}/demo/letter-batches", headers=manager)
    assert ordered.status_code == 202, ordered.text
    batch = ordered.json()
    assert (batch["total"], batch["pending"], batch["issued"]) == (2, 2, 0)
    resources = _resources(session_factory, clock, pool)
    for request in batch["requests"]:
        assert await service.issue(resources, uuid.UUID(request["id"])) == "issued"
    progress = (await client.get(f"/api/letter-batches/{batch['id']}", headers=manager)).json()
    assert (progress["pending"], progress["issued"], progress["failed"]) == (0, 2, 0)
    again = await client.post(f"/api/calls/{PROGRAMME}/demo/letter-batches", headers=manager)
    assert again.status_code == 409
    kinds = []
    for key in ("A", "C"):
        listed = await client.get(
            f"/api/applications/{call['apps'][key]['id']}/letters", headers=manager
        )
        kinds.extend(letter["kind"] for letter in listed.json())
    assert sorted(kinds) == ["approval", "rejection"]


def letters_routes(app: Litestar) -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in app.openapi_schema.to_schema()["paths"].items()
        for method, operation in item.items()
        if "letters" in operation.get("tags", [])
    )


async def test_every_letters_url_refuses_strangers_evaluators_and_the_recipient_where_staff_act(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    letter_id = await _issued(client, session_factory, clock, pool, call)
    recipient_may = {
        ("GET", "/api/applications/{application_id}/letters"),
        ("GET", "/api/letters/{letter_id}"),
        ("GET", "/api/letters/{letter_id}/pdf"),
        ("GET", "/api/applications/{application_id}/submissions/{number}/receipt.pdf"),
        ("GET", "/api/applications/{application_id}/invitation.pdf"),
        (
            "GET",
            "/api/applications/{application_id}/formal-application/submissions/{number}/"
            "receipt.pdf",
        ),
    }
    fill = {
        "{guideline_id}": PROGRAMME,
        "{call_code}": "demo",
        "{decision_id}": call["approval"]["id"],
        "{application_id}": call["apps"]["A"]["id"],
        "{letter_id}": letter_id,
        "{batch_id}": str(uuid.uuid4()),
        "{number}": "1",
    }
    stranger = (await applicant(client))["headers"]
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    tables = ("issued_letters", "letter_requests", "letter_batches", "letter_retrievals")

    async def counts() -> list[int]:
        return [await _count(db_session, f"SELECT count(*) FROM {t}") for t in tables]  # noqa: S608 (fixed names)

    before = await counts()
    routes = letters_routes(app)
    assert len(routes) == 18, routes
    for method, path in routes:
        url = path
        for key, value in fill.items():
            url = url.replace(key, value)
        callers = {"stranger": stranger, "evaluator": evaluator}
        if (method, path) not in recipient_may:
            callers["recipient"] = call["applicant"]
        for who, headers in callers.items():
            response = await client.request(
                method,
                url,
                json=LETTERHEAD
                if method == "PUT"
                else {"reason": REASON}
                if path.endswith("/corrections")
                else None,
                headers=headers,
            )
            assert response.status_code in {403, 404}, (who, method, path, response.text)
    assert await counts() == before


async def test_a_receipt_is_a_pdf_of_what_was_received(
    client: httpx.AsyncClient, db_session: AsyncSession, pool: RenderPool, call: dict[str, Any]
) -> None:
    a, anna = call["apps"]["A"]["id"], call["applicant"]
    url = f"/api/applications/{a}/submissions/1"
    as_json = (await client.get(f"{url}/receipt", headers=anna)).json()
    pdf = await client.get(f"{url}/receipt.pdf", headers=anna)
    assert pdf.status_code == 200, pdf.text
    data = _pdf_data(pdf.content)
    assert data["kind"] == "receipt"
    assert data["receipt"]["snapshot_sha256"] == as_json["snapshot_sha256"]
    assert data["receipt"]["received_at"] == as_json["received_at"]
    assert (await client.get(f"{url}/receipt.pdf", headers=call["manager"])).status_code == 200
    stranger = (await applicant(client))["headers"]
    assert (await client.get(f"{url}/receipt.pdf", headers=stranger)).status_code == 404
    assert (
        await client.get(f"/api/applications/{a}/submissions/9/receipt.pdf", headers=anna)
    ).status_code == 404
    mail = (
        (
            await db_session.execute(
                sa.text(
                    "SELECT body_text FROM outbox_messages "
                    "WHERE kind = 'receipt' AND application_id = :a"
                ),
                {"a": a},
            )
        )
        .scalars()
        .all()
    )
    await db_session.commit()
    # The sketch's receipt e-mail (the formal application's has its own) links to its PDF.
    assert any(f"{url}/receipt.pdf" in body for body in mail)


async def test_the_formal_application_s_receipt_is_a_pdf_of_what_was_received(
    client: httpx.AsyncClient, db_session: AsyncSession, pool: RenderPool, call: dict[str, Any]
) -> None:
    a, anna = call["apps"]["A"]["id"], call["applicant"]
    url = f"/api/applications/{a}/formal-application/submissions/1"
    as_json = (await client.get(f"{url}/receipt", headers=anna)).json()
    pdf = await client.get(f"{url}/receipt.pdf", headers=anna)
    assert pdf.status_code == 200, pdf.text
    assert hashlib.sha256(pdf.content).hexdigest() == pdf.headers["digest"].split("=", 1)[1]
    data = _pdf_data(pdf.content)
    assert (data["kind"], data["reference"]) == ("formal_receipt", as_json["reference_number"])
    assert data["receipt"]["snapshot_sha256"] == as_json["snapshot_sha256"]
    assert data["receipt"]["requested_grant"] == as_json["requested_grant"]
    assert len(data["receipt"]["declarations"]) == len(as_json["declarations"]) > 0
    assert data["sketch_snapshot_sha256"] and data["recipient"]["legal_name"]
    assert (await client.get(f"{url}/receipt.pdf", headers=call["manager"])).status_code == 200
    stranger = (await applicant(client))["headers"]
    assert (await client.get(f"{url}/receipt.pdf", headers=stranger)).status_code == 404
    never = f"/api/applications/{a}/formal-application/submissions/9/receipt.pdf"
    assert (await client.get(never, headers=anna)).status_code == 404
    bodies = (
        (
            await db_session.execute(
                sa.text(
                    "SELECT body_text FROM outbox_messages "
                    "WHERE kind = 'receipt' AND application_id = :a"
                ),
                {"a": a},
            )
        )
        .scalars()
        .all()
    )
    await db_session.commit()
    assert sum(f"{url}/receipt.pdf" in body for body in bodies) == 1


async def test_the_invitation_is_a_pdf_with_the_due_date_as_it_stands(
    client: httpx.AsyncClient, db_session: AsyncSession, pool: RenderPool, call: dict[str, Any]
) -> None:
    a, b, anna, manager = (
        call["apps"]["A"]["id"],
        call["apps"]["B"]["id"],
        call["applicant"],
        call["manager"],
    )
    url = f"/api/applications/{a}/invitation.pdf"
    pdf = await client.get(url, headers=anna)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    data = _pdf_data(pdf.content)
    formal = (await client.get(f"/api/applications/{a}/formal-application", headers=anna)).json()
    reference = (await client.get(f"/api/applications/{a}", headers=anna)).json()[
        "reference_number"
    ]
    assert (data["kind"], data["reference"]) == ("invitation", reference)
    assert datetime.fromisoformat(data["due_at"]) == datetime.fromisoformat(formal["due_at"])
    assert data["recipient"]["street"] and data["due_reason"] == ""
    assert (await client.get(url, headers=manager)).status_code == 200
    stranger = (await applicant(client))["headers"]
    assert (await client.get(url, headers=stranger)).status_code == 404
    # B stayed on the reserve list: never invited, no invitation.
    never = await client.get(f"/api/applications/{b}/invitation.pdf", headers=anna)
    assert never.status_code == 404, never.text
    assert "Aufforderung" in never.json()["detail"]
    mail = (
        (
            await db_session.execute(
                sa.text(
                    "SELECT body_text FROM outbox_messages "
                    "WHERE kind = 'status_changed' AND application_id = :a"
                ),
                {"a": a},
            )
        )
        .scalars()
        .all()
    )
    await db_session.commit()
    assert sum(url in body for body in mail) == 1  # the invitation's e-mail, no other


async def test_a_letter_not_downloaded_within_ten_days_is_listed_for_posting(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    letter_id = await _issued(client, session_factory, clock, pool, call)
    manager, anna = call["manager"], call["applicant"]
    url = f"/api/programmes/{PROGRAMME}/letters-to-post"
    assert (await client.get(url, headers=manager)).json() == []
    # Eleven days on: the tokens tie to real time, so the letter's issue is moved back
    # instead (past its immutability trigger, in the test's transaction only).
    async with db_session.begin():
        await db_session.execute(sa.text("ALTER TABLE issued_letters DISABLE TRIGGER USER"))
        await db_session.execute(
            sa.text("UPDATE issued_letters SET issued_at = issued_at - interval '11 days'")
        )
        await db_session.execute(sa.text("ALTER TABLE issued_letters ENABLE TRIGGER USER"))
    [due] = (await client.get(url, headers=manager)).json()
    assert due["letter_id"] == letter_id and due["reference_number"]
    assert (await client.get(url, headers=anna)).status_code == 403
    # A download now is recorded, but no longer notifies: the letter stays to be posted.
    assert (await client.get(f"/api/letters/{letter_id}/pdf", headers=anna)).status_code == 200
    assert [d["letter_id"] for d in (await client.get(url, headers=manager)).json()] == [letter_id]


async def _correct(
    client: httpx.AsyncClient, manager: dict[str, str], letter_id: str, reason: str
) -> httpx.Response:
    return await client.post(
        f"/api/letters/{letter_id}/corrections", json={"reason": reason}, headers=manager
    )


REASON = "Die Anschrift der Bewilligungsstelle war falsch angegeben."


async def test_an_issued_letter_is_corrected_by_a_new_letter_that_names_it(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    """§ 42 VwVfG: the letterhead's street was wrong. The correction renders the same
    released decision with the corrected letterhead, names the old letter (its file, its
    hash, when it was issued) and why; the old letter stays as it was; the decision's
    notification is untouched (no second dispatch); one correction per letter."""
    first_id = await _issued(client, session_factory, clock, pool, call)
    manager, anna, a = call["manager"], call["applicant"], call["apps"]["A"]["id"]
    first_pdf = (await client.get(f"/api/letters/{first_id}/pdf", headers=manager)).content
    fixed = LETTERHEAD | {"street": "Pirnaische Straße 9a", "reason": "Hausnummer berichtigt"}
    assert (
        await client.put(f"/api/programmes/{PROGRAMME}/letterhead", json=fixed, headers=manager)
    ).status_code == 200

    short = await _correct(client, manager, first_id, "Fehler")
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
    assert (await _correct(client, anna, first_id, REASON)).status_code == 403
    ordered = await _correct(client, manager, first_id, REASON)
    assert ordered.status_code == 202, ordered.text
    order = ordered.json()
    assert (order["status"], order["corrects_id"], order["reason"]) == (
        "pending",
        first_id,
        REASON,
    )
    twice = await _correct(client, manager, first_id, REASON)
    assert twice.status_code == 409 and twice.json()["order_id"] == order["id"]

    resources = _resources(session_factory, clock, pool)
    assert await service.issue(resources, uuid.UUID(order["id"])) == "issued"
    assert await service.issue(resources, uuid.UUID(order["id"])) == "done before"
    listed = (await client.get(f"/api/applications/{a}/letters", headers=anna)).json()
    old, new = listed
    assert old["id"] == first_id
    assert old["corrected_by_id"] == new["id"] and old["corrects_id"] is None
    assert (new["corrects_id"], new["correction_reason"], new["corrected_by_id"]) == (
        first_id,
        REASON,
        None,
    )
    assert new["title"] == "Berichtigung: Zuwendungsbescheid"
    assert new["file_name"].endswith("-Berichtigung-1.pdf")
    # The old letter is unchanged, byte for byte.
    assert (await client.get(f"/api/letters/{first_id}/pdf", headers=manager)).content == (
        first_pdf
    )
    data = _pdf_data((await client.get(f"/api/letters/{new['id']}/pdf", headers=anna)).content)
    assert data["authority"]["street"] == "Pirnaische Straße 9a"
    assert data["decision_id"] == call["approval"]["id"]
    correction = data["correction"]
    assert correction["corrects_letter_id"] == first_id
    assert correction["corrected_sha256"] == hashlib.sha256(first_pdf).hexdigest()
    assert correction["reason"] == REASON
    with pikepdf.open(io.BytesIO(first_pdf)) as pdf:
        assert "correction" in json.loads(pdf.attachments[DATA_FILE].get_file().read_bytes())

    kinds = await db_session.execute(
        sa.text("SELECT kind FROM decision_notices WHERE decision_id = :d ORDER BY number"),
        {"d": call["approval"]["id"]},
    )
    # One dispatch (the first letter's); anna's download of the correction is the retrieval.
    assert list(kinds.scalars()) == ["dispatched", "retrieved"]
    await db_session.commit()
    bodies = (
        (
            await db_session.execute(
                sa.text("SELECT body_text FROM outbox_messages WHERE kind = 'letter_ready'")
            )
        )
        .scalars()
        .all()
    )
    await db_session.commit()
    [first_mail] = [body for body in bodies if first_id in body]
    [mail] = [body for body in bodies if new["id"] in body]
    assert "§ 41 Abs. 2a" in first_mail and "Berichtigung" not in first_mail
    assert "Berichtigung: Zuwendungsbescheid" in mail and "§ 42 VwVfG" in mail
    assert REASON in mail and "§ 41 Abs. 2a" not in mail
    assert (
        await _count(
            db_session,
            "SELECT count(*) FROM audit_log WHERE action = 'letter_correction_ordered'",
        )
        == 1
    )
    # Only the newest letter is corrected: the old one again is refused, the new one is not.
    again = await _correct(client, manager, first_id, REASON)
    assert again.status_code == 409 and again.json()["corrected_by_id"] == new["id"]
    assert (await _correct(client, manager, new["id"], REASON + " Erneut.")).status_code == 202


@pytest.mark.parametrize("variant", ["guarded", "naive"])
async def test_a_correction_s_job_run_twice_issues_one_correction(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    variant: str,
) -> None:
    """As for a first letter: both runs find the order pending; the unique index on the
    corrected letter leaves one correction; without it, two."""
    first_id = await _issued(client, session_factory, clock, pool, call)
    ordered = await _correct(client, call["manager"], first_id, REASON)
    request_id = uuid.UUID(ordered.json()["id"])

    async def still_pending(session: AsyncSession, found: uuid.UUID, *, lock: bool) -> Any:
        return (
            await session.execute(sa.select(service._q).where(service._q.c.id == found))
        ).first()

    monkeypatch.setattr(service, "_pending", still_pending)
    if variant == "naive":
        async with db_session.begin():
            await db_session.execute(sa.text("DROP INDEX uq_issued_letters_corrects"))
        monkeypatch.setattr(service, "pg_insert", _plain_insert)
    resources = _resources(session_factory, clock, pool)
    assert await service.issue(resources, request_id) == "issued"
    assert await service.issue(resources, request_id) == "issued"
    corrections = await _count(
        db_session, "SELECT count(*) FROM issued_letters WHERE corrects_id IS NOT NULL"
    )
    assert corrections == (1 if variant == "guarded" else 2)


async def test_a_failed_order_is_ordered_again_and_an_issued_one_is_not(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    """A job that failed (here: the person who ordered it lost the manager role before it
    ran) leaves its order failed with the reason; once the cause is gone, ordering again
    takes the same order — in its batch, if it had one — with a new job, and the audit
    entry keeps why it failed."""
    manager = call["manager"]
    assert (
        await client.put(
            f"/api/programmes/{PROGRAMME}/letterhead", json=LETTERHEAD, headers=manager
        )
    ).status_code == 200
    url = f"/api/decisions/{call['approval']['id']}/letter"
    ordered = (await client.post(url, headers=manager)).json()
    resources = _resources(session_factory, clock, pool)
    async with db_session.begin():
        await db_session.execute(
            sa.text(
                "UPDATE letter_requests SET requested_by = "
                "(SELECT created_by FROM applications WHERE id = :a) WHERE id = :r"
            ),
            {"a": call["apps"]["A"]["id"], "r": ordered["id"]},
        )
    assert await service.issue(resources, uuid.UUID(ordered["id"])) == "failed"
    failed = (await client.get(url, headers=manager)).json()
    assert failed["status"] == "failed" and "Programmverantwortliche" in failed["error"]
    again = await client.post(url, headers=manager)
    assert again.status_code == 202, again.text
    assert (again.json()["id"], again.json()["status"], again.json()["error"]) == (
        ordered["id"],
        "pending",
        "",
    )
    assert await service.issue(resources, uuid.UUID(ordered["id"])) == "issued"
    assert (await client.post(url, headers=manager)).status_code == 409
    before = (
        (
            await db_session.execute(
                sa.text(
                    "SELECT before FROM audit_log WHERE action = 'letter_requested' ORDER BY seq"
                )
            )
        )
        .scalars()
        .all()
    )
    await db_session.commit()
    assert before[0] is None and "Programmverantwortliche" in before[1]["failed"]
    jobs = await _count(
        db_session,
        "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = :t",
        t=service.ISSUE_TASK,
    )
    assert jobs == 2


async def test_without_the_consent_a_letter_is_to_be_posted_at_once_and_its_download_notifies_no(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    """§ 41 Abs. 2a VwVfG: the portal notifies only with the recipient's consent. Withdrawn,
    the issued letter is no portal dispatch, the e-mail says the decision comes by post, the
    letter is at once on the list to post, and the recipient's download is a copy's; once
    the post's dispatch is recorded, the letter leaves the list."""
    manager, anna, a = call["manager"], call["applicant"], call["apps"]["A"]["id"]
    await portal_consent(client, anna, a, given=False)
    letter_id = await _issued(client, session_factory, clock, pool, call)
    decision_id = call["approval"]["id"]
    notices = await db_session.execute(
        sa.text("SELECT kind FROM decision_notices WHERE decision_id = :d"), {"d": decision_id}
    )
    assert list(notices.scalars()) == []
    await db_session.commit()
    [body] = (
        (
            await db_session.execute(
                sa.text("SELECT body_text FROM outbox_messages WHERE kind = 'letter_ready'")
            )
        )
        .scalars()
        .all()
    )
    await db_session.commit()
    assert "per Post bekanntgegeben" in body and "Abschrift" in body
    assert "gilt am Tag nach dem Abruf" not in body
    url = f"/api/programmes/{PROGRAMME}/letters-to-post"
    [due] = (await client.get(url, headers=manager)).json()
    assert (due["letter_id"], due["reason"]) == (letter_id, "no_portal_consent")
    assert (await client.get(f"/api/letters/{letter_id}/pdf", headers=anna)).status_code == 200
    standing = (await client.get(f"/api/decisions/{decision_id}", headers=manager)).json()
    assert [n["kind"] for n in standing["standing"]["notices"]] == []
    today = str(berlin_date(clock.current))
    posted = await client.post(
        f"/api/decisions/{decision_id}/notices",
        json={"kind": "dispatched", "channel": "post", "on_date": today},
        headers=manager,
    )
    assert posted.status_code == 201, posted.text
    assert (await client.get(url, headers=manager)).json() == []


def _png_bytes(size: tuple[int, int], **text: str) -> bytes:
    image = Image.new("RGB", size, (0, 90, 160))
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


async def test_the_letterhead_s_logo_is_set_printed_and_removed(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    manager, anna = call["manager"], call["applicant"]
    url = f"/api/programmes/{PROGRAMME}/letterhead/logo"
    upload = _png_bytes((480, 160), Author="Max Mustermann")
    image = {**manager, "content-type": "image/png"}
    before = await client.put(url, content=upload, headers=image)
    assert before.status_code == 404 and "Briefkopf" in before.json()["detail"]
    assert (
        await client.put(
            f"/api/programmes/{PROGRAMME}/letterhead", json=LETTERHEAD, headers=manager
        )
    ).status_code == 200
    svg = await client.put(url, content=b"<svg xmlns='http://www.w3.org/2000/svg'/>", headers=image)
    assert svg.status_code == 422, svg.text
    assert [(e["field"], e["rule"]) for e in svg.json()["errors"]] == [("body", "logo.format")]
    assert (
        await client.put(url, content=upload, headers={**anna, "content-type": "image/png"})
    ).status_code == 403
    assert await _count(db_session, "SELECT count(*) FROM programme_logos") == 0

    set_ = await client.put(url, content=upload, headers=image)
    assert set_.status_code == 200, set_.text
    logo = set_.json()
    assert (logo["width"], logo["height"]) == (480, 160)
    stored = await client.get(url, headers=manager)
    assert stored.headers["content-type"] == "image/png"
    assert hashlib.sha256(stored.content).hexdigest() == logo["sha256"]
    assert b"Mustermann" not in stored.content

    preview = await client.get(
        f"/api/decisions/{call['approval']['id']}/letter-preview", headers=manager
    )
    assert _pdf_data(preview.content)["authority"]["logo"]["sha256"] == logo["sha256"]
    letter_id = await _issued(client, session_factory, clock, pool, call)
    issued = await client.get(f"/api/letters/{letter_id}/pdf", headers=anna)
    assert _pdf_data(issued.content)["authority"]["logo"]["sha256"] == logo["sha256"]
    with pikepdf.open(io.BytesIO(issued.content)) as pdf:
        sizes = {(int(i.Width), int(i.Height)) for i in pdf.pages[0].get_images().values()}
    assert (480, 160) in sizes

    assert (await client.delete(url, headers=manager)).status_code == 204
    assert (await client.get(url, headers=manager)).status_code == 404
    assert (await client.delete(url, headers=manager)).status_code == 404
    receipt = await client.get(
        f"/api/applications/{call['apps']['A']['id']}/submissions/1/receipt.pdf", headers=anna
    )
    assert _pdf_data(receipt.content)["authority"]["logo"] is None
    # The issued letter keeps the logo it was issued with.
    again = await client.get(f"/api/letters/{letter_id}/pdf", headers=anna)
    assert again.content == issued.content
    audited = await _count(
        db_session,
        "SELECT count(*) FROM audit_log WHERE action IN "
        "('letterhead_logo_set', 'letterhead_logo_removed')",
    )
    assert audited == 2


async def test_an_issued_letter_prints_the_latest_signed_tree_head_which_verifies_the_log(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    pool: RenderPool,
    call: dict[str, Any],
) -> None:
    app = app_of(client)
    await run_sequencer(session_factory, app.state.audit_signer, clock)
    async with db_session.begin():
        head = await latest_head(db_session)
    assert head is not None
    letter_id = await _issued(client, session_factory, clock, pool, call)
    pdf = await client.get(f"/api/letters/{letter_id}/pdf", headers=call["manager"])
    data = _pdf_data(pdf.content)
    assert data["audit_head"] == {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "signed_at": head.signed_at.isoformat(),
        "key_id": head.key_id,
    }
    html = render_html(data["kind"], data)
    assert head.root_hash in html and f"{head.tree_size} Einträge" in html
    assert "Prüfprotokoll" not in render_html(data["kind"], data, draft=True)
    # The log goes on; the printed head still checks it.
    await run_sequencer(session_factory, app.state.audit_signer, clock)
    printed = TreeHead(data["audit_head"]["tree_size"], data["audit_head"]["root_hash"])
    async with db_session.begin():
        report = await verify_audit_log(
            db_session, public_keys=[app.state.audit_signer.public_key], anchors=[printed]
        )
    assert report.first_break is None
    assert report.tree_size > head.tree_size  # the letter's own entries came after
