"""The formal application (Antrag, stage two) over HTTP: after the invitation the applicant
saves a working copy as it is and sees every problem with its field; submits it complete,
with the declarations confirmed again, before the due date (which the authority may
extend), and gets a receipt with its own Eingangsnummer and the snapshot's hash; requests
for information on it answer into the application check, not the sketch's formal check."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.deadlines import BERLIN, berlin_date
from tests.api.evaluation.scoring_helpers import ranked_call
from tests.awards_factories import formal_application, formal_content, step
from tests.fakes import FakeClock


@pytest.fixture
async def invited(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    call = await ranked_call(client, db_session, clock)
    apps, manager = call["apps"], call["manager"]
    decided = await client.put(
        f"/api/evaluation/decisions/{apps['A']['id']}",
        json={"recommendation": "recommended", "reason": "Jury-Sitzung."},
        headers=manager,
    )
    assert decided.status_code == 200, decided.text
    await step(client, manager, apps["A"]["id"], "invite")
    return {
        **call,
        "a": apps["A"]["id"],
        "url": f"/api/applications/{apps['A']['id']}/formal-application",
    }


def _etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def test_saved_as_it_is_with_every_problem_named(
    client: httpx.AsyncClient, invited: dict[str, Any], clock: FakeClock
) -> None:
    anna, manager, url = invited["applicant"], invited["manager"], invited["url"]
    before = await client.get(url, headers=anna)
    assert before.status_code == 200, before.text
    body = before.json()
    assert body["version"] == 0 and body["editable"] and not body["complete"]
    due = datetime.fromisoformat(body["due_at"]).astimezone(BERLIN)
    assert due.date() == berlin_date(clock.current) + timedelta(weeks=8)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert {d["key"] for d in body["declarations"]}, "the declarations to confirm again"
    assert (await client.get(url, headers=manager)).status_code == 404  # not received yet

    content = formal_content("600000")
    content["bank_account"]["iban"] = "DE89 3704 0044 0532 0130 01"  # a wrong check digit
    saved = await client.put(url, json={"content": content}, headers=anna)
    assert saved.status_code == 200, saved.text
    assert not saved.json()["complete"]
    fields = {p["field"] for p in saved.json()["problems"]}
    assert "bank_account.iban" in fields
    assert saved.json()["pay_check"]["status"] in {"no_staff", "not_checked"}
    application = (await client.get(f"/api/applications/{invited['a']}", headers=anna)).json()
    assert application["status"] == "application_draft"  # the first save started it

    refused = await client.post(
        f"{url}/submissions",
        json={"confirmed_declarations": [d["key"] for d in body["declarations"]]},
        headers={**anna, **_etag(saved)},
    )
    assert refused.status_code == 422
    assert "bank_account.iban" in {e["field"] for e in refused.json()["errors"]}
    stale = await client.put(url, json={"content": content}, headers={**anna, "If-Match": '"9"'})
    assert stale.status_code == 412
    generic = await client.post(
        f"/api/applications/{invited['a']}/transitions",
        json={"event": "submit_application"},
        headers=anna,
    )
    assert generic.status_code == 422 and "formal-application" in generic.text


async def test_submitted_with_its_own_receipt_snapshot_and_number(
    client: httpx.AsyncClient, db_session: AsyncSession, invited: dict[str, Any]
) -> None:
    anna, manager, url = invited["applicant"], invited["manager"], invited["url"]
    saved = await client.put(url, json={"content": formal_content("600000")}, headers=anna)
    assert saved.json()["complete"], saved.json()["problems"]
    keys = [d["key"] for d in saved.json()["declarations"]]
    unconfirmed = await client.post(
        f"{url}/submissions",
        json={"confirmed_declarations": keys[1:]},
        headers={**anna, **_etag(saved)},
    )
    assert unconfirmed.status_code == 422
    assert {e["field"] for e in unconfirmed.json()["errors"]} == {"confirmed_declarations"}

    receipt = await client.post(
        f"{url}/submissions",
        json={"confirmed_declarations": keys},
        headers={**anna, **_etag(saved)},
    )
    assert receipt.status_code == 201, receipt.text
    body = receipt.json()
    sketch_reference = invited["apps"]["A"]["reference_number"]
    assert body["reference_number"] == f"{sketch_reference}-A"
    assert body["sketch_reference_number"] == sketch_reference
    assert len(body["snapshot_sha256"]) == 64 and body["submission_number"] == 1
    assert "Uhr" in body["received_at_text"]["de"]
    assert body["requested_grant"] == "600000.00"
    assert all(d["confirmed"] for d in body["declarations"])
    again = await client.get(f"{url}/submissions/1/receipt", headers=anna)
    assert again.json() == body

    application = (await client.get(f"/api/applications/{invited['a']}", headers=anna)).json()
    assert application["status"] == "application_submitted"
    seen = await client.get(url, headers=manager)
    assert seen.status_code == 200 and seen.json()["reference_number"] == body["reference_number"]
    mails = await db_session.execute(
        sa.text("SELECT subject FROM outbox_messages WHERE application_id = :id"),
        {"id": invited["a"]},
    )
    subjects = list(mails.scalars())
    assert any(body["reference_number"] in s for s in subjects)
    await db_session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        async with db_session.begin():
            await db_session.execute(
                sa.text("UPDATE formal_application_submissions SET snapshot = '{}'")
            )


async def test_after_the_due_date_only_an_extension_lets_it_in(
    client: httpx.AsyncClient, db_session: AsyncSession, invited: dict[str, Any]
) -> None:
    anna, manager, url = invited["applicant"], invited["manager"], invited["url"]
    saved = await client.put(url, json={"content": formal_content("600000")}, headers=anna)
    async with db_session.begin():  # as if the invitation had been nine weeks ago
        await db_session.execute(
            sa.text(
                "UPDATE formal_applications SET due_at = now() - interval '1 day' "
                "WHERE application_id = :id"
            ),
            {"id": invited["a"]},
        )
    keys = [d["key"] for d in saved.json()["declarations"]]
    late = await client.post(
        f"{url}/submissions",
        json={"confirmed_declarations": keys},
        headers={**anna, **_etag(saved)},
    )
    assert late.status_code == 422 and late.json()["type"].endswith("deadline-passed")
    assert (
        await client.put(
            f"{url}/due-date", json={"due_on": "2099-01-01", "reason": "x"}, headers=anna
        )
    ).status_code == 403
    extended = await client.put(
        f"{url}/due-date",
        json={
            "due_on": str(berlin_date(datetime.now(BERLIN)) + timedelta(days=14)),
            "reason": "Krankheit der Vorsitzenden",
        },
        headers=manager,
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["due_reason"] == "Krankheit der Vorsitzenden"
    in_time = await client.post(
        f"{url}/submissions",
        json={"confirmed_declarations": keys},
        headers={**anna, **_etag(extended)},
    )
    assert in_time.status_code == 201, in_time.text


async def test_information_requested_for_the_application_answers_into_its_check(
    client: httpx.AsyncClient, invited: dict[str, Any], clock: FakeClock
) -> None:
    anna, manager, a, url = (
        invited["applicant"],
        invited["manager"],
        invited["a"],
        invited["url"],
    )
    await formal_application(client, anna, a, "600000")
    await step(client, manager, a, "start_application_check")
    requested = await client.post(
        f"/api/applications/{a}/information-requests",
        json={
            "items": ["Satzung in der geltenden Fassung"],
            "due_at": (clock.current + timedelta(days=14)).isoformat(),
        },
        headers=manager,
    )
    assert requested.status_code == 201, requested.text
    state = (await client.get(f"/api/applications/{a}", headers=anna)).json()["status"]
    assert state == "application_info_requested"
    # The applicant may correct the formal application meanwhile: a second version.
    current = await client.get(url, headers=anna)
    assert current.json()["editable"]
    content = formal_content("600000")
    content["legal_representatives"][0]["name"] = "Anna Beispiel-Muster"
    saved = await client.put(url, json={"content": content}, headers={**anna, **_etag(current)})
    assert saved.status_code == 200, saved.text
    keys = [d["key"] for d in saved.json()["declarations"]]
    second = await client.post(
        f"{url}/submissions",
        json={"confirmed_declarations": keys},
        headers={**anna, **_etag(saved)},
    )
    assert second.status_code == 201 and second.json()["submission_number"] == 2
    answered = await client.post(
        f"/api/applications/{a}/information-requests/{requested.json()['id']}/responses",
        json={"text": "Die Satzung liegt der zweiten Fassung bei."},
        headers=anna,
    )
    assert answered.status_code == 201, answered.text
    state = (await client.get(f"/api/applications/{a}", headers=anna)).json()["status"]
    assert state == "application_check"  # not the sketch's formal check
