import hashlib
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import Membership, Organisation, User, pending_registrations_table
from grants.db.audit import AuditLog
from grants.notifications.tables import outbox_table
from tests.factories import login, mail_token, mail_tokens, register, registration_body
from tests.fakes import FakeClock


async def _counts(db_session: AsyncSession) -> tuple[int, int, int, int]:
    async with db_session.begin():
        result = []
        for table in (User, Organisation, Membership, AuditLog):
            count = await db_session.execute(sa.select(sa.func.count()).select_from(table))
            result.append(count.scalar_one())
    return tuple(result)  # type: ignore[return-value]


async def test_registration_creates_user_organisation_admin_membership_and_audit(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    before = await _counts(db_session)
    created = await register(client, email="Anna@KulturWerk.example")

    assert created["user"]["email"] == "anna@kulturwerk.example"
    org = created["organisation"]
    assert org["legal_name"] == "KulturWerk Schneeberg e.V."
    assert org["customer_number"].isdigit()
    assert org["version"] == 1
    assert "password" not in created["user"] and "password_hash" not in created["user"]
    assert await _counts(db_session) == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 2)
    async with db_session.begin():
        membership = (await db_session.execute(sa.select(Membership.role))).scalars().all()  # type: ignore[call-overload]
        actions = (
            (
                await db_session.execute(sa.select(AuditLog.action).order_by(AuditLog.seq))  # type: ignore[arg-type]
            )
            .scalars()
            .all()
        )
    assert "admin" in membership
    assert actions[-2:] == ["organisation_registered", "user_registered"]


async def test_customer_numbers_are_distinct(client: httpx.AsyncClient) -> None:
    first = await register(client)
    second = await register(client)
    assert first["organisation"]["customer_number"] != second["organisation"]["customer_number"]


async def _mails(db_session: AsyncSession, recipient: str) -> list[Any]:
    async with db_session.begin():
        return list(
            await db_session.execute(
                sa.select(outbox_table.c.kind, outbox_table.c.subject, outbox_table.c.body_text)
                .where(outbox_table.c.recipient == recipient)
                .order_by(outbox_table.c.created_at)
            )
        )


