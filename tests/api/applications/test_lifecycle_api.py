"""Status changes over HTTP: managers move submitted applications through the formal check,
ask for information, applicants answer and withdraw; illegal steps are 409s that say what is
allowed; every step lands in the history and the audit log. The steps come in their legal
order: nothing of the formal check before the call's deadline, no review without a passed
check; decisions are Bescheide, not transitions."""

import uuid

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.applications.tables import submissions_table
from grants.core.roles import StaffRole
from grants.db.audit import AuditLog
from grants.settings import Settings
from tests.applications_factories import applicant, attach_concept, draft, submitted
from tests.evaluation_factories import close_call, closing_app, pass_formal_check
from tests.factories import staff_headers as staff
from tests.fakes import FakeClock


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    """The demo call closes seconds after the clock starts (``tests.evaluation_factories``)."""
    return closing_app(settings, session_factory, clock)


async def _step(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    event: str,
    reason: str | None = None,
) -> httpx.Response:
    body = {"event": event} if reason is None else {"event": event, "reason": reason}
    return await client.post(f"{url}/transitions", json=body, headers=headers)


async def test_formal_check_with_a_request_for_information(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna = await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, receipt = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    early = await _step(client, url, manager, "start_formal_check")
    assert early.status_code == 409, early.text
    assert early.json()["type"] == "urn:grants:problem:step-out-of-order"
    assert early.json()["missing"] == ["call_closed"]
    assert early.json()["current_state"] == "submitted"
    assert "deadline_at" in early.json()
    await close_call(client, clock)
    started = await _step(client, url, manager, "start_formal_check")
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "formal_check"
    asked = await client.post(
        f"{url}/information-requests",
        json={
            "items": ["Satzung des Vereins", "Kostenvoranschlag Lasercutter"],
            "message": "Bitte reichen Sie die Unterlagen nach.",
            "due_at": "2030-01-15T23:59:59+01:00",
        },
        headers=manager,
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    status = (await client.get(url, headers=anna["headers"])).json()["status"]
    assert status == "information_requested"
    attachment = await attach_concept(client, anna["headers"], application)
    answered = await client.post(
        f"{url}/information-requests/{request_id}/responses",
        json={"text": "Anbei die Satzung.", "attachment_ids": [attachment]},
        headers=anna["headers"],
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["number"] == 1
    second = await client.post(
        f"{url}/information-requests/{request_id}/responses",
        json={"text": "Und der Kostenvoranschlag."},
        headers=anna["headers"],
    )
    assert second.json()["number"] == 2
    listed = (await client.get(f"{url}/information-requests", headers=manager)).json()
    assert [r["number"] for r in listed[0]["responses"]] == [1, 2]
    assert listed[0]["status"] == "answered"
    assert (await client.get(url, headers=manager)).json()["status"] == "formal_check"
    # The submitted snapshot is untouched by the answers.
    snapshot = (await client.get(f"{url}/submissions/1", headers=manager)).json()
    assert snapshot["snapshot_sha256"] == receipt["snapshot_sha256"]
    # Acceptance needs a completed formal check; today's empty checklist is not one.
    unchecked = await _step(client, url, manager, "accept_for_review")
    assert unchecked.status_code == 409, unchecked.text
    assert unchecked.json()["missing"] == ["formal_check_passed"]
    assert unchecked.json()["current_state"] == "formal_check"
    assert "Formalprüfung" in unchecked.json()["detail"]
    assert "formal_check" not in unchecked.json()["detail"]
    accepted = await pass_formal_check(client, manager, application["id"])
    assert accepted["status"] == "in_review"
    events = (await client.get(f"{url}/events", headers=anna["headers"])).json()
    assert [e["event"] for e in events] == [
        "create",
        "submit",
        "start_formal_check",
        "request_information",
        "answer_request",
        "accept_for_review",
    ]
    actions = (
        (
            await db_session.execute(
                sa.select(AuditLog.action).where(AuditLog.object_id == application["id"])  # type: ignore[arg-type]
            )
        )
        .scalars()
        .all()
    )
    assert "application_accepted_for_review" in actions


async def test_illegal_steps_are_409_naming_state_and_allowed_events(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    response = await _step(client, url, manager, "invite")
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "urn:grants:problem:invalid-transition"
    assert body["current_state"] == "submitted"
    assert body["allowed_events"] == ["start_formal_check"]
    assert "„Zur Antragstellung auffordern“" in body["detail"] and "„Eingereicht“" in body["detail"]
    assert "start_formal_check" not in body["detail"]  # labels, not codes
    as_applicant = await _step(client, url, anna["headers"], "start_formal_check")
    assert as_applicant.status_code == 409
    assert as_applicant.json()["allowed_events"] == ["resubmit", "withdraw"]
    no_reason = await _step(client, url, anna["headers"], "withdraw")
    assert no_reason.status_code == 409
    unknown = await _step(client, url, manager, "teleport")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "event"


async def test_a_request_for_information_before_the_deadline_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna = await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    async with db_session.begin():  # a row that reached the formal check past the services
        await db_session.execute(
            sa.text("UPDATE applications SET status = 'formal_check' WHERE id = :id"),
            {"id": uuid.UUID(application["id"])},
        )
    body = {"items": ["Satzung des Vereins"], "due_at": "2030-01-15T23:59:59+01:00"}
    early = await client.post(f"{url}/information-requests", json=body, headers=manager)
    assert early.status_code == 409, early.text
    assert early.json()["missing"] == ["call_closed"]
    assert "Nachforderung" in early.json()["detail"] and "Stichtag" in early.json()["detail"]
    assert (await client.get(f"{url}/information-requests", headers=manager)).json() == []
    mails = await db_session.execute(
        sa.text("SELECT kind FROM outbox_messages WHERE application_id = :id"),
        {"id": uuid.UUID(application["id"])},
    )
    assert "information_request" not in set(mails.scalars())
    await close_call(client, clock)
    after = await client.post(f"{url}/information-requests", json=body, headers=manager)
    assert after.status_code == 201, after.text


@pytest.mark.parametrize(
    "event", ["approve", "approve_partially", "reject", "decline", "reject_formally"]
)
async def test_decisions_are_not_status_changes(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock, event: str
) -> None:
    anna = await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, _ = await submitted(client, db_session, anna["headers"])
    await close_call(client, clock)
    url = f"/api/applications/{application['id']}"
    assert (await _step(client, url, manager, "start_formal_check")).status_code == 200
    refused = await _step(client, url, manager, event, "Begründung des Bescheids")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == "urn:grants:problem:decision-by-notice"
    assert problem["event"] == event and problem["current_state"] == "formal_check"
    assert "Bescheid" in problem["detail"] and "notice" in problem["detail"]
    after = (await client.get(url, headers=manager)).json()
    assert after["status"] == "formal_check"
    assert not set(after["allowed_events"]) & {event, "reject_formally"}
    events = [e["event"] for e in (await client.get(f"{url}/events", headers=manager)).json()]
    assert event not in events
    # A stranger learns nothing from it: 404 as for every other step.
    stranger = await applicant(client)
    assert (await _step(client, url, stranger["headers"], event, "x")).status_code == 404


async def test_the_jury_recommendation_has_its_own_endpoint(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    response = await _step(client, url, manager, "record_jury_decision", "Jury-Votum")
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "dedicated_endpoint"
    assert "/api/evaluation/decisions/" in response.json()["errors"][0]["message"]


async def test_withdrawal_needs_a_reason_and_ends_the_application(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = f"/api/applications/{application['id']}"
    withdrawn = await _step(
        client, url, anna["headers"], "withdraw", "Projekt wird anders finanziert"
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["allowed_events"] == []
    patched = await client.patch(
        url,
        json={"title": "x"},
        headers={**anna["headers"], "If-Match": f'"{withdrawn.json()["version"]}"'},
    )
    assert patched.status_code == 403
    events = (await client.get(f"{url}/events", headers=anna["headers"])).json()
    assert events[-1]["reason"] == "Projekt wird anders finanziert"


async def test_submitted_snapshots_cannot_be_altered_even_with_sql(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    await submitted(client, db_session, anna["headers"])
    import pytest
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        async with db_session.begin():
            await db_session.execute(sa.update(submissions_table).values(reference_number="X"))


async def test_managers_never_see_drafts_and_strangers_see_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    bert = await applicant(client)
    manager = await staff(client, db_session, StaffRole.PROGRAMME_MANAGER)
    evaluator = await staff(client, db_session, StaffRole.EVALUATOR)
    application = await draft(client, anna["headers"])
    await attach_concept(client, anna["headers"], application)
    url = f"/api/applications/{application['id']}"
    urls = [
        ("GET", url),
        ("GET", f"{url}/eligibility"),
        ("GET", f"{url}/submissions"),
        ("GET", f"{url}/submissions/1"),
        ("GET", f"{url}/submissions/1/receipt"),
        ("GET", f"{url}/submissions/1/attachments"),
        ("GET", f"{url}/submissions/1/diff?against=1"),
        ("GET", f"{url}/events"),
        ("GET", f"{url}/information-requests"),
        ("PATCH", url),
        ("POST", f"{url}/submissions"),
        ("POST", f"{url}/transitions"),
        ("POST", f"{url}/information-requests"),
        ("POST", f"{url}/information-requests/{application['id']}/responses"),
    ]
    bodies = {
        "PATCH": {"title": "x"},
        "POST": {
            "event": "withdraw",
            "reason": "x",
            "items": ["x"],
            "due_at": "2030-01-01T00:00:00Z",
            "text": "x",
        },
    }

    async def statuses(headers: dict[str, str]) -> set[int]:
        found = set()
        for method, target in urls:
            body = bodies.get(method)
            if target.endswith("/submissions") and method == "POST":
                body = None
            if target.endswith("/transitions"):
                body = {"event": "withdraw", "reason": "x"}
            elif target.endswith("/information-requests") and method == "POST":
                body = {"items": ["x"], "due_at": "2030-01-01T00:00:00Z"}
            elif target.endswith("/responses"):
                body = {"text": "x"}
            response = await client.request(
                method, target, json=body, headers={**headers, "If-Match": '"1"'}
            )
            assert "MakerSpace" not in response.text, (method, target)
            found.add(response.status_code)
        return found

    for stranger in (bert["headers"], evaluator, manager):  # a draft: managers are strangers too
        assert await statuses(stranger) == {404}
    await client.post(f"{url}/submissions", headers={**anna["headers"], "If-Match": '"1"'})
    for stranger in (bert["headers"], evaluator):
        assert await statuses(stranger) == {404}
