"""Score sheets over HTTP: drafts with If-Match, submission (then locked), validation that
names the reason and changes nothing, no anchoring, reopening by a manager (audited), and the
access matrix: not assigned, conflicted, declined/removed, applicants → 404; evaluators and
applicants on manager URLs → 403."""

import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.roles import StaffRole
from grants.db.audit import audit_table
from tests.api.evaluation.scoring_helpers import (
    assign,
    conflict,
    evaluator,
    if_match,
    in_review,
    scores,
)
from tests.applications_factories import applicant
from tests.factories import staff_headers
from tests.fakes import FakeClock


@pytest.fixture
async def setup(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    application = await in_review(client, db_session, anna["headers"], manager, clock)
    headers, evaluator_id = await evaluator(client, db_session)
    assignment = await assign(db_session, application["id"], evaluator_id)
    return {
        "applicant": anna["headers"],
        "manager": manager,
        "application": application,
        "evaluator": headers,
        "evaluator_id": evaluator_id,
        "assignment": assignment,
        "url": f"/api/score-sheets/{assignment}",
    }


async def _audit_actions(db_session: AsyncSession, object_id: str) -> list[str]:
    rows = await db_session.execute(
        sa.select(audit_table.c.action)
        .where(audit_table.c.object_id == object_id)
        .order_by(audit_table.c.seq)
    )
    return list(rows.scalars())


async def test_draft_then_submit_then_locked(
    client: httpx.AsyncClient, db_session: AsyncSession, setup: dict[str, Any]
) -> None:
    url, headers = setup["url"], setup["evaluator"]
    empty = await client.get(url, headers=headers)
    assert empty.status_code == 200, empty.text
    assert empty.headers["etag"] == '"0"'
    body = empty.json()
    assert body["status"] == "draft" and body["version"] == 0 and body["peers"] is None
    assert [c["code"] for c in body["criteria"]] == ["K1", "K2", "K3", "K4", "K5", "K6"]
    assert len(body["missing"]) == 6

    partial = [{"criterion": "K1", "score": 4, "justification": "Guter Standort."}]
    saved = await client.put(url, json={"scores": partial}, headers=if_match(headers, 0))
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1 and saved.headers["etag"] == '"1"'

    # Submitting the incomplete draft names every missing criterion; nothing changes.
    refused = await client.post(f"{url}/submit", headers=if_match(headers, 1))
    assert refused.status_code == 422, refused.text
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {f"scores.K{i}" for i in range(2, 7)}
    assert (await client.get(url, headers=headers)).json()["version"] == 1

    complete = scores({"K1": 4, "K2": 3, "K3": 3, "K4": 2, "K5": 5, "K6": 4})
    saved = await client.put(url, json={"scores": complete}, headers=if_match(headers, 1))
    assert saved.status_code == 200 and saved.json()["missing"] == []
    done = await client.post(f"{url}/submit", headers=if_match(headers, 2))
    assert done.status_code == 200, done.text
    sheet = done.json()
    assert sheet["status"] == "submitted" and sheet["version"] == 3
    # (20·4 + 15·3 + 15·3 + 15·2 + 20·5 + 15·4) / 5 = 360 / 5 = 72.00
    assert sheet["total"] == "72.00"
    assert sheet["peers"] == []

    # Locked: no change, no second submission.
    changed = await client.put(url, json={"scores": scores(5)}, headers=if_match(headers, 3))
    assert changed.status_code == 409, changed.text
    assert changed.json()["sheet_status"] == "submitted"
    again = await client.post(f"{url}/submit", headers=if_match(headers, 3))
    assert again.status_code == 409
    after = (await client.get(url, headers=headers)).json()
    assert after["total"] == "72.00" and after["scores"][0]["score"] == 4
    sheet_id = (
        await db_session.execute(
            sa.text("SELECT id FROM score_sheets WHERE assignment_id = :a"),
            {"a": setup["assignment"]},
        )
    ).scalar_one()
    assert await _audit_actions(db_session, str(sheet_id)) == [
        "score_sheet_draft_saved",
        "score_sheet_draft_saved",
        "score_sheet_submitted",
    ]


@pytest.mark.parametrize(
    ("items", "field", "rule"),
    [
        (scores(6), "scores.K1.score", "out_of_scale"),
        (scores(-1), "scores.K1.score", "out_of_scale"),
        (
            [*scores(3), {"criterion": "K2", "score": 4, "justification": "nochmal"}],
            "scores.K2",
            "duplicate",
        ),
        ([{"criterion": "K9", "score": 3, "justification": "x"}], "scores.K9", "unknown_criterion"),
    ],
)
async def test_bad_drafts_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
    setup: dict[str, Any],
    items: list[dict[str, Any]],
    field: str,
    rule: str,
) -> None:
    url, headers = setup["url"], setup["evaluator"]
    first = await client.put(url, json={"scores": scores(3)}, headers=if_match(headers, 0))
    assert first.status_code == 200
    response = await client.put(url, json={"scores": items}, headers=if_match(headers, 1))
    assert response.status_code == 422, response.text
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in response.json()["errors"]
    ]
    current = (await client.get(url, headers=headers)).json()
    assert current["version"] == 1 and [s["score"] for s in current["scores"]] == [3] * 6