async def test_known_and_unknown_addresses_get_the_same_answer_and_the_owner_a_warning(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    """No enumeration: a second registration of a known address answers exactly as the
    first registration of a new one (status, headers that matter, body), creates nothing,
    and its owner is told by e-mail instead."""
    await register(client, email="dup@example.org", display_name="Dora Doppelt")
    before = await _counts(db_session)
    known = await client.post("/api/auth/register", json=registration_body(email="DUP@example.org"))
    unknown = await client.post(
        "/api/auth/register", json=registration_body(email="fresh@example.org")
    )
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.headers["content-type"] == unknown.headers["content-type"]
    assert set(known.json()) == {"message"}
    assert known.json()["message"].startswith("Wir haben Ihnen eine E-Mail")
    # Neither created a user, organisation or membership; the registration of the unknown
    # address waits for its confirmation.
    assert (await _counts(db_session))[:3] == before[:3]

    owner_mails = await _mails(db_session, "dup@example.org")
    assert [m.kind for m in owner_mails] == [
        "registration_confirmation",
        "registration_existing_account",
    ]
    warning = owner_mails[-1]
    assert "Jemand hat versucht".lower() in warning.body_text.lower()
    assert "Dora Doppelt" in warning.body_text  # the owner's stored name, not the request's
    assert "Passwort vergessen?" in warning.body_text
    assert "#token=" not in warning.body_text  # nothing to click that changes the account
    [confirmation] = await _mails(db_session, "fresh@example.org")
    assert confirmation.kind == "registration_confirmation"
    assert "#token=" in confirmation.body_text


async def test_the_owner_is_warned_at_most_once_an_hour(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    owner = await register(client)
    for _ in range(3):
        body = registration_body(email=owner["email"])
        assert (await client.post("/api/auth/register", json=body)).status_code == 202
    kinds = [m.kind for m in await _mails(db_session, owner["email"])]
    assert kinds.count("registration_existing_account") == 1
    clock.advance(hours=1)
    body = registration_body(email=owner["email"])
    assert (await client.post("/api/auth/register", json=body)).status_code == 202
    kinds = [m.kind for m in await _mails(db_session, owner["email"])]
    assert kinds.count("registration_existing_account") == 2


async def test_nothing_exists_before_the_confirmation_and_secrets_are_stored_hashed(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    body = registration_body()
    before = await _counts(db_session)
    assert (await client.post("/api/auth/register", json=body)).status_code == 202
    assert await _counts(db_session) == before  # no user, organisation, membership, audit
    login = await client.post(
        "/api/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    assert login.status_code == 401
    token = await mail_token(client, body["email"], "registration_confirmation")
    async with db_session.begin():
        [pending] = (
            await db_session.execute(
                sa.select(pending_registrations_table).where(
                    pending_registrations_table.c.email == body["email"]
                )
            )
        ).all()
    assert pending.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(tuple(pending))
    assert pending.password_hash.startswith("$argon2id$")
    assert body["password"] not in str(tuple(pending))


async def test_the_confirmation_creates_the_account_once(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    body = registration_body()
    await client.post("/api/auth/register", json=body)
    token = await mail_token(client, body["email"], "registration_confirmation")
    before = await _counts(db_session)
    first = await client.post("/api/auth/register/confirm", json={"token": token})
    assert first.status_code == 201, first.text
    assert first.json()["user"]["email"] == body["email"]
    assert await _counts(db_session) == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 2)
    again = await client.post("/api/auth/register/confirm", json={"token": token})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "token"
    assert again.json()["errors"][0]["rule"] == "invalid"
    assert await _counts(db_session) == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 2)
    await login(client, body["email"], body["password"])


async def test_an_expired_confirmation_link_is_refused_and_creates_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    body = registration_body()
    await client.post("/api/auth/register", json=body)
    token = await mail_token(client, body["email"], "registration_confirmation")
    clock.advance(hours=24, seconds=1)
    before = await _counts(db_session)
    expired = await client.post("/api/auth/register/confirm", json={"token": token})
    assert expired.status_code == 422
    problem = expired.json()
    assert problem["errors"][0] == {
        "field": "token",
        "rule": "expired",
        "message": problem["errors"][0]["message"],
    }
    assert problem["detail"].startswith("Der Link ist abgelaufen")
    assert await _counts(db_session) == before


async def test_the_first_of_two_pending_registrations_wins_and_spends_the_other(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    email = "twice@example.org"
    await client.post("/api/auth/register", json=registration_body(email=email))
    clock.advance(seconds=1)
    await client.post(
        "/api/auth/register",
        json=registration_body(email=email, organisation={"legal_name": "Zweiter e.V."}),
    )
    first, second = await mail_tokens(client, email, "registration_confirmation")
    confirmed = await client.post("/api/auth/register/confirm", json={"token": second})
    assert confirmed.status_code == 201
    assert confirmed.json()["organisation"]["legal_name"] == "Zweiter e.V."
    spent = await client.post("/api/auth/register/confirm", json={"token": first})
    assert spent.status_code == 422
    assert spent.json()["errors"][0]["rule"] == "invalid"


async def test_a_malformed_token_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    for token in ("", "x" * 42, "x" * 44, "ä" * 43):
        response = await client.post("/api/auth/register/confirm", json={"token": token})
        assert response.status_code == 422, token
        assert response.json()["errors"][0]["field"] == "token"
    unknown = await client.post("/api/auth/register/confirm", json={"token": "A" * 43})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["rule"] == "invalid"


async def test_weak_password_is_422_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    """Checked before the address is looked at: the answer depends on the input only."""
    await register(client, email="known@example.org")
    before = await _counts(db_session)
    for email in ("known@example.org", "unknown@example.org"):
        for password, rule in (("short", "min_length"), ("password1234", "too_guessable")):
            response = await client.post(
                "/api/auth/register", json=registration_body(email=email, password=password)
            )
            assert response.status_code == 422, response.text
            errors = response.json()["errors"]
            assert errors == [{"field": "password", "rule": rule, "message": errors[0]["message"]}]
    assert await _counts(db_session) == before
    assert await _mails(db_session, "unknown@example.org") == []


async def test_password_made_of_the_email_is_refused(client: httpx.AsyncClient) -> None:
    body = registration_body(
        email="hildegard.kuehnemund@example.org", password="hildegard.kuehnemund"
    )
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "too_guessable"


async def test_malformed_input_names_each_field_and_rule(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    before = await _counts(db_session)
    body = registration_body(
        email="not-an-email",
        organisation={"postal_code": "1234", "municipality_key": "14x", "applicant_type": "pirate"},
        unexpected="field",
    )
    del body["display_name"]
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:grants:problem:validation-error"
    found = {(e["field"], e["rule"]) for e in problem["errors"]}
    assert ("email", "value_error") in found
    assert ("display_name", "missing") in found
    assert ("organisation.postal_code", "string_pattern_mismatch") in found
    assert ("organisation.municipality_key", "string_pattern_mismatch") in found
    assert ("organisation.applicant_type", "enum") in found
    assert ("unexpected", "extra_forbidden") in found
    assert await _counts(db_session) == before


async def test_nul_characters_are_422_not_a_database_error(client: httpx.AsyncClient) -> None:
    """Found by the fuzzer: PostgreSQL text cannot store U+0000."""
    body = registration_body(display_name="Anna\x00", organisation={"city": "Aue\x00"})
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"display_name", "organisation.city"}
    login = await client.post(
        "/api/auth/login", json={"email": "a\x00@example.org", "password": "x"}
    )
    assert login.status_code == 422
    assert login.json()["errors"][0]["field"] == "email"
