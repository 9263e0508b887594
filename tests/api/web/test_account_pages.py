"""The portal's account pages over HTTP: registration with its e-mail link, sign-in and
sign-out with the session cookie, password reset — and the attacks on them: a form without
its CSRF token, a planted session cookie, a ``next`` pointing to another host, a cookie
replayed as a bearer token or the reverse, user text with HTML in it."""

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar

from grants.web.cookies import COOKIE, safe_next
from grants.web.pages import CSRF_COOKIE
from tests.conftest import client_for
from tests.factories import bearer, login, mail_token, register, registration_body

PASSWORD = "Werkbank-Lötkolben-3D-Drucker"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def form_token(client: httpx.AsyncClient, path: str) -> str:
    """The CSRF token of the form at ``path``, as a browser has it after loading the page."""
    response = await client.get(path)
    assert response.status_code == 200, response.text
    match = _CSRF.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, Any], *, form_page: str | None = None
) -> httpx.Response:
    token = await form_token(client, form_page or path.split("?", maxsplit=1)[0])
    return await client.post(path, data={**data, "_csrf_token": token})


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await post_form(client, "/anmelden", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _registration_form(**overrides: str) -> dict[str, str]:
    body = registration_body()
    form = {
        "email": body["email"],
        "password": PASSWORD,
        "password_repeat": PASSWORD,
        "display_name": body["display_name"],
        **body["organisation"],
    }
    form.update(overrides)
    return form


async def test_registration_confirmation_and_sign_in_through_the_pages(
    client: httpx.AsyncClient,
) -> None:
    form = _registration_form()
    sent = await post_form(client, "/registrieren", form)
    assert sent.status_code == 200
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in sent.text
    token = await mail_token(client, form["email"], "registration_confirmation")

    confirmed = await post_form(client, "/registrieren/bestaetigen", {"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert "Registrierung abgeschlossen" in confirmed.text
    assert "KulturWerk Schneeberg e.V." in confirmed.text

    response = await post_form(client, "/anmelden", {"email": form["email"], "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/antraege"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert "secure" not in attributes  # served over plain HTTP here; see the TLS test
    # No lifetime of its own: the cookie ends with the browser.
    assert not any(a.startswith(("max-age", "expires")) for a in attributes)
    dashboard = await client.get("/antraege")
    assert dashboard.status_code == 200
    assert "Meine Anträge" in dashboard.text and "Angemeldet als Anna Beispiel" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"


async def test_the_cookie_is_secure_when_the_portal_is_served_over_tls(app: Litestar) -> None:
    created = await _registered(app)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await post_form(
            client, "/anmelden", {"email": created["email"], "password": PASSWORD}
        )
        assert response.status_code == 303
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")
        )
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}
        assert "strict-transport-security" in (await client.get("/")).headers


async def _registered(app: Litestar, **overrides: Any) -> dict[str, Any]:
    async with client_for(app) as api:
        return await register(api, **overrides)


async def test_a_form_without_its_token_is_refused_with_403_and_changes_nothing(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    created = await _registered(app)
    await form_token(client, "/anmelden")  # the browser has the cookie, the form lacks the field
    missing = await client.post("/anmelden", data={"email": created["email"], "password": PASSWORD})
    assert missing.status_code == 403
    assert missing.headers["content-type"].startswith("text/html")
    assert "Sicherheitsprüfung" in missing.text
    assert COOKIE not in missing.headers.get("set-cookie", "")

    # A token of another browser (a cross-site page cannot read this one's cookie).
    async with client_for(app) as other:
        foreign = await form_token(other, "/anmelden")
    wrong = await client.post(
        "/anmelden",
        data={"email": created["email"], "password": PASSWORD, "_csrf_token": foreign + "0"},
    )
    assert wrong.status_code == 403
    # Without the cookie at all, a correct-looking field does not help either.
    async with client_for(app) as fresh:
        bare = await fresh.post(
            "/anmelden",
            data={"email": created["email"], "password": PASSWORD, "_csrf_token": foreign},
        )
    assert bare.status_code == 403
    # Registration and sign-out are forms too.
    assert (await client.post("/registrieren", data=_registration_form())).status_code == 403
    assert (await client.post("/abmelden")).status_code == 403


async def test_a_planted_session_cookie_is_not_taken_over_at_sign_in(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    """Session fixation: whatever cookie the browser had before, sign-in sets a new one for a
    new login session; the planted value stays worthless, and two sign-ins are two sessions."""
    created = await _registered(app)
    client.cookies.set(COOKIE, "planted-by-an-attacker", domain="testserver.local")
    await sign_in(client, created["email"])
    first = client.cookies.get(COOKIE)
    assert first and first != "planted-by-an-attacker"

    async with client_for(app) as attacker:
        attacker.cookies.set(COOKIE, "planted-by-an-attacker", domain="testserver.local")
        refused = await attacker.get("/antraege")
        assert refused.status_code == 303
        assert refused.headers["location"] == "/anmelden?next=/antraege"

    async with client_for(app) as second_browser:
        await sign_in(second_browser, created["email"])
        assert second_browser.cookies.get(COOKIE) != first


async def test_the_form_token_is_renewed_at_sign_in(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    created = await _registered(app)
    before = await form_token(client, "/anmelden")
    response = await client.post(
        "/anmelden", data={"email": created["email"], "password": PASSWORD, "_csrf_token": before}
    )
    assert response.status_code == 303
    assert any(
        c.startswith(f'{CSRF_COOKIE}=""') or c.startswith(f"{CSRF_COOKIE}=;")
        for c in response.headers.get_list("set-cookie")
    ), response.headers.get_list("set-cookie")
    after = await form_token(client, "/antraege/neu")
    assert after != before


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/antraege",
        "/\\evil.example",
        "https:/evil.example",
        "javascript:alert(1)",
        "/antraege\r\nSet-Cookie: x=1",
    ],
)
async def test_sign_in_never_sends_the_user_to_another_host(
    client: httpx.AsyncClient, app: Litestar, target: str
) -> None:
    created = await _registered(app)
    response = await post_form(
        client,
        "/anmelden",
        {"email": created["email"], "password": PASSWORD, "next": target},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/antraege"


async def test_sign_in_returns_to_the_page_that_asked_for_it(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    created = await _registered(app)
    asked = await client.get("/antraege/neu")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/anmelden?next=/antraege/neu"
    page = await client.get(asked.headers["location"])
    assert 'name="next" value="/antraege/neu"' in page.text
    response = await post_form(
        client,
        "/anmelden",
        {"email": created["email"], "password": PASSWORD, "next": "/antraege/neu"},
    )
    assert response.headers["location"] == "/antraege/neu"


def test_safe_next_keeps_only_paths_of_this_site() -> None:
    assert safe_next("/antraege/1?tab=verlauf") == "/antraege/1?tab=verlauf"
    for bad in ("", None, "antraege", "//x.example", "/\\x.example", "http://x", "/a\tb"):
        assert safe_next(bad) == "/antraege"


async def test_a_wrong_password_is_named_without_saying_which_part_and_keeps_the_address(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    created = await _registered(app)
    response = await post_form(
        client, "/anmelden", {"email": created["email"], "password": "falsch-falsch-falsch"}
    )
    assert response.status_code == 401
    assert "E-Mail oder Passwort ist falsch" in response.text
    assert f'value="{created["email"]}"' in response.text
    assert "falsch-falsch-falsch" not in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")


async def test_sign_out_ends_the_login_session_not_just_the_cookie(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    created = await _registered(app)
    await sign_in(client, created["email"])
    stolen = client.cookies.get(COOKIE)
    out = await post_form(client, "/abmelden", {}, form_page="/antraege")
    assert out.status_code == 303 and out.headers["location"] == "/anmelden?abgemeldet"
    assert client.cookies.get(COOKIE) is None
    assert "Sie sind abgemeldet" in (await client.get("/anmelden?abgemeldet")).text
    async with client_for(app) as thief:
        thief.cookies.set(COOKIE, stolen or "", domain="testserver.local")
        assert (await thief.get("/antraege")).status_code == 303


async def test_the_cookie_and_the_api_tokens_do_not_stand_in_for_each_other(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    created = await _registered(app)
    await sign_in(client, created["email"])
    cookie = client.cookies.get(COOKIE) or ""
    async with client_for(app) as api:
        assert (
            await api.get("/api/me", headers={"Authorization": f"Bearer {cookie}"})
        ).status_code == 401
        tokens = await login(api, created["email"], PASSWORD)
        assert (await api.get("/api/me", headers=bearer(tokens))).status_code == 200
    async with client_for(app) as browser:
        browser.cookies.set(COOKIE, tokens["access_token"], domain="testserver.local")
        assert (await browser.get("/antraege")).status_code == 303
        browser.cookies.set(COOKIE, tokens["refresh_token"], domain="testserver.local")
        assert (await browser.get("/antraege")).status_code == 303


async def test_registration_errors_are_tied_to_their_fields_with_the_input_kept_and_escaped(
    client: httpx.AsyncClient,
) -> None:
    form = _registration_form(
        display_name='<script>alert("x")</script>',
        password_repeat="etwas-anderes-als-vorher",
        postal_code="123",
        legal_name="",
    )
    response = await post_form(client, "/registrieren", form)
    assert response.status_code == 422
    html = response.text
    assert "Bitte prüfen Sie 3 Angaben" in html
    for field in ("password_repeat", "postal_code", "legal_name"):
        assert f'href="#{field}"' in html
        assert f'id="{field}-fehler"' in html
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-fehler', html)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert f'value="{form["email"]}"' in html
    assert PASSWORD not in html  # never echoed


async def test_a_weak_password_is_refused_by_the_apis_own_policy(
    client: httpx.AsyncClient,
) -> None:
    form = _registration_form(password="passwort", password_repeat="passwort")
    response = await post_form(client, "/registrieren", form)
    assert response.status_code == 422
    assert 'id="password-fehler"' in response.text
    assert "mindestens 12 Zeichen" in response.text


async def test_a_spent_or_wrong_confirmation_code_is_named_on_the_form(
    client: httpx.AsyncClient,
) -> None:
    response = await post_form(client, "/registrieren/bestaetigen", {"token": "x" * 43})
    assert response.status_code == 422
    assert 'id="token-fehler"' in response.text


async def test_password_reset_through_the_pages_ends_every_session(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    created = await _registered(app)
    async with client_for(app) as other_browser:
        await sign_in(other_browser, created["email"])
        assert (await other_browser.get("/antraege")).status_code == 200

        sent = await post_form(client, "/passwort-vergessen", {"email": created["email"]})
        assert sent.status_code == 200 and "E-Mail unterwegs" in sent.text
        token = await mail_token(client, created["email"], "password_reset")
        new = "Neue-Werkbank-im-Hinterhof-2027"
        mismatch = await post_form(
            client, "/passwort-neu", {"token": token, "password": new, "password_repeat": "x"}
        )
        assert mismatch.status_code == 422 and 'id="password_repeat-fehler"' in mismatch.text
        done = await post_form(
            client, "/passwort-neu", {"token": token, "password": new, "password_repeat": new}
        )
        assert done.status_code == 200 and "Passwort geändert" in done.text
        assert (await other_browser.get("/antraege")).status_code == 303
    assert (await sign_in(client, created["email"], new)) == "/antraege"
