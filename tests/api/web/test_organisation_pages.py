"""The organisation's page over HTTP: master data changed by an admin with the version read
(a stale one is a conflict with the input kept), members and invitations (an invitation's
e-mail link accepted on the portal creates the account and the membership), removal, the
consent to notification by portal retrieval — and a member who is no admin cannot change
anything."""

import re

import httpx
from litestar import Litestar

from tests.api.web.test_account_pages import PASSWORD, form_token, post_form, sign_in
from tests.conftest import client_for
from tests.factories import mail_token, register


async def _admin(app: Litestar, client: httpx.AsyncClient) -> dict[str, str]:
    async with client_for(app) as api:
        created = await register(api)
    await sign_in(client, created["email"], PASSWORD)
    return {"email": created["email"], "organisation_id": str(created["organisation"]["id"])}


async def test_master_data_is_changed_with_the_version_read(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    admin = await _admin(app, client)
    mine = await client.get("/organisation")
    assert mine.status_code == 303
    url = mine.headers["location"]
    assert url == f"/organisationen/{admin['organisation_id']}"
    page = (await client.get(url)).text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version and 'value="KulturWerk Schneeberg e.V."' in page
    fields = {
        "legal_name": "KulturWerk Schneeberg e.V.",
        "legal_form": "eingetragener Verein",
        "applicant_type": "nonprofit",
        "street": "Markt 2",
        "postal_code": "08289",
        "city": "Schneeberg",
        "municipality_key": "14521530",
    }
    saved = await post_form(client, url, {**fields, "version": version.group(1)})
    assert saved.status_code == 303
    assert 'value="Markt 2"' in (await client.get(url)).text
    stale = await post_form(
        client, url, {**fields, "street": "Markt 3", "version": version.group(1)}
    )
    assert stale.status_code == 409
    assert "inzwischen von jemand anderem geändert" in stale.text
    assert 'value="Markt 3"' in stale.text  # the input kept
    wrong = await post_form(client, url, {**fields, "postal_code": "1", "version": "2"})
    assert wrong.status_code == 422 and 'id="postal_code-fehler"' in wrong.text


async def test_an_invited_person_joins_through_the_e_mail_link(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    admin = await _admin(app, client)
    url = f"/organisationen/{admin['organisation_id']}"
    invited = "bernd.beispiel@kulturwerk.example"
    sent = await post_form(
        client, f"{url}/einladungen", {"invite_email": invited, "role": "member"}, form_page=url
    )
    assert sent.status_code == 303
    page = (await client.get(url)).text
    assert "Offene Einladungen" in page and invited in page
    token = await mail_token(client, invited, "invitation")
    async with client_for(app) as newcomer:
        form = await newcomer.get("/einladung")
        assert form.status_code == 200 and "Ihr Konto an" in form.text
        mismatch = await post_form(
            newcomer,
            "/einladung",
            {"token": token, "display_name": "Bernd", "password": PASSWORD, "password_repeat": "x"},
        )
        assert mismatch.status_code == 422
        accepted = await post_form(
            newcomer,
            "/einladung",
            {
                "token": token,
                "display_name": "Bernd Beispiel",
                "password": PASSWORD,
                "password_repeat": PASSWORD,
            },
        )
        assert accepted.status_code == 200, accepted.text
        assert "Einladung angenommen" in accepted.text
        await sign_in(newcomer, invited, PASSWORD)
        member_view = (await newcomer.get(url)).text
        assert "Stammdaten speichern" not in member_view  # a member, not an admin
        assert "Person einladen" not in member_view
        refused = await post_form(
            newcomer, url, {"street": "Übernahmeweg 1", "version": "1"}, form_page=url
        )
        assert refused.status_code == 403
    listing = (await client.get(url)).text
    assert "Bernd Beispiel" in listing and "Offene Einladungen" not in listing
    user_id = re.search(r"/mitglieder/([0-9a-f-]{36})/entfernen", listing)
    assert user_id
    removed = await post_form(
        client, f"{url}/mitglieder/{user_id.group(1)}/entfernen", {}, form_page=url
    )
    assert removed.status_code == 303
    assert "Bernd Beispiel" not in (await client.get(url)).text


async def test_the_consent_to_portal_notification_is_given_and_withdrawn(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    admin = await _admin(app, client)
    url = f"/organisationen/{admin['organisation_id']}"
    assert "Bescheide kommen per Post" in (await client.get(url)).text
    given = await post_form(client, f"{url}/zustellung", {"consented": "ja"}, form_page=url)
    assert given.status_code == 303
    page = (await client.get(url)).text
    assert "<strong>Zugestimmt</strong>" in page and "Zustimmung widerrufen" in page
    await post_form(client, f"{url}/zustellung", {"consented": "nein"}, form_page=url)
    assert "Bescheide kommen per Post" in (await client.get(url)).text


async def test_another_organisation_is_not_found(client: httpx.AsyncClient, app: Litestar) -> None:
    admin = await _admin(app, client)
    async with client_for(app) as other:
        await _admin(app, other)
        url = f"/organisationen/{admin['organisation_id']}"
        assert (await other.get(url)).status_code == 404
        token = await form_token(other, "/antraege/neu")
        for path in ("", "/einladungen", "/zustellung"):
            response = await other.post(
                url + path,
                data={"_csrf_token": token, "invite_email": "x@example.org", "consented": "ja"},
            )
            assert response.status_code == 404, path
