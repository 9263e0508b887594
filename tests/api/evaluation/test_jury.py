"""The jury as a committee over HTTP (§§ 88–93 VwVfG): members and one chair, a session from
planned to closed, attendance, the quorum (§ 90), members excluded from an item who cannot
vote on it (§ 20 Abs. 4: in the service and in the database), the majority with the chair's
casting vote (§ 91), and minutes (§ 93) that are hashed and can never change."""

import json
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.canonical import sha256_of
from grants.core.roles import StaffRole
from grants.db.audit import AuditLog
from grants.evaluation.jury.service import resolution_of
from grants.evaluation.jury.tables import (
    ballots_table,
    items_table,
    minutes_table,
    sessions_table,
    votes_table,
)
from tests.applications_factories import applicant, submitted
from tests.evaluation_factories import evaluator, manager, user_id
from tests.factories import staff_headers

BASE = "/api/calls/frl-lifd/demo/jury"


async def _actions(db_session: AsyncSession) -> list[str]:
    rows = await db_session.execute(sa.select(AuditLog.action))  # type: ignore[call-overload]
    return [str(a) for a in rows.scalars().all()]


async def _post(
    client: httpx.AsyncClient, url: str, body: Any, headers: dict[str, str], status: int = 201
) -> Any:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def _member(client: httpx.AsyncClient, boss: dict[str, str], **body: Any) -> dict[str, Any]:
    found: dict[str, Any] = await _post(client, f"{BASE}/members", body, boss)
    return found


async def _scene(client: httpx.AsyncClient, db_session: AsyncSession) -> dict[str, Any]:
    """Two submitted applications; a jury of five: a chair with an account whose declared
    tie excludes them from the first application, and four external members."""
    boss = await manager(client, db_session)
    anna = await applicant(client)
    ben = await applicant(client, organisation={"legal_name": "Dorfladen Zwönitz eG"})
    first, _ = await submitted(client, db_session, anna["headers"])
    second, _ = await submitted(client, db_session, ben["headers"], title="Dorfladen digital")
    chair_user = await evaluator(client, db_session, boss, in_pool=False)
    tie = await client.post(
        f"/api/evaluators/{chair_user['id']}/affiliations",
        json={"kind": "relative", "organisation_id": first["organisation_id"]},
        headers=chair_user["headers"],
    )
    assert tie.status_code == 201, tie.text
    chair = await _member(client, boss, user_id=chair_user["id"], role="chair", organisation="SMWA")
    others = [
        await _member(client, boss, name=name, organisation=org)
        for name, org in (
            ("Bernd Beispiel", "IHK Chemnitz"),
            ("Carla Clausen", "Digitalagentur Sachsen"),
            ("Dana Dorn", ""),
            ("Emil Ernst", ""),
        )
    ]
    return {
        "boss": boss,
        "anna": anna,
        "first": first,
        "second": second,
        "chair_user": chair_user,
        "chair": chair,
        "bernd": others[0],
        "carla": others[1],
        "dana": others[2],
        "emil": others[3],
    }


