"""The officials who decide are checked too (§ 20 VwVfG): a programme manager declares ties as
evaluators do; ``ensure_official_not_excluded`` refuses (409 naming the ground) a manager with
a § 20 ground for the application and lets one through who has none (or only a § 21 concern,
which it returns). Access: the official or an admin; nobody else learns anything."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.context import UserContext
from grants.core.access import Principal
from grants.core.errors import Conflict
from grants.core.roles import StaffRole
from grants.db.audit import AuditLog
from grants.evaluation.jury.officials import ensure_official_not_excluded
from grants.guidelines.registry import load_registry
from tests.applications_factories import applicant, submitted
from tests.evaluation_factories import close_call, evaluator, manager, user_id
from tests.factories import staff_headers
from tests.fakes import FakeClock


async def _actions(db_session: AsyncSession) -> list[str]:
    rows = await db_session.execute(sa.select(AuditLog.action))  # type: ignore[call-overload]
    return [str(a) for a in rows.scalars().all()]


def _context(db_session: AsyncSession, official_id: str) -> UserContext:
    principal = Principal(
        user_id=uuid.UUID(official_id),
        email="official@sab.example",
        display_name="Amtsträgerin",
        staff_roles=frozenset({StaffRole.PROGRAMME_MANAGER.value}),
    )
    return UserContext.of(db_session, principal, now=datetime.now(UTC), guidelines=load_registry())


async def _declare(
    client: httpx.AsyncClient, headers: dict[str, str], official_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/api/officials/{official_id}/affiliations", json=body, headers=headers
    )


async def test_an_official_with_an_exclusion_ground_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    excluded = await manager(client, db_session)
    excluded_id = await user_id(client, excluded)
    biased = await manager(client, db_session)
    biased_id = await user_id(client, biased)
    clear = await manager(client, db_session)
    clear_id = await user_id(client, clear)
    declared = await _declare(
        client,
        excluded,
        excluded_id,
        {"kind": "organ_member", "organisation_id": application["organisation_id"]},
    )
    assert declared.status_code == 201, declared.text
    concern = await _declare(
        client, biased, biased_id, {"kind": "affiliation", "name": "Gymnasium Schneeberg"}
    )
    assert concern.status_code == 201, concern.text

    check = await client.get(
        f"/api/officials/{excluded_id}/applications/{application['id']}/conflicts",
        headers=excluded,
    )
    assert check.status_code == 200, check.text
    assert check.json()["excluded"] is True
    (finding,) = check.json()["findings"]
    assert finding["legal_basis"] == "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG"
    assert finding["message"]["de"].startswith("Die Amtsträgerin oder der Amtsträger ist bei")

    app_id = uuid.UUID(application["id"])
    with pytest.raises(Conflict) as refused:
        await ensure_official_not_excluded(_context(db_session, excluded_id), app_id)
    assert "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG" in refused.value.detail
    assert refused.value.extra["grounds"] == [
        {
            "reason": "applicant_organisation",
            "ground": "employed_or_organ",
            "legal_basis": "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
            "detail": "KulturWerk Schneeberg e.V.",
        }
    ]
    concerns = await ensure_official_not_excluded(_context(db_session, biased_id), app_id)
    assert [(c.reason.value, c.legal_basis) for c in concerns] == [
        ("affiliated_with_partner", "§ 21 Abs. 1 VwVfG")
    ]
    assert await ensure_official_not_excluded(_context(db_session, clear_id), app_id) == ()

    # The official's own declaration for one application (here: advised on the concept).
    own = await client.put(
        f"/api/officials/{clear_id}/applications/{application['id']}/conflicts",
        json={"reason": "Ich habe den Verein beim Konzept beraten.", "excluded": True},
        headers=clear,
    )
    assert own.status_code == 200, own.text
    assert own.json()["excluded"] is True
    assert own.json()["findings"][0]["legal_basis"] == "§ 20 Abs. 1 VwVfG"
    with pytest.raises(Conflict):
        await ensure_official_not_excluded(_context(db_session, clear_id), app_id)
    # Withdrawing the tie lifts the exclusion.
    affiliation_id = declared.json()["id"]
    removed = await client.delete(
        f"/api/officials/{excluded_id}/affiliations/{affiliation_id}", headers=excluded
    )
    assert removed.status_code == 204
    assert await ensure_official_not_excluded(_context(db_session, excluded_id), app_id) == ()
    actions = await _actions(db_session)
    for action in (
        "official_affiliation_declared",
        "official_conflict_declared",
        "official_affiliation_removed",
    ):
        assert action in actions


async def test_official_urls_belong_to_the_official_or_an_admin(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    official = await manager(client, db_session)
    official_id = await user_id(client, official)
    colleague = await manager(client, db_session)
    admin = await staff_headers(client, db_session, StaffRole.ADMIN)
    person = await evaluator(client, db_session, official)
    base = f"/api/officials/{official_id}"
    conflicts = f"{base}/applications/{application['id']}/conflicts"
    probes: list[tuple[str, str, Any]] = [
        ("get", f"{base}/affiliations", None),
        ("post", f"{base}/affiliations", {"kind": "affiliation", "name": "X e.V."}),
        ("delete", f"{base}/affiliations/{uuid.uuid4()}", None),
        ("get", conflicts, None),
        ("put", conflicts, {"reason": "x"}),
    ]
    for who, headers, status in (
        ("anonymous", {}, 401),
        ("applicant", anna["headers"], 403),
        ("evaluator", person["headers"], 403),
        ("another manager", colleague, 404),
    ):
        for method, url, body in probes:
            response = await client.request(method, url, json=body, headers=headers)
            assert response.status_code == status, (who, method, url, response.text)
    # An admin may record an official's tie; an evaluator is no official.
    by_admin = await _declare(
        client, admin, official_id, {"kind": "representative", "name": "KulturWerk e.V."}
    )
    assert by_admin.status_code == 201, by_admin.text
    listed = await client.get(f"{base}/affiliations", headers=official)
    assert [a["kind"] for a in listed.json()] == ["representative"]
    not_official = await _declare(
        client, admin, person["id"], {"kind": "affiliation", "name": "X e.V."}
    )
    assert not_official.status_code == 404
    # A draft is nobody's business but the applicant's.
    draft = await client.post(
        "/api/applications",
        json={"call": "demo", "funding_line": "stationary"},
        headers=anna["headers"],
    )
    hidden = await client.get(
        f"{base}/applications/{draft.json()['id']}/conflicts", headers=official
    )
    assert hidden.status_code == 404


async def test_the_deciding_steps_refuse_an_excluded_official(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    """Wired into the steps themselves: the formal check, the generic transitions and the
    jury recommendation all refuse an official with a § 20 ground; a colleague without one
    takes the same step."""
    anna = await applicant(client)
    application, _ = await submitted(client, db_session, anna["headers"])
    excluded = await manager(client, db_session)
    excluded_id = await user_id(client, excluded)
    colleague = await manager(client, db_session)
    declared = await _declare(
        client,
        excluded,
        excluded_id,
        {"kind": "organ_member", "organisation_id": application["organisation_id"]},
    )
    assert declared.status_code == 201, declared.text
    await close_call(client, clock)
    url = f"/api/applications/{application['id']}"

    check = await client.get(f"{url}/formal-check", headers=colleague)
    items = [
        {"code": i["code"], "confirmed": True, "reason": "Geprüft: Unterlagen liegen vor."}
        for i in check.json()["items"]
    ]
    body = {"items": items, "outcome": "to_review"}
    refused = await client.put(f"{url}/formal-check", json=body, headers=excluded)
    assert refused.status_code == 409, refused.text
    assert "§ 20" in refused.json()["detail"]
    assert refused.json()["grounds"][0]["legal_basis"] == "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG"
    due = (clock.current + timedelta(days=14)).isoformat()
    request = await client.post(
        f"{url}/information-requests",
        json={"items": ["Satzung des Vereins"], "due_at": due},
        headers=excluded,
    )
    assert request.status_code == 409, request.text
    assert "grounds" in request.json()

    taken = await client.put(f"{url}/formal-check", json=body, headers=colleague)
    assert taken.status_code == 200, taken.text
    decision = await client.put(
        f"/api/evaluation/decisions/{application['id']}",
        json={
            "recommendation": "recommended",
            "reason": "Überzeugendes Konzept.",
            "incomplete_review_reason": "Testfall ohne Bewertungen.",
        },
        headers=excluded,
    )
    assert decision.status_code == 409, decision.text
    assert "grounds" in decision.json()
