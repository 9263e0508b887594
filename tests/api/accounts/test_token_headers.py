"""Responses that carry tokens are never stored by a cache (RFC 6749 §5.1): login and refresh
answer with ``Cache-Control: no-store`` and ``Pragma: no-cache``. Registration returns no
tokens (a neutral message, then on confirmation the user and organisation only)."""

import httpx
from litestar import Litestar

from tests.factories import mail_token, register, registration_body


def _not_stored(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


async def test_login_and_refresh_answers_are_not_stored(client: httpx.AsyncClient) -> None:
    user = await register(client)
    login = await client.post(
        "/api/auth/login", json={"email": user["email"], "password": user["password"]}
    )
    _not_stored(login)
    assert "access_token" in login.json()
    refresh = await client.post(
        "/api/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    _not_stored(refresh)
    assert refresh.json()["refresh_token"] != login.json()["refresh_token"]


async def test_registration_returns_no_tokens(client: httpx.AsyncClient) -> None:
    body = registration_body()
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 202, response.text
    assert set(response.json()) == {"message"}
    token = await mail_token(client, body["email"], "registration_confirmation")
    confirmed = await client.post("/api/auth/register/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text
    assert set(confirmed.json()) == {"user", "organisation"}
    for answer in (response, confirmed):
        assert "access_token" not in answer.text and "refresh_token" not in answer.text


def test_the_headers_are_documented(app: Litestar) -> None:
    paths = app.openapi_schema.to_schema()["paths"]
    for path in ("/api/auth/login", "/api/auth/refresh"):
        headers = paths[path]["post"]["responses"]["200"].get("headers", {})
        assert {"cache-control", "pragma"} <= {name.lower() for name in headers}, (path, headers)
