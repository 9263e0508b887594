"""The evaluator pool, automatic and manual assignment, and the evaluator's own side over
HTTP: conflicts keep evaluators away from applications, loads stay even, every change is
audited."""

from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.db.audit import AuditLog
from grants.evaluation.tables import (
    assignments_table,
    conflicts_table,
    declarations_table,
)
from tests.applications_factories import applicant, complete_draft
from tests.evaluation_factories import (
    all_in_review,
    auto_assign,
    evaluator,
    in_review,
    manager,
    my_assignment_id,
    user_id,
)
from tests.factories import staff_headers
from tests.fakes import FakeClock


async def _holder(
    client: httpx.AsyncClient, pool: list[dict[str, Any]], application_id: str
) -> dict[str, Any]:
    for person in pool:
        if await my_assignment_id(client, person["headers"], application_id):
            return person
    raise AssertionError("nobody holds the application")


async def _actions(db_session: AsyncSession) -> list[str]:
    rows = await db_session.execute(sa.select(AuditLog.action))  # type: ignore[call-overload]
    return [str(a) for a in rows.scalars().all()]


async def test_profiles_need_the_evaluator_role_and_if_match(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    boss = await manager(client, db_session)
    person = await evaluator(client, db_session, boss, in_pool=False)
    url = f"/api/evaluators/{person['id']}"
    created = await client.put(url, json={"max_assignments": 5}, headers=boss)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert created.json()["load"] == 0
    again = await client.put(url, json={"max_assignments": 6}, headers=boss)
    assert again.status_code == 428
    stale = await client.put(url, json={"max_assignments": 6}, headers={**boss, "If-Match": '"7"'})
    assert stale.status_code == 412
    changed = await client.put(
        url, json={"max_assignments": 6, "active": False}, headers={**boss, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["max_assignments"] == 6 and changed.json()["active"] is False
    # Only evaluators join the pool; unknown fields are refused.
    other_manager = await manager(client, db_session)
    not_evaluator = await client.put(
        f"/api/evaluators/{await user_id(client, other_manager)}", json={}, headers=boss
    )
    assert not_evaluator.status_code == 422
    assert not_evaluator.json()["errors"][0]["rule"] == "not_evaluator"
    extra = await client.put(url, json={"version": 3}, headers={**boss, "If-Match": '"2"'})
    assert extra.status_code == 422
    # Evaluators may read their own profile but not change it or list the pool.
    assert (await client.get(url, headers=person["headers"])).status_code == 200
    assert (await client.put(url, json={}, headers=person["headers"])).status_code == 403
    assert (await client.get("/api/evaluators", headers=person["headers"])).status_code == 403
    listed = await client.get("/api/evaluators", headers=boss)
    assert person["id"] in [p["user_id"] for p in listed.json()]
    assert "evaluator_profile_updated" in await _actions(db_session)


async def test_affiliations_are_declared_by_the_evaluator_and_create_conflicts(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    application = await in_review(client, db_session, anna["headers"], boss, clock)
    person = await evaluator(client, db_session, boss)
    other = await evaluator(client, db_session, boss)
    url = f"/api/evaluators/{person['id']}/affiliations"
    declared = await client.post(
        url,
        json={"kind": "employer", "organisation_id": application["organisation_id"]},
        headers=person["headers"],
    )
    assert declared.status_code == 201, declared.text
    by_name = await client.post(
        url,
        json={"kind": "affiliation", "name": "gymnasium  SCHNEEBERG"},
        headers=person["headers"],
    )
    assert by_name.status_code == 201, by_name.text
    municipality = await client.post(
        url, json={"kind": "affiliation", "municipality_key": "14521530"}, headers=boss
    )
    assert municipality.status_code == 201
    empty = await client.post(url, json={"kind": "affiliation"}, headers=person["headers"])
    assert empty.status_code == 422
    unknown_org = await client.post(
        url,
        json={"kind": "employer", "organisation_id": "00000000-0000-0000-0000-000000000001"},
        headers=person["headers"],
    )
    assert unknown_org.status_code == 422
    listed = await client.get(url, headers=person["headers"])
    assert len(listed.json()) == 3
    # Another evaluator learns nothing about this one's declarations.
    assert (await client.get(url, headers=other["headers"])).status_code == 404
    assert (
        await client.post(url, json={"kind": "affiliation", "name": "x"}, headers=other["headers"])
    ).status_code == 404
    assert (await client.get(url, headers=anna["headers"])).status_code == 403
    reasons = (
        await db_session.execute(
            sa.select(conflicts_table.c.reason_code, conflicts_table.c.legal_basis).where(
                conflicts_table.c.evaluator_id == person["id"]
            )
        )
    ).all()
    assert {r.reason_code for r in reasons} == {
        "applicant_organisation",
        "affiliated_with_partner",
    }
    assert any(r.legal_basis.startswith("§ 20") for r in reasons)
    # Withdrawing the employer declaration removes that conflict.
    removed = await client.delete(f"{url}/{declared.json()['id']}", headers=person["headers"])
    assert removed.status_code == 204
    left = (
        (
            await db_session.execute(
                sa.select(conflicts_table.c.reason_code).where(
                    conflicts_table.c.evaluator_id == person["id"]
                )
            )
        )
        .scalars()
        .all()
    )
    assert list(left) == ["affiliated_with_partner"]


async def test_auto_assignment_is_balanced_conflict_free_and_reports_shortfalls(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    ben = await applicant(client, organisation={"legal_name": "Dorfladen Zwönitz eG"})
    partner = {"name": "Heimatverein Zwönitz e.V.", "type": "Verein", "role": "Kurse"}
    first, second = await all_in_review(
        client,
        db_session,
        boss,
        clock,
        (anna["headers"], {}),
        (ben["headers"], {"partners": [partner]}),
    )
    pool = [await evaluator(client, db_session, boss) for _ in range(4)]
    # The first evaluator works for a partner of the second application (matched by name).
    response = await client.post(
        f"/api/evaluators/{pool[0]['id']}/affiliations",
        json={"kind": "employer", "name": "Heimatverein Zwönitz eV"},
        headers=pool[0]["headers"],
    )
    assert response.status_code == 201
    result = await auto_assign(client, boss)
    assert result["per_application"] == 3  # the rubric's minimum_evaluators
    assert result["applications"] == 2 and result["added"] == 6
    assert result["shortfalls"] == []
    loads = [result["loads"]["per_evaluator"][p["id"]] for p in pool]
    assert sorted(loads) == [1, 1, 2, 2]
    board = await client.get(
        "/api/evaluation/assignments",
        params={"call": "demo", "funding_line": "stationary"},
        headers=boss,
    )
    assert board.status_code == 200, board.text
    by_app = {a["application_id"]: a for a in board.json()["applications"]}
    assert pool[0]["id"] not in {e["evaluator_id"] for e in by_app[second["id"]]["evaluators"]}
    assert by_app[first["id"]]["active"] == 3 and by_app[second["id"]]["active"] == 3
    assert {e["evaluator_id"]: e["load"] for e in board.json()["evaluators"]}[pool[0]["id"]] == 1
    # A second run adds nothing.
    again = await auto_assign(client, boss)
    assert again["added"] == 0 and again["kept"] == 6
    # Four per application cannot be reached for the second one: one of four is conflicted.
    report = await client.get(
        "/api/evaluation/assignments/shortfalls",
        params={"call": "demo", "funding_line": "stationary", "per_application": 4},
        headers=boss,
    )
    assert report.status_code == 200, report.text
    [short] = report.json()["shortfalls"]
    assert short["application_id"] == second["id"]
    assert short["reason"] == "too_few_eligible" and short["conflicted"] == 1
    more = await auto_assign(client, boss, per_application=4)
    assert more["added"] == 1
    assert [s["application_id"] for s in more["shortfalls"]] == [second["id"]]
    actions = await _actions(db_session)
    assert actions.count("evaluators_auto_assigned") == 3
    # Bad input: unknown call, unknown fields.
    bad = await client.post(
        "/api/evaluation/assignments/auto",
        json={"call": "nope", "funding_line": "stationary"},
        headers=boss,
    )
    assert bad.status_code == 422
    extra = await client.post(
        "/api/evaluation/assignments/auto",
        json={"call": "demo", "funding_line": "stationary", "status": "x"},
        headers=boss,
    )
    assert extra.status_code == 422


async def test_evaluator_accepts_reads_a_reduced_snapshot_and_downloads(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    prior_aid = [{"granted_on": "2025-03-01", "amount": "12345.67", "provider": "Landkreis"}]
    declarations = {**complete_draft()["declarations"], "de_minimis_prior_aid": prior_aid}
    application = await in_review(
        client, db_session, anna["headers"], boss, clock, declarations=declarations
    )
    person = await evaluator(client, db_session, boss)
    await auto_assign(client, boss, per_application=1)
    assignment_id = await my_assignment_id(client, person["headers"], application["id"])
    assert assignment_id is not None
    mine = (await client.get("/api/my/assignments", headers=person["headers"])).json()
    assert mine[0]["reference_number"] == application["reference_number"]
    assert mine[0]["title"] == "MakerSpace Schneeberg" and mine[0]["status"] == "pending"
    url = f"/api/my/assignments/{assignment_id}"
    accepted = await client.post(f"{url}/accept", headers=person["headers"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert (await client.post(f"{url}/accept", headers=person["headers"])).status_code == 409
    view = await client.get(f"{url}/application", headers=person["headers"])
    assert view.status_code == 200, view.text
    body: dict[str, Any] = view.json()
    assert body["title"] == "MakerSpace Schneeberg"
    assert body["partners"][0]["name"] == "Gymnasium Schneeberg"
    assert body["organisation"]["legal_name"] == "KulturWerk Schneeberg e.V."
    costs = {c["category"]: c for c in body["costs"]}
    assert costs["personnel"]["detail_withheld"] and costs["personnel"]["lines"] == []
    assert costs["personnel"]["total"] == "70000.00"
    assert costs["equipment"]["lines"][0]["amount"] == "60000.00"
    assert body["financing"]["total_costs"] == "150000.00"
    assert body["verdict"]["results"]
    text = view.text
    for secret in (anna["email"], "Markt 1", "08289", "12345.67", "Landkreis", "Anna Beispiel"):
        assert secret not in text, secret
    [attachment] = body["attachments"]
    content = await client.get(
        f"{url}/application/attachments/{attachment['id']}/content", headers=person["headers"]
    )
    assert content.status_code == 200, content.text
    assert content.content.startswith(b"%PDF-")
    assert content.headers["etag"] == f'"{attachment["sha256"]}"'
    missing = await client.get(
        f"{url}/application/attachments/00000000-0000-0000-0000-000000000001/content",
        headers=person["headers"],
    )
    assert missing.status_code == 404


async def test_declining_with_a_conflict_withdraws_and_blocks_for_good(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    application = await in_review(client, db_session, anna["headers"], boss, clock)
    pool = [await evaluator(client, db_session, boss) for _ in range(2)]
    await auto_assign(client, boss, per_application=1)
    holder = await _holder(client, pool, application["id"])
    assignment_id = await my_assignment_id(client, holder["headers"], application["id"])
    url = f"/api/my/assignments/{assignment_id}"
    empty = await client.post(f"{url}/decline", json={"reason": ""}, headers=holder["headers"])
    assert empty.status_code == 422
    declined = await client.post(
        f"{url}/decline",
        json={"reason": "Meine Schwester leitet den Verein.", "conflict": True, "excluded": True},
        headers=holder["headers"],
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert (await client.get(f"{url}/application", headers=holder["headers"])).status_code == 404
    declaration = (await db_session.execute(sa.select(declarations_table))).one()
    assert declaration.excluded and declaration.reason.startswith("Meine Schwester")
    conflict = (
        await db_session.execute(
            sa.select(conflicts_table).where(conflicts_table.c.evaluator_id == holder["id"])
        )
    ).one()
    assert conflict.reason_code == "declared" and conflict.legal_basis == "§ 20 Abs. 1 VwVfG"
    # Auto-assignment fills the slot with the other evaluator, never the declarer again.
    refill = await auto_assign(client, boss, per_application=1)
    assert refill["added"] == 1
    other = next(p for p in pool if p is not holder)
    assert await my_assignment_id(client, other["headers"], application["id"]) is not None
    assert "conflict_declared" in await _actions(db_session)


async def test_manual_reassignment_respects_conflicts_and_proposes_the_best(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    application = await in_review(client, db_session, anna["headers"], boss, clock)
    pool = [await evaluator(client, db_session, boss) for _ in range(3)]
    conflicted = pool[2]
    response = await client.post(
        f"/api/evaluators/{conflicted['id']}/affiliations",
        json={"kind": "affiliation", "organisation_id": application["organisation_id"]},
        headers=conflicted["headers"],
    )
    assert response.status_code == 201
    await auto_assign(client, boss, per_application=1)
    holder = await _holder(client, pool, application["id"])
    free = next(p for p in pool if p is not holder and p is not conflicted)
    url = "/api/evaluation/assignments/reassign"
    refused = await client.post(
        url,
        json={
            "application_id": application["id"],
            "from_evaluator_id": holder["id"],
            "to_evaluator_id": conflicted["id"],
        },
        headers=boss,
    )
    assert refused.status_code == 422, refused.text
    assert "conflict_of_interest" in refused.json()["reasons"]
    not_assigned = await client.post(
        url,
        json={
            "application_id": application["id"],
            "from_evaluator_id": free["id"],
            "to_evaluator_id": holder["id"],
        },
        headers=boss,
    )
    assert not_assigned.status_code == 409
    proposed = await client.post(
        url,
        json={
            "application_id": application["id"],
            "from_evaluator_id": holder["id"],
            "reason": "Urlaub",
        },
        headers=boss,
    )
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["to_evaluator_id"] == free["id"]
    assert proposed.json()["assignment"]["source"] == "manual"
    assert await my_assignment_id(client, holder["headers"], application["id"]) is None
    assert await my_assignment_id(client, free["headers"], application["id"]) is not None
    # And back again: the removed pair returns as the same row.
    back = await client.post(
        url,
        json={
            "application_id": application["id"],
            "from_evaluator_id": free["id"],
            "to_evaluator_id": holder["id"],
        },
        headers=boss,
    )
    assert back.status_code == 200, back.text
    rows = (
        await db_session.execute(
            sa.select(assignments_table.c.evaluator_id, assignments_table.c.status)
        )
    ).all()
    assert sorted(r.status for r in rows) == ["pending", "removed"]
    assert "application_reassigned" in await _actions(db_session)


async def test_evaluators_get_403_on_manager_urls(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    boss = await manager(client, db_session)
    person = await evaluator(client, db_session, boss)
    admin = await staff_headers(client, db_session, StaffRole.ADMIN)
    params = {"call": "demo", "funding_line": "stationary"}
    for headers, expected in ((person["headers"], 403), (boss, 200), (admin, 200)):
        board = await client.get("/api/evaluation/assignments", params=params, headers=headers)
        assert board.status_code == expected
        short = await client.get(
            "/api/evaluation/assignments/shortfalls", params=params, headers=headers
        )
        assert short.status_code == expected
        auto = await client.post("/api/evaluation/assignments/auto", json=params, headers=headers)
        assert auto.status_code == expected
    reassign = await client.post(
        "/api/evaluation/assignments/reassign",
        json={
            "application_id": person["id"],
            "from_evaluator_id": person["id"],
        },
        headers=person["headers"],
    )
    assert reassign.status_code == 403
    # Managers are not evaluators: the evaluator's URLs are not theirs.
    assert (await client.get("/api/my/assignments", headers=boss)).status_code == 403