@pytest.mark.parametrize("value", [4.5, "4", True, 4.0])
async def test_scores_are_whole_numbers(
    client: httpx.AsyncClient, setup: dict[str, Any], value: object
) -> None:
    body = {"scores": [{"criterion": "K1", "score": value, "justification": "x"}]}
    response = await client.put(setup["url"], json=body, headers=if_match(setup["evaluator"], 0))
    assert response.status_code == 422, response.text


async def test_missing_justification_blocks_submission(
    client: httpx.AsyncClient, setup: dict[str, Any]
) -> None:
    url, headers = setup["url"], setup["evaluator"]
    items = scores(3)
    items[4]["justification"] = "   "
    assert (await client.put(url, json={"scores": items}, headers=if_match(headers, 0))).is_success
    refused = await client.post(f"{url}/submit", headers=if_match(headers, 1))
    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("scores.K5.justification", "justification_required")
    ]
    assert (await client.get(url, headers=headers)).json()["status"] == "draft"


async def test_if_match_is_required_and_checked(
    client: httpx.AsyncClient, setup: dict[str, Any]
) -> None:
    url, headers = setup["url"], setup["evaluator"]
    missing = await client.put(url, json={"scores": scores(3)}, headers=headers)
    assert missing.status_code == 428
    assert (
        await client.put(url, json={"scores": scores(3)}, headers=if_match(headers, 0))
    ).is_success
    stale = await client.put(url, json={"scores": scores(4)}, headers=if_match(headers, 0))
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    stale_submit = await client.post(f"{url}/submit", headers=if_match(headers, 0))
    assert stale_submit.status_code == 412
    assert (await client.post(f"{url}/submit", headers=headers)).status_code == 428


async def test_no_anchoring_peers_only_after_own_submission(
    client: httpx.AsyncClient, db_session: AsyncSession, setup: dict[str, Any]
) -> None:
    first_url, first = setup["url"], setup["evaluator"]
    second, second_id = await evaluator(client, db_session)
    second_url = (
        f"/api/score-sheets/{await assign(db_session, setup['application']['id'], second_id)}"
    )
    assert (
        await client.put(first_url, json={"scores": scores(5)}, headers=if_match(first, 0))
    ).is_success
    assert (await client.post(f"{first_url}/submit", headers=if_match(first, 1))).is_success

    # The second evaluator, still drafting, sees nothing of the first one's scores.
    drafting = (await client.get(second_url, headers=second)).json()
    assert drafting["peers"] is None
    assert all(s["score"] is None for s in drafting["scores"])
    assert drafting["total"] is None and "100.00" not in str(drafting)
    # The first sees no peer yet: the second's draft is not shown.
    assert (await client.get(first_url, headers=first)).json()["peers"] == []

    assert (
        await client.put(second_url, json={"scores": scores(2)}, headers=if_match(second, 0))
    ).is_success
    assert (await client.get(first_url, headers=first)).json()["peers"] == []
    done = await client.post(f"{second_url}/submit", headers=if_match(second, 1))
    peers = done.json()["peers"]
    assert [(p["label"], p["total"]) for p in peers] == [("Gutachter/in 1", "100.00")]
    assert "evaluator_id" not in peers[0]
    first_view = (await client.get(first_url, headers=first)).json()["peers"]
    assert [(p["label"], p["total"]) for p in first_view] == [("Gutachter/in 1", "40.00")]


