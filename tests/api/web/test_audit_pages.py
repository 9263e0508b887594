"""The audit log's page over HTTP: entries filtered by person and by object, newest first;
the log's state before and after the sequencer signed a tree head; the full check passing,
and failing once an entry was changed behind the application's back; managers only."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.audit.sequencer import run_sequencer
from grants.core.roles import StaffRole
from tests.api.web.test_account_pages import form_token, sign_in
from tests.applications_factories import applicant, draft
from tests.conftest import client_for
from tests.factories import STAFF_PASSWORD, staff_headers

URL = "/verwaltung/protokoll"


async def signed_in_manager(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession
) -> str:
    email = f"leitung.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        await staff_headers(api, db_session, StaffRole.PROGRAMME_MANAGER, email=email)
    await sign_in(client, email, STAFF_PASSWORD)
    return email


def _rows(page: str) -> str:
    return page.split('id="protokoll-tabelle"')[1] if 'id="protokoll-tabelle"' in page else ""


async def test_entries_by_person_and_by_object(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    email = await signed_in_manager(app, client, db_session)
    async with client_for(app) as api:
        anna = await applicant(api)
        created: dict[str, Any] = await draft(api, anna["headers"], title="Protokolltest")
    mine = await client.get(f"{URL}?person={email.upper()}")
    assert mine.status_code == 200
    assert "user_logged_in" in _rows(mine.text) and created["id"] not in _rows(mine.text)
    theirs = await client.get(f"{URL}?objekt={created['id']}")
    rows = _rows(theirs.text)
    assert created["id"] in rows and "user_logged_in" not in rows
    assert anna["email"] in rows
    nobody = await client.get(f"{URL}?person=niemand@example.org")
    assert "Keine Einträge zu diesen Filtern." in nobody.text


async def test_the_logs_state_and_the_full_check(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await signed_in_manager(app, client, db_session)
    waiting = await client.get(URL)
    assert "Noch kein signierter Baumkopf" in waiting.text
    await run_sequencer(session_factory, app.state.audit_signer, lambda: datetime.now(UTC))
    signed = await client.get(URL)
    assert "Letzter signierter Baumkopf" in signed.text and "gültig (Schlüssel" in signed.text
    token = await form_token(client, URL)
    passed = await client.post(f"{URL}/pruefen", data={"_csrf_token": token})
    assert passed.status_code == 200 and "Prüfung bestanden" in passed.text


async def test_the_full_check_finds_a_changed_entry(
    app: Litestar,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    # (Its own test: the check reads with a server-side cursor, which holds the table until
    # the test's outer transaction ends, so nothing could change the log after it here.)
    await signed_in_manager(app, client, db_session)
    await run_sequencer(session_factory, app.state.audit_signer, lambda: datetime.now(UTC))
    # A superuser changes an entry behind the application's back: the check finds it.
    async with db_session.begin():
        await db_session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await db_session.execute(
            sa.text(
                "UPDATE audit_log SET actor_label = 'jemand@example.org' "
                "WHERE seq = (SELECT min(seq) FROM audit_log WHERE position IS NOT NULL)"
            )
        )
        await db_session.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    token = await form_token(client, URL)
    failed = await client.post(f"{URL}/pruefen", data={"_csrf_token": token})
    assert "Das Protokoll ist verändert worden." in failed.text


async def test_only_managers_read_the_log(
    app: Litestar, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    evaluator = f"gutachter.{uuid.uuid4().hex[:6]}@sab.example"
    async with client_for(app) as api:
        await staff_headers(api, db_session, StaffRole.EVALUATOR, email=evaluator)
        anna = await applicant(api)
    for email, password in ((evaluator, STAFF_PASSWORD), (anna["email"], anna["password"])):
        async with client_for(app) as other:
            await sign_in(other, email, password)
            assert (await other.get(URL)).status_code == 404
            token = await form_token(other, "/")
            posted = await other.post(f"{URL}/pruefen", data={"_csrf_token": token})
            assert posted.status_code == 404
