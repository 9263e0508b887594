"""Password reset by e-mail link: the same answer for every address, a single-use and
short-lived token stored only as its hash, the link built from the configured public URL,
the password policy applied, every login session ended, audited."""

import hashlib
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import password_resets_table
from grants.db.audit import audit_table
from grants.notifications.tables import outbox_table
from tests.api.accounts.conftest import PUBLIC_URL, AppWith
from tests.conftest import client_for
from tests.factories import bearer, login, mail_token, mail_tokens, register
from tests.fakes import FakeClock

NEW_PASSWORD = "Kupferdraht-Lötzinn-Oszilloskop"


async def _mails(db_session: AsyncSession, recipient: str) -> list[Any]:
    async with db_session.begin():
        return list(
            await db_session.execute(
                sa.select(outbox_table.c.kind, outbox_table.c.body_text).where(
                    outbox_table.c.recipient == recipient
                )
            )
        )


async def _audit(db_session: AsyncSession, action: str) -> list[Any]:
    async with db_session.begin():
        return list(
            await db_session.execute(sa.select(audit_table).where(audit_table.c.action == action))
        )


async def _reset_token(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post("/api/auth/password-reset", json={"email": email})
    assert response.status_code == 202, response.text
    return await mail_token(client, email, "password_reset")


async def test_known_and_unknown_addresses_get_the_same_answer(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await register(client)
    known = await client.post("/api/auth/password-reset", json={"email": user["email"].upper()})
    unknown = await client.post("/api/auth/password-reset", json={"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json()["message"].startswith("Wenn zu dieser Adresse ein Konto besteht")
    assert [m.kind for m in await _mails(db_session, user["email"])].count("password_reset") == 1
    assert await _mails(db_session, "ghost@example.org") == []
    [entry] = await _audit(db_session, "password_reset_requested")
    assert entry.object_id == user["user"]["id"]
    async with db_session.begin():
        [stored] = (await db_session.execute(sa.select(password_resets_table))).all()
    token = await mail_token(client, user["email"], "password_reset")
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(tuple(stored))


async def test_the_link_uses_the_configured_public_url_never_the_host_header(
    app_with: AppWith, db_session: AsyncSession
) -> None:
    async with client_for(app_with()) as client:
        user = await register(client)
        response = await client.post(
            "/api/auth/password-reset",
            json={"email": user["email"]},
            headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
        )
        assert response.status_code == 202
        token = await mail_token(client, user["email"], "password_reset")
    [mail] = [m for m in await _mails(db_session, user["email"]) if m.kind == "password_reset"]
    assert f"{PUBLIC_URL}/passwort-neu#token={token}" in mail.body_text
    assert "evil" not in mail.body_text
    assert "testserver" not in mail.body_text


async def test_reset_works_once_and_ends_every_session(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await register(client)
    first = await login(client, user["email"], user["password"])
    second = await login(client, user["email"], user["password"])
    token = await _reset_token(client, user["email"])

    done = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    for tokens in (first, second):
        assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 401
        refresh = await client.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refresh.status_code == 401
    old = await client.post(
        "/api/auth/login", json={"email": user["email"], "password": user["password"]}
    )
    assert old.status_code == 401
    await login(client, user["email"], NEW_PASSWORD)

    again = await client.post(
        "/api/auth/password-reset/confirm",
        json={"token": token, "password": "Noch-ein-ganz-anderes-Passwort-7"},
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "token"
    assert again.json()["errors"][0]["rule"] == "used"
    await login(client, user["email"], NEW_PASSWORD)

    kinds = [m.kind for m in await _mails(db_session, user["email"])]
    assert "password_changed" in kinds
    [entry] = await _audit(db_session, "password_reset_completed")
    assert (entry.actor_label, entry.actor_id) == (user["email"], user["user"]["id"])
    assert entry.after["sessions_ended"] == 2


async def test_an_expired_link_is_refused_and_the_password_stays(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    user = await register(client)
    token = await _reset_token(client, user["email"])
    clock.advance(minutes=30, seconds=1)
    response = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "expired"
    await login(client, user["email"], user["password"])


async def test_the_password_policy_applies_and_a_refused_password_spends_nothing(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client, display_name="Hildegard Kühnemund")
    token = await _reset_token(client, user["email"])
    for password, rule in (("kurz", "min_length"), ("Hildegard Kühnemund", "too_guessable")):
        response = await client.post(
            "/api/auth/password-reset/confirm", json={"token": token, "password": password}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "password"
        assert response.json()["errors"][0]["rule"] == rule
    done = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 204


async def test_one_reset_spends_every_open_link_of_the_user(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    user = await register(client)
    await _reset_token(client, user["email"])
    clock.advance(seconds=1)
    await _reset_token(client, user["email"])
    older, newer = await mail_tokens(client, user["email"], "password_reset")
    done = await client.post(
        "/api/auth/password-reset/confirm", json={"token": newer, "password": NEW_PASSWORD}
    )
    assert done.status_code == 204
    spent = await client.post(
        "/api/auth/password-reset/confirm", json={"token": older, "password": NEW_PASSWORD}
    )
    assert spent.status_code == 422
    assert spent.json()["errors"][0]["rule"] == "used"


async def test_a_reset_lifts_the_login_throttle_of_the_account(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client)
    bad = {"email": user["email"], "password": "falsch-falsch-falsch"}
    for _ in range(5):
        await client.post("/api/auth/login", json=bad)
    assert (await client.post("/api/auth/login", json=bad)).status_code == 429
    token = await _reset_token(client, user["email"])
    done = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 204
    await login(client, user["email"], NEW_PASSWORD)


async def test_unknown_and_malformed_tokens_are_422_naming_the_token(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.post(
        "/api/auth/password-reset/confirm", json={"token": "B" * 43, "password": NEW_PASSWORD}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"field": "token", "rule": "invalid", "message": unknown.json()["errors"][0]["message"]}
    ]
    malformed = await client.post(
        "/api/auth/password-reset/confirm", json={"token": "../x", "password": NEW_PASSWORD}
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "token"
    bad_email = await client.post("/api/auth/password-reset", json={"email": "kein-at"})
    assert bad_email.status_code == 422
    assert bad_email.json()["errors"][0]["field"] == "email"