async def test_manager_reopens_with_reason_audited(
    client: httpx.AsyncClient, db_session: AsyncSession, setup: dict[str, Any]
) -> None:
    url, headers, manager = setup["url"], setup["evaluator"], setup["manager"]
    assert (
        await client.put(url, json={"scores": scores(3)}, headers=if_match(headers, 0))
    ).is_success
    not_yet = await client.post(f"{url}/reopen", json={"reason": "Moderation"}, headers=manager)
    assert not_yet.status_code == 409
    assert (await client.post(f"{url}/submit", headers=if_match(headers, 1))).is_success

    by_evaluator = await client.post(f"{url}/reopen", json={"reason": "x"}, headers=headers)
    assert by_evaluator.status_code == 403
    no_reason = await client.post(f"{url}/reopen", json={"reason": ""}, headers=manager)
    assert no_reason.status_code == 422
    reopened = await client.post(
        f"{url}/reopen",
        json={"reason": "Moderation: K4 bitte neu begründen"},
        headers=manager,
    )
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["status"] == "draft" and body["total"] is None and body["version"] == 3
    assert body["reopen_reason"] == "Moderation: K4 bitte neu begründen"

    changed = await client.put(url, json={"scores": scores(4)}, headers=if_match(headers, 3))
    assert changed.status_code == 200
    resubmitted = await client.post(f"{url}/submit", headers=if_match(headers, 4))
    assert resubmitted.json()["total"] == "80.00"
    audit = (
        await db_session.execute(
            sa.select(audit_table.c.before, audit_table.c.after).where(
                audit_table.c.action == "score_sheet_reopened"
            )
        )
    ).one()
    assert audit.before["total"] == "60.00"
    assert audit.after["reason"] == "Moderation: K4 bitte neu begründen"


async def test_scoring_only_while_in_review(
    client: httpx.AsyncClient, db_session: AsyncSession, setup: dict[str, Any]
) -> None:
    url, headers = setup["url"], setup["evaluator"]
    withdrawn = await client.post(
        f"/api/applications/{setup['application']['id']}/transitions",
        json={"event": "withdraw", "reason": "Projekt anderweitig finanziert"},
        headers=setup["applicant"],
    )
    assert withdrawn.status_code == 200, withdrawn.text
    refused = await client.put(url, json={"scores": scores(3)}, headers=if_match(headers, 0))
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "withdrawn"


