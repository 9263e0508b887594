"""The consent to an early start (vorzeitiger Maßnahmebeginn) is an act of the authority:
recorded by programme managers only, read by the applicant's organisation, audited, replaced
or revoked only by a new act with a reason, and never overwritten (append-only in the
database). ``early_start_consent_of`` answers the eligibility engine."""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.early_start.service import (
    early_start_consent_of,
    early_start_consents_for,
)
from grants.applications.early_start.tables import early_start_consents_table
from grants.core.deadlines import berlin_date
from grants.core.roles import StaffRole
from grants.db.audit import AuditLog
from tests.applications_factories import applicant, draft, submitted
from tests.factories import staff_headers
from tests.fakes import FakeClock

CONSENT = {
    "consented_on": "2024-03-20",
    "letter_reference": "SAB-LIfD-2024-0042/vMB",
    "scope": "Abschluss der Mietverträge und Bestellung der Werkstattausstattung",
}


def _url(application: dict[str, Any]) -> str:
    return f"/api/applications/{application['id']}/early-start-consent"


async def _audit(db_session: AsyncSession, application_id: str) -> list[tuple[str, Any]]:
    table = AuditLog.__table__  # type: ignore[attr-defined]
    rows = await db_session.execute(
        sa.select(table.c.action, table.c.after)
        .where(table.c.object_id == application_id, table.c.action.like("early_start%"))
        .order_by(table.c.seq)
    )
    return [(row.action, row.after) for row in rows]


