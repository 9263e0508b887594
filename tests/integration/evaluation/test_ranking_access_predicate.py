"""The ranking's raw SQL counts exactly the sheets the Core access rule selects.

``ranking.service.scores_query`` is plain SQL for speed; which sheets it counts (submitted,
assignment pending or accepted, no conflict recorded for the pair) must stay the rule of
``scoring.service.active_assignment`` / ``evaluator_access`` and
``assignment.conflicts.visible_assignment``. On PostgreSQL, in a scene where every part of the
rule decides something, the (application, evaluator) pairs the raw query counts are compared
with those the Core predicates select: a change to one side only fails here.
"""

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.tables import applications_table
from grants.core.roles import StaffRole
from grants.core.scoring import SheetStatus
from grants.evaluation.assignment.conflicts import visible_assignment
from grants.evaluation.ranking import service as rankings
from grants.evaluation.scoring.service import active_assignment, evaluator_access
from grants.evaluation.tables import assignments_table, score_sheets_table
from grants.guidelines.registry import load_registry
from tests.api.evaluation.scoring_helpers import (
    CODES,
    assign,
    conflict,
    evaluator,
    submitted_many,
    submitted_sheet,
)
from tests.applications_factories import applicant
from tests.evaluation_factories import to_review
from tests.factories import staff_headers
from tests.fakes import FakeClock

_apps, _a, _s = applications_table, assignments_table, score_sheets_table
Pair = tuple[str, str]  # (application id, evaluator id)


async def _scene(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    """Two applications under review of the demo call, six evaluators, each sheet a case:

    ====================  ==========================  ==========================
    evaluator             on A                        on B
    ====================  ==========================  ==========================
    active                accepted, submitted: YES    accepted, submitted,
                                                      conflicted on B: no
    pending               pending, submitted: YES     —
    declined              declined, submitted: no     pending, submitted: YES
    removed               removed, submitted: no      —
    conflicted            accepted, submitted,        accepted, submitted: YES
                          conflicted on A: no
    drafting              accepted, draft: no         —
    ====================  ==========================  ==========================
    """
    anna = await applicant(client)
    manager = await staff_headers(client, db_session, StaffRole.PROGRAMME_MANAGER)
    alpha, beta = await submitted_many(
        client, db_session, anna["headers"], {"title": "Alpha"}, {"title": "Beta"}
    )
    a, b = alpha["id"], beta["id"]
    await to_review(client, manager, clock, a, b)
    names = ("active", "pending", "declined", "removed", "conflicted", "drafting")
    people = {name: (await evaluator(client, db_session))[1] for name in names}
    cases: list[tuple[str, str, str, str]] = [  # application, evaluator, assignment, sheet
        (a, "active", "accepted", "submitted"),
        (a, "pending", "pending", "submitted"),
        (a, "declined", "declined", "submitted"),
        (a, "removed", "removed", "submitted"),
        (a, "conflicted", "accepted", "submitted"),
        (a, "drafting", "accepted", "draft"),
        (b, "active", "accepted", "submitted"),
        (b, "declined", "pending", "submitted"),
        (b, "conflicted", "accepted", "submitted"),
    ]
    for application_id, who, assignment_status, sheet_status in cases:
        assignment = await assign(db_session, application_id, people[who], assignment_status)
        await submitted_sheet(
            db_session, assignment, application_id, people[who], 4, status=sheet_status
        )
    # Conflicts are per pair: each of these two evaluators still counts on the other one.
    await conflict(db_session, a, people["conflicted"])
    await conflict(db_session, b, people["active"])
    counted = {
        (a, str(people["active"])),
        (a, str(people["pending"])),
        (b, str(people["declined"])),
        (b, str(people["conflicted"])),
    }
    every_sheet = {(app, str(people[who])) for app, who, _, _ in cases}
    return {
        "apps": {a, b},
        "evaluators": set(people.values()),
        "counted": counted,
        "all": every_sheet,
    }


async def _raw_pairs(db_session: AsyncSession, apps: set[str]) -> set[Pair]:
    """What the ranking counts: its raw query, run the way the ranking runs it."""
    async with db_session.begin():
        loaded = await rankings.load_call(db_session, load_registry(), "demo")
    return {
        (scores.application_id, sheet.evaluator_id)
        for scores in loaded.applications
        if scores.application_id in apps
        for sheet in scores.sheets
    }


async def _core_pairs(
    db_session: AsyncSession, apps: set[str], condition: sa.ColumnElement[bool]
) -> set[Pair]:
    """The submitted sheets of the applications whose assignment meets ``condition``."""
    query = (
        sa.select(_s.c.application_id, _s.c.evaluator_id)
        .select_from(
            _s.join(_a, _a.c.id == _s.c.assignment_id).join(
                _apps, _apps.c.id == _s.c.application_id
            )
        )
        .where(
            _s.c.status == SheetStatus.SUBMITTED,
            _apps.c.id.in_([uuid.UUID(a) for a in apps]),
            condition,
        )
    )
    async with db_session.begin():
        rows = (await db_session.execute(query)).all()
    return {(str(row.application_id), str(row.evaluator_id)) for row in rows}


async def test_raw_ranking_query_counts_what_the_core_access_rule_selects(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    scene = await _scene(client, db_session, clock)
    apps, evaluators = scene["apps"], scene["evaluators"]

    raw = await _raw_pairs(db_session, apps)
    core = await _core_pairs(db_session, apps, active_assignment())
    assert raw == core, f"raw only: {raw - core}; Core only: {core - raw}"
    # The same rule per evaluator, as the score-sheet and evaluator-facing queries use it
    # (every application here is under review, where ``visible_assignment`` shows it).
    for rule in (evaluator_access, visible_assignment):
        per_evaluator = await _core_pairs(db_session, apps, sa.or_(*map(rule, evaluators)))
        assert raw == per_evaluator, rule.__name__
    # Not vacuous: the scene's sheets are those the rule takes and those it refuses.
    assert core == scene["counted"]
    assert scene["counted"] < scene["all"]


def test_raw_query_embeds_the_compiled_core_rule_not_a_copy() -> None:
    """The text is what ``active_assignment`` compiles to now (on the query's alias ``g``),
    and the query has no other conflict check of its own."""
    g = _a.alias("g")
    core_text = rankings.condition_sql(active_assignment(g), g)
    query = rankings.scores_query(CODES)
    assert f"({core_text})" in query
    assert "evaluator_conflicts" not in query.replace(core_text, "")