async def _every_sheet_url(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> list[int]:
    return [
        (await client.get(url, headers=headers)).status_code,
        (
            await client.put(url, json={"scores": scores(3)}, headers=if_match(headers, 0))
        ).status_code,
        (await client.post(f"{url}/submit", headers=if_match(headers, 0))).status_code,
    ]


async def test_access_matrix_for_score_sheet_urls(
    client: httpx.AsyncClient, db_session: AsyncSession, setup: dict[str, Any]
) -> None:
    url, application = setup["url"], setup["application"]
    # Another evaluator, not assigned to this sheet.
    stranger, _ = await evaluator(client, db_session)
    assert await _every_sheet_url(client, url, stranger) == [404, 404, 404]
    # An assignment id that does not exist.
    assert await _every_sheet_url(client, f"/api/score-sheets/{uuid.uuid4()}", stranger) == [
        404,
        404,
        404,
    ]
    # The applicant, and the manager on evaluator URLs (not their sheet).
    assert await _every_sheet_url(client, url, setup["applicant"]) == [404, 404, 404]
    assert await _every_sheet_url(client, url, setup["manager"]) == [404, 404, 404]
    # Declined or removed assignments.
    for status in ("declined", "removed"):
        other, other_id = await evaluator(client, db_session)
        assignment = await assign(db_session, application["id"], other_id, status=status)
        assert await _every_sheet_url(client, f"/api/score-sheets/{assignment}", other) == [
            404,
            404,
            404,
        ]
    # Conflicted: assigned, with a recorded conflict of interest → as if it did not exist;
    # also after a draft was saved before the conflict came to light.
    headers = setup["evaluator"]
    assert (
        await client.put(url, json={"scores": scores(3)}, headers=if_match(headers, 0))
    ).is_success
    await conflict(db_session, application["id"], setup["evaluator_id"])
    assert await _every_sheet_url(client, url, headers) == [404, 404, 404]
    # Applicants on manager URLs: 403.
    reopen = await client.post(f"{url}/reopen", json={"reason": "x"}, headers=setup["applicant"])
    assert reopen.status_code == 403
    # Anonymous: 401.
    assert (await client.get(url)).status_code == 401


MANAGER_URLS = [
    ("GET", "/api/evaluation/rankings?call=demo", None),
    ("POST", "/api/evaluation/rankings/simulate", {"call": "demo", "funding_line": "stationary"}),
    ("GET", "/api/evaluation/rankings/export.csv?call=demo", None),
    ("GET", "/api/evaluation/rankings/export.xlsx?call=demo", None),
    ("GET", "/api/evaluation/decisions?call=demo", None),
    (
        "PUT",
        f"/api/evaluation/decisions/{uuid.uuid4()}",
        {"recommendation": "recommended", "reason": "x"},
    ),
]


async def test_evaluators_and_applicants_get_403_on_manager_urls(
    client: httpx.AsyncClient, setup: dict[str, Any]
) -> None:
    for headers in (setup["evaluator"], setup["applicant"]):
        for method, url, body in MANAGER_URLS:
            response = await client.request(method, url, json=body, headers=headers)
            assert response.status_code == 403, (method, url, response.text)
        reopen = await client.post(f"{setup['url']}/reopen", json={"reason": "x"}, headers=headers)
        assert reopen.status_code == 403


async def test_managers_see_progress_and_submitted_scores_only(
    client: httpx.AsyncClient, db_session: AsyncSession, setup: dict[str, Any]
) -> None:
    other_headers, other_id = await evaluator(client, db_session)
    await assign(db_session, setup["application"]["id"], other_id)
    url = f"/api/evaluation/applications/{setup['application']['id']}/score-sheets"
    draft = await client.put(
        setup["url"],
        json={"scores": scores(4, "Entwurf: noch nicht abgewogen.")},
        headers=if_match(setup["evaluator"], 0),
    )
    assert draft.status_code == 200, draft.text
    listed = (await client.get(url, headers=setup["manager"])).json()
    assert [(s["sheet_status"], s["scores"]) for s in listed] == [("draft", None), ("none", None)]
    submitted = await client.post(f"{setup['url']}/submit", headers=if_match(setup["evaluator"], 1))
    assert submitted.status_code == 200, submitted.text
    listed = (await client.get(url, headers=setup["manager"])).json()
    mine = next(s for s in listed if s["evaluator_id"] == str(setup["evaluator_id"]))
    assert mine["sheet_status"] == "submitted"
    assert mine["total"] == "80.00"
    assert mine["scores"][0]["justification"] == "Entwurf: noch nicht abgewogen."
    for headers in (setup["evaluator"], other_headers, setup["applicant"]):
        assert (await client.get(url, headers=headers)).status_code == 403