async def test_managers_record_the_consent_and_the_applicant_sees_it(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    boss = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    url = _url(application)
    before = await client.get(url, headers=anna["headers"])
    assert before.status_code == 200, before.text
    assert (before.json()["consented"], before.json()["history"]) == (False, [])
    assert "keinen Anspruch" in before.json()["notice"]["de"]

    recorded = await client.post(url, json=CONSENT, headers=boss)
    assert recorded.status_code == 201, recorded.text
    consent = recorded.json()["consent"]
    assert recorded.json()["consented"] is True
    assert (consent["number"], consent["kind"], consent["letter_date"]) == (
        1,
        "consent",
        "2024-03-20",
    )
    seen = await client.get(url, headers=anna["headers"])
    assert seen.json()["consent"]["letter_reference"] == "SAB-LIfD-2024-0042/vMB"
    assert seen.json()["consent"]["scope"].startswith("Abschluss der Mietverträge")
    found = await early_start_consent_of(db_session, uuid.UUID(application["id"]))
    assert found is not None and found.consented_on == date(2024, 3, 20)

    # A second consent replaces the first only with a reason.
    wider = {**CONSENT, "consented_on": "2024-04-02", "scope": "zusätzlich Personal"}
    no_reason = await client.post(url, json=wider, headers=boss)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    assert no_reason.json()["errors"][0]["rule"] == "required_for_replacement"
    replaced = await client.post(
        url, json={**wider, "reason": "Erweiterung auf Antrag vom 28.03.2024"}, headers=boss
    )
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["consent"]["number"] == 2
    assert [a["number"] for a in replaced.json()["history"]] == [1, 2]

    # Revocation: a new act with a reason, not dated before the consent in force.
    early = await client.post(
        f"{url}/revocation",
        json={"revoked_on": "2024-04-01", "letter_reference": "SAB-W-1", "reason": "Irrtum"},
        headers=boss,
    )
    assert early.status_code == 422 and early.json()["errors"][0]["rule"] == "before_consent"
    revoked = await client.post(
        f"{url}/revocation",
        json={
            "revoked_on": "2024-05-02",
            "letter_reference": "SAB-W-1",
            "reason": "Vorhaben geändert",
        },
        headers=boss,
    )
    assert revoked.status_code == 201, revoked.text
    assert revoked.json()["consented"] is False and revoked.json()["consent"] is None
    assert [a["kind"] for a in revoked.json()["history"]] == ["consent", "consent", "revocation"]
    assert await early_start_consent_of(db_session, uuid.UUID(application["id"])) is None
    again = await client.post(
        f"{url}/revocation",
        json={"revoked_on": "2024-05-03", "letter_reference": "SAB-W-2", "reason": "x"},
        headers=boss,
    )
    assert again.status_code == 409
    assert [action for action, _ in await _audit(db_session, application["id"])] == [
        "early_start_consent_recorded",
        "early_start_consent_recorded",
        "early_start_consent_revoked",
    ]
    first_entry = (await _audit(db_session, application["id"]))[0][1]
    assert first_entry["letter_reference"] == "SAB-LIfD-2024-0042/vMB"


async def test_only_managers_record_and_only_the_organisation_and_managers_read(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    url = _url(application)
    boss = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    other = await applicant(client, organisation={"legal_name": "Dorfladen Zwönitz eG"})
    evaluator = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    revocation = {"revoked_on": "2024-05-02", "letter_reference": "W", "reason": "x"}
    for who, headers, read, write in (
        ("anonymous", {}, 401, 401),
        ("the applicant", anna["headers"], 200, 403),  # a checkbox of the applicant: never
        ("another organisation", other["headers"], 404, 403),
        ("an evaluator", evaluator, 404, 403),
    ):
        assert (await client.get(url, headers=headers)).status_code == read, who
        for target, body in ((url, CONSENT), (f"{url}/revocation", revocation)):
            response = await client.post(target, json=body, headers=headers)
            assert response.status_code == write, (who, target, response.text)
    assert (await client.get(url, headers=boss)).json()["history"] == []
    # A draft is invisible to managers; an unknown application too.
    own_draft = await draft(client, anna["headers"])
    assert (await client.post(_url(own_draft), json=CONSENT, headers=boss)).status_code == 404
    unknown = {"id": str(uuid.uuid4())}
    assert (await client.post(_url(unknown), json=CONSENT, headers=boss)).status_code == 404


async def test_bad_input_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    boss = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    url = _url(application)
    tomorrow = (berlin_date(clock.current) + timedelta(days=1)).isoformat()
    future = await client.post(url, json={**CONSENT, "consented_on": tomorrow}, headers=boss)
    assert future.status_code == 422
    assert (future.json()["errors"][0]["field"], future.json()["errors"][0]["rule"]) == (
        "consented_on",
        "in_future",
    )
    for body in (
        {**CONSENT, "letter_reference": ""},
        {**CONSENT, "letter_reference": "   "},
        {**CONSENT, "consented_on": "20.03.2024"},
        {**CONSENT, "recorded_by": str(uuid.uuid4())},  # the recorder is who signed in
        {"letter_reference": "X"},
    ):
        response = await client.post(url, json=body, headers=boss)
        assert response.status_code == 422, (body, response.text)
    assert (await client.get(url, headers=boss)).json()["history"] == []


async def test_the_record_is_append_only_and_withdrawn_applications_get_none(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    second, _ = await submitted(client, db_session, anna["headers"], title="Zweiter Antrag")
    boss = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    assert (await client.post(_url(application), json=CONSENT, headers=boss)).status_code == 201
    app_id = uuid.UUID(application["id"])
    for statement in (
        sa.update(early_start_consents_table)
        .where(early_start_consents_table.c.application_id == app_id)
        .values(letter_date=date(2020, 1, 1)),
        sa.delete(early_start_consents_table).where(
            early_start_consents_table.c.application_id == app_id
        ),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with db_session.begin():
                await db_session.execute(statement)
    async with db_session.begin():
        many = await early_start_consents_for(db_session, [app_id, uuid.UUID(second["id"])])
    assert list(many) == [app_id] and many[app_id].letter_reference == CONSENT["letter_reference"]
    withdrawn = await client.post(
        f"/api/applications/{second['id']}/transitions",
        json={"event": "withdraw", "reason": "Vorhaben aufgegeben"},
        headers=anna["headers"],
    )
    assert withdrawn.status_code == 200, withdrawn.text
    ended = await client.post(_url(second), json=CONSENT, headers=boss)
    assert ended.status_code == 409 and ended.json()["current_state"] == "withdrawn"