async def _open_session(
    client: httpx.AsyncClient, scene: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    boss = scene["boss"]
    planned = await _post(
        client,
        f"{BASE}/sessions",
        {"place": "Dresden, SMWA, Raum 3.14", "starts_at": "2024-05-15T10:00:00+02:00"},
        boss,
    )
    assert planned["status"] == "planned"
    url = f"{BASE}/sessions/{planned['id']}"
    for application in (scene["first"], scene["second"]):
        await _post(client, f"{url}/items", {"application_id": application["id"]}, boss)
    opened = await _post(client, f"{url}/open", None, boss, status=200)
    assert opened["status"] == "open"
    for key in ("chair", "bernd", "carla", "dana"):
        response = await client.put(
            f"{url}/attendance/{scene[key]['id']}", json={"present": True}, headers=boss
        )
        assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return url, session


def _ballots(scene: dict[str, Any], **votes: str) -> list[dict[str, str]]:
    return [{"member_id": scene[who]["id"], "vote": vote} for who, vote in votes.items()]


async def _vote_first_item(
    client: httpx.AsyncClient, scene: dict[str, Any], url: str, first: dict[str, Any]
) -> None:
    boss = scene["boss"]
    # The chair's declared tie (a relative represents the applicant) excludes them from the
    # first item by law, recorded when the session was opened.
    excluded = first["excluded"]
    assert [(e["member_id"], e["ground"], e["source"], e["recorded"]) for e in excluded] == [
        (scene["chair"]["id"], "relative_of_representative", "detected", True)
    ]
    assert excluded[0]["legal_basis"].startswith("§ 20 Abs. 1 Satz 1 Nr. 4, Abs. 5 VwVfG")
    assert first["quorum"] == {
        "members": 5,
        "present": 3,
        "required": 3,
        "quorate": True,
        "legal_basis": "§ 90 Abs. 1 Satz 1 VwVfG",
        "message": first["quorum"]["message"],
    }
    # The excluded chair cannot vote on the first item.
    refused = await client.post(
        f"{url}/items/{first['id']}/votes",
        json={"motion": "recommended", "ballots": _ballots(scene, chair="yes", bernd="yes")},
        headers=boss,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["members"] == [scene["chair"]["id"]]
    assert "§ 20 Abs. 4 VwVfG" in refused.json()["detail"]
    # An absent member cannot vote either.
    absent = await client.post(
        f"{url}/items/{first['id']}/votes",
        json={"motion": "recommended", "ballots": _ballots(scene, emil="yes")},
        headers=boss,
    )
    assert absent.status_code == 409 and absent.json()["members"] == [scene["emil"]["id"]]
    carried = await _post(
        client,
        f"{url}/items/{first['id']}/votes",
        {"motion": "recommended", "ballots": _ballots(scene, bernd="yes", carla="yes", dana="no")},
        boss,
    )
    assert carried["resolution"] == "recommended"
    assert (carried["votes"][0]["yes"], carried["votes"][0]["no"]) == (2, 1)
    again = await client.post(
        f"{url}/items/{first['id']}/votes",
        json={"motion": "reserve", "ballots": _ballots(scene, bernd="yes")},
        headers=boss,
    )
    assert again.status_code == 409  # resolved already


async def _vote_second_item(
    client: httpx.AsyncClient, scene: dict[str, Any], url: str, second: dict[str, Any]
) -> None:
    boss = scene["boss"]
    # Carla declares a conflict on the second item and leaves it.
    left = await _post(
        client,
        f"{url}/items/{second['id']}/exclusions",
        {
            "member_id": scene["carla"]["id"],
            "ground": "prior_involvement",
            "reason": "Hat das Konzept des Dorfladens mitgeschrieben.",
        },
        boss,
    )
    item = next(i for i in left["items"] if i["id"] == second["id"])
    assert item["excluded"][0]["legal_basis"] == (
        "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG i. V. m. § 20 Abs. 4 VwVfG"
    )
    duplicate = await client.post(
        f"{url}/items/{second['id']}/exclusions",
        json={"member_id": scene["carla"]["id"], "ground": "bias", "reason": "nochmals"},
        headers=boss,
    )
    assert duplicate.status_code == 409
    barred = await client.post(
        f"{url}/items/{second['id']}/votes",
        json={"motion": "reserve", "ballots": _ballots(scene, carla="yes")},
        headers=boss,
    )
    assert barred.status_code == 409
    # Dana steps out: chair and Bernd are two of five, and three are needed (§ 90).
    out = await client.put(
        f"{url}/attendance/{scene['dana']['id']}", json={"present": False}, headers=boss
    )
    assert out.status_code == 200
    not_quorate = await client.post(
        f"{url}/items/{second['id']}/votes",
        json={"motion": "reserve", "ballots": _ballots(scene, chair="yes", bernd="yes")},
        headers=boss,
    )
    assert not_quorate.status_code == 409, not_quorate.text
    assert not_quorate.json()["legal_basis"] == "§ 90 Abs. 1 Satz 1 VwVfG"
    assert (not_quorate.json()["present"], not_quorate.json()["required"]) == (2, 3)
    back = await client.put(
        f"{url}/attendance/{scene['dana']['id']}", json={"present": True}, headers=boss
    )
    assert back.status_code == 200
    # A tie, decided by the chair's vote (§ 91 Satz 2).
    tied = await _post(
        client,
        f"{url}/items/{second['id']}/votes",
        {"motion": "reserve", "ballots": _ballots(scene, chair="yes", bernd="no", dana="abstain")},
        boss,
    )
    assert tied["resolution"] == "reserve"
    assert tied["votes"][0]["casting_vote"] is True


async def _check_minutes(
    client: httpx.AsyncClient, scene: dict[str, Any], url: str, closed: dict[str, Any]
) -> None:
    boss = scene["boss"]
    minutes = closed["minutes"]
    assert minutes["place"] == "Dresden, SMWA, Raum 3.14"
    assert minutes["date"] == "2024-05-15" and minutes["date_de"] == "15.05.2024"
    assert minutes["chair"]["member_id"] == scene["chair"]["id"]
    assert sorted(minutes["present"]) == sorted(
        [scene[k]["name"] for k in ("chair", "bernd", "carla", "dana")]
    )
    assert [m["present"] for m in minutes["members"] if m["name"] == "Emil Ernst"] == [False]
    one, two = minutes["items"]
    assert one["application_id"] == scene["first"]["id"]
    assert one["reference_number"].startswith("LIfD-demo-S-")
    assert [e["member_id"] for e in one["excluded_members"]] == [scene["chair"]["id"]]
    assert one["resolution"] == "recommended"
    assert one["motions"][0]["ballots"] == sorted(
        one["motions"][0]["ballots"], key=lambda b: b["member_id"]
    )
    assert two["title"] == "Dorfladen digital"
    assert [e["name"] for e in two["excluded_members"]] == ["Carla Clausen"]
    assert (two["resolution"], two["motions"][0]["casting_vote"]) == ("reserve", True)
    # The hash is recomputable from the stored record.
    stored = await client.get(f"{url}/minutes", headers=boss)
    assert stored.status_code == 200
    assert stored.json()["sha256"] == closed["sha256"] == sha256_of(stored.json()["minutes"])
    assert (await client.get(url, headers=boss)).json()["minutes_sha256"] == closed["sha256"]


async def _check_closed(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    scene: dict[str, Any],
    url: str,
    closed: dict[str, Any],
    second: dict[str, Any],
) -> None:
    boss = scene["boss"]
    # Closed: every change is refused by the service (409) …
    refusals = [
        ("post", f"{url}/close", None),
        ("post", f"{url}/open", None),
        ("put", f"{url}/attendance/{scene['emil']['id']}", {"present": True}),
        ("post", f"{url}/items", {"application_id": scene["first"]["id"]}),
        (
            "post",
            f"{url}/items/{second['id']}/exclusions",
            {"member_id": scene["bernd"]["id"], "ground": "bias", "reason": "später"},
        ),
        (
            "post",
            f"{url}/items/{second['id']}/votes",
            {"motion": "recommended", "ballots": _ballots(scene, bernd="yes")},
        ),
    ]
    for method, target, body in refusals:
        response = await client.request(method, target, json=body, headers=boss)
        assert response.status_code == 409, (target, response.text)
        assert response.json()["current_status"] == "closed"
    # … and by the database, whoever writes.
    session_id = uuid.UUID(closed["session_id"])
    raw = [
        sa.update(minutes_table)
        .where(minutes_table.c.session_id == session_id)
        .values(minutes=json.loads(json.dumps({"forged": True}))),
        sa.delete(minutes_table).where(minutes_table.c.session_id == session_id),
        sa.update(items_table)
        .where(items_table.c.session_id == session_id)
        .values(resolution="not_recommended"),
        sa.delete(ballots_table).where(ballots_table.c.session_id == session_id),
        sa.update(votes_table).where(votes_table.c.session_id == session_id).values(yes=9),
        sa.update(sessions_table).where(sessions_table.c.id == session_id).values(place="anderswo"),
    ]
    for statement in raw:
        with pytest.raises(sa.exc.DBAPIError):
            async with db_session.begin():
                await db_session.execute(statement)
    async with db_session.begin():
        resolution = await resolution_of(db_session, uuid.UUID(scene["second"]["id"]))
    assert resolution is not None
    assert (resolution.recommendation, resolution.minutes_sha256) == ("reserve", closed["sha256"])
    actions = await _actions(db_session)
    for action in (
        "jury_member_added",
        "jury_session_planned",
        "jury_agenda_item_added",
        "jury_session_opened",
        "jury_attendance_recorded",
        "jury_member_excluded",
        "jury_vote_recorded",
        "jury_session_closed",
    ):
        assert action in actions, action


async def test_a_session_from_planning_to_immutable_minutes(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    scene = await _scene(client, db_session)
    url, session = await _open_session(client, scene)
    first, second = session["items"]
    await _vote_first_item(client, scene, url, first)
    await _vote_second_item(client, scene, url, second)
    closed = await _post(client, f"{url}/close", None, scene["boss"], status=200)
    await _check_minutes(client, scene, url, closed)
    await _check_closed(client, db_session, scene, url, closed, second)


async def test_the_database_refuses_a_ballot_of_an_excluded_member(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    scene = await _scene(client, db_session)
    url, session = await _open_session(client, scene)
    first = session["items"][0]
    voted = await _post(
        client,
        f"{url}/items/{first['id']}/votes",
        {"motion": "not_recommended", "ballots": _ballots(scene, bernd="no", carla="yes")},
        scene["boss"],
    )
    assert voted["resolution"] is None  # 1:1 without the chair's vote: the motion failed
    async with db_session.begin():
        vote_id = (
            await db_session.execute(
                sa.select(votes_table.c.id).where(votes_table.c.item_id == uuid.UUID(first["id"]))
            )
        ).scalar_one()
    # The chair is excluded from this item: a ballot written past the service is refused.
    with pytest.raises(sa.exc.DBAPIError, match="excluded"):
        async with db_session.begin():
            await db_session.execute(
                sa.insert(ballots_table).values(
                    vote_id=vote_id,
                    member_id=uuid.UUID(scene["chair"]["id"]),
                    item_id=uuid.UUID(first["id"]),
                    session_id=uuid.UUID(session["id"]),
                    choice="yes",
                )
            )
    # So is one of an absent member.
    with pytest.raises(sa.exc.DBAPIError, match="not present"):
        async with db_session.begin():
            await db_session.execute(
                sa.insert(ballots_table).values(
                    vote_id=vote_id,
                    member_id=uuid.UUID(scene["emil"]["id"]),
                    item_id=uuid.UUID(first["id"]),
                    session_id=uuid.UUID(session["id"]),
                    choice="yes",
                )
            )
    # A second round may carry it.
    carried = await _post(
        client,
        f"{url}/items/{first['id']}/votes",
        {"motion": "not_recommended", "ballots": _ballots(scene, bernd="yes", carla="yes")},
        scene["boss"],
    )
    assert carried["resolution"] == "not_recommended"
    assert [v["round"] for v in carried["votes"]] == [1, 2]


async def test_membership_and_session_rules(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    boss = await manager(client, db_session)
    anna = await applicant(client)
    draft_only = await client.post(
        "/api/applications",
        json={"call": "demo", "funding_line": "stationary", "title": "Entwurf"},
        headers=anna["headers"],
    )
    assert draft_only.status_code == 201, draft_only.text
    # A session cannot open without a chair.
    planned = await _post(
        client, f"{BASE}/sessions", {"place": "Chemnitz", "starts_at": "2024-06-01T09:00:00Z"}, boss
    )
    url = f"{BASE}/sessions/{planned['id']}"
    member = await _member(client, boss, name="Fritz Frei")
    no_chair = await client.post(f"{url}/open", headers=boss)
    assert no_chair.status_code == 409
    closing_planned = await client.post(f"{url}/close", headers=boss)
    assert closing_planned.status_code == 409
    assert closing_planned.json()["current_status"] == "planned"
    await _member(client, boss, name="Gisela Groß", role="chair")
    second_chair = await client.post(
        f"{BASE}/members", json={"name": "Hans Hoch", "role": "chair"}, headers=boss
    )
    assert second_chair.status_code == 409
    # A member with an account must be staff; the same person joins once.
    not_staff = await client.post(
        f"{BASE}/members", json={"user_id": await user_id(client, anna["headers"])}, headers=boss
    )
    assert not_staff.status_code == 422 and not_staff.json()["errors"][0]["rule"] == "not_staff"
    staff = await staff_headers(client, db_session, StaffRole.EVALUATOR)
    staff_id = await user_id(client, staff)
    joined = await _member(client, boss, user_id=staff_id)
    assert joined["name"].startswith("Staff")  # the display name, when none is given
    twice = await client.post(f"{BASE}/members", json={"user_id": staff_id}, headers=boss)
    assert twice.status_code == 409
    nobody = await client.post(f"{BASE}/members", json={"organisation": "x"}, headers=boss)
    assert nobody.status_code == 422
    # Drafts and unknown applications do not go on the agenda.
    for application_id in (draft_only.json()["id"], str(uuid.uuid4())):
        refused = await client.post(
            f"{url}/items", json={"application_id": application_id}, headers=boss
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["rule"] == "not_in_call"
    naive = await client.post(
        f"{BASE}/sessions",
        json={"place": "Chemnitz", "starts_at": "2024-06-01T09:00:00"},
        headers=boss,
    )
    assert naive.status_code == 422
    ancient = await client.post(
        f"{BASE}/sessions",
        json={"place": "Chemnitz", "starts_at": "0001-01-01T00:00:00Z"},
        headers=boss,
    )
    assert ancient.status_code == 422  # dates far off would overflow the Berlin calendar
    # Open: membership is fixed, and a second session cannot open beside it.
    opened = await _post(client, f"{url}/open", None, boss, status=200)
    assert len(opened["attendance"]) == 3
    assert all(not a["present"] for a in opened["attendance"])
    for response in (
        await client.post(f"{BASE}/members", json={"name": "Ida Isar"}, headers=boss),
        await client.delete(f"{BASE}/members/{member['id']}", headers=boss),
    ):
        assert response.status_code == 409
    other = await _post(
        client, f"{BASE}/sessions", {"place": "Leipzig", "starts_at": "2024-06-02T09:00:00Z"}, boss
    )
    assert (
        await client.post(f"{BASE}/sessions/{other['id']}/open", headers=boss)
    ).status_code == 409
    listed = await client.get(f"{BASE}/sessions", headers=boss)
    assert [s["status"] for s in listed.json()] == ["open", "planned"]
    # Removing a member after the session: allowed, the row stays for the minutes.
    await _post(client, f"{url}/close", None, boss, status=200)
    removed = await client.delete(f"{BASE}/members/{member['id']}", headers=boss)
    assert removed.status_code == 204
    members = await client.get(f"{BASE}/members", headers=boss)
    assert member["id"] not in [m["id"] for m in members.json()]
    assert (
        await client.get(f"{BASE}/sessions/{other['id']}/minutes", headers=boss)
    ).status_code == 404


async def test_jury_urls_are_for_programme_managers_only(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    boss = await manager(client, db_session)
    planned = await _post(
        client, f"{BASE}/sessions", {"place": "Dresden", "starts_at": "2024-06-01T09:00:00Z"}, boss
    )
    member = await _member(client, boss, name="Jana Jung")
    session_url = f"{BASE}/sessions/{planned['id']}"
    item = str(uuid.uuid4())
    urls: list[tuple[str, str, Any]] = [
        ("get", f"{BASE}/members", None),
        ("post", f"{BASE}/members", {"name": "X"}),
        ("delete", f"{BASE}/members/{member['id']}", None),
        ("get", f"{BASE}/sessions", None),
        ("post", f"{BASE}/sessions", {"place": "X", "starts_at": "2024-06-01T09:00:00Z"}),
        ("get", session_url, None),
        ("post", f"{session_url}/open", None),
        ("put", f"{session_url}/attendance/{member['id']}", {"present": True}),
        ("post", f"{session_url}/items", {"application_id": item}),
        (
            "post",
            f"{session_url}/items/{item}/exclusions",
            {"member_id": member["id"], "ground": "bias", "reason": "x"},
        ),
        (
            "post",
            f"{session_url}/items/{item}/votes",
            {"motion": "reserve", "ballots": [{"member_id": member["id"], "vote": "yes"}]},
        ),
        ("post", f"{session_url}/close", None),
        ("get", f"{session_url}/minutes", None),
    ]
    anna = await applicant(client)
    person = await evaluator(client, db_session, boss)
    for who, headers, status in (
        ("anonymous", {}, 401),
        ("applicant", anna["headers"], 403),
        ("evaluator", person["headers"], 403),
    ):
        for method, url, body in urls:
            response = await client.request(method, url, json=body, headers=headers)
            assert response.status_code == status, (who, method, url, response.text)
    # Managers: an unknown call or a session of another call is not found.
    unknown = await client.get("/api/calls/frl-lifd/no-such-call/jury/members", headers=boss)
    assert unknown.status_code == 404
    other = await client.get(f"{BASE}/sessions/{uuid.uuid4()}", headers=boss)
    assert other.status_code == 404
    # Nothing changed for the refused callers: the member is still there, the session planned.
    assert [m["id"] for m in (await client.get(f"{BASE}/members", headers=boss)).json()] == [
        member["id"]
    ]
    assert (await client.get(session_url, headers=boss)).json()["status"] == "planned"
