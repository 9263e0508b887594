"""Each ground of § 20 Abs. 1 VwVfG declared as a tie, on real PostgreSQL: the materialised
conflict names its paragraph, and the SQL-level block (``evaluator_may_access``) hides the
application from the conflicted evaluator even through an assignment written straight into
the table. Residence in the applicant municipality is harmless; office there excludes."""

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.evaluation.assignment.conflicts import evaluator_may_access
from grants.evaluation.tables import conflicts_table
from tests.applications_factories import applicant
from tests.evaluation_factories import assign_directly, evaluator, in_review, manager
from tests.fakes import FakeClock

TOWN_KEY = "14521530"


async def _declare(client: httpx.AsyncClient, person: dict[str, Any], body: dict[str, Any]) -> None:
    response = await client.post(
        f"/api/evaluators/{person['id']}/affiliations", json=body, headers=person["headers"]
    )
    assert response.status_code == 201, response.text


async def test_every_exclusion_ground_is_materialised_with_its_paragraph_and_blocks_in_sql(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> None:
    boss = await manager(client, db_session)
    town = await applicant(
        client,
        organisation={
            "legal_name": "Stadt Schneeberg",
            "legal_form": "Gebietskörperschaft",
            "applicant_type": "municipality",
            "municipality_key": TOWN_KEY,
        },
    )
    application = await in_review(client, db_session, town["headers"], boss, clock)
    organisation_id = application["organisation_id"]
    # (tie declared, expected reason code, expected legal basis); the demo draft's partner is
    # "Gymnasium Schneeberg".
    grounds: list[tuple[dict[str, Any], str, str]] = [
        (
            {"kind": "municipal_office", "municipality_key": TOWN_KEY},
            "office_in_applicant",
            "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        ),
        (
            {"kind": "municipal_office", "organisation_id": organisation_id},
            "office_in_applicant",
            "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        ),
        (
            {"kind": "organ_member", "organisation_id": organisation_id},
            "applicant_organisation",
            "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        ),
        (
            {"kind": "representative", "name": "Gymnasium Schneeberg"},
            "represents_partner",
            "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 3 VwVfG",
        ),
        (
            {"kind": "relative", "organisation_id": organisation_id},
            "relative_of_applicant_representative",
            "§ 20 Abs. 1 Satz 1 Nr. 4, Abs. 5 VwVfG",
        ),
        (
            {"kind": "concept_adviser", "name": "stadt  SCHNEEBERG"},
            "advised_on_concept",
            "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG",
        ),
    ]
    conflicted = []
    for body, reason, basis in grounds:
        person = await evaluator(client, db_session, boss)
        await _declare(client, person, body)
        async with db_session.begin():
            rows = (
                await db_session.execute(
                    sa.select(conflicts_table.c.reason_code, conflicts_table.c.legal_basis).where(
                        conflicts_table.c.evaluator_id == uuid.UUID(person["id"])
                    )
                )
            ).all()
        assert [(r.reason_code, r.legal_basis) for r in rows] == [(reason, basis)], body
        conflicted.append(person)
    resident = await evaluator(client, db_session, boss)
    await _declare(client, resident, {"kind": "residence", "municipality_key": TOWN_KEY})
    async with db_session.begin():
        resident_rows = await db_session.execute(
            sa.select(conflicts_table).where(
                conflicts_table.c.evaluator_id == uuid.UUID(resident["id"])
            )
        )
        assert resident_rows.all() == []

    # Stale assignments written past every service check: the SQL still blocks the conflicted.
    app_id = uuid.UUID(application["id"])
    for person in (*conflicted, resident):
        await assign_directly(db_session, application["id"], person["id"])
    async with db_session.begin():
        for person in conflicted:
            assert await evaluator_may_access(db_session, uuid.UUID(person["id"]), app_id) is None
        assert await evaluator_may_access(db_session, uuid.UUID(resident["id"]), app_id)

    # The board shows every conflict with its paragraph, in pair form.
    board = await client.get(
        "/api/evaluation/assignments",
        params={"call": "demo", "funding_line": "stationary"},
        headers=boss,
    )
    assert board.status_code == 200, board.text
    entries = {e["evaluator_id"]: e for e in board.json()["applications"][0]["evaluators"]}
    mayor = entries[conflicted[0]["id"]]["conflict_details"]
    assert mayor == [
        {
            "reason": "office_in_applicant",
            "legal_basis": "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
            "excluded": True,
            "message_de": "Die Gutachterin oder der Gutachter hat ein Amt in der "
            "antragstellenden Kommune inne (Sitz im Gemeinderat oder Kreistag, "
            "Bürgermeisteramt, Landrat) (§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG).",
            "message_en": "The evaluator holds an office of the applicant municipality or "
            "district (council seat, mayoralty, Landrat) (§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG).",
        }
    ]
    assert entries[resident["id"]]["conflict_details"] == []


async def test_affiliation_kinds_are_validated(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    boss = await manager(client, db_session)
    person = await evaluator(client, db_session, boss)
    url = f"/api/evaluators/{person['id']}/affiliations"
    refused = [
        {"kind": "residence", "name": "Stadt Schneeberg"},  # a residence is a municipality
        {"kind": "residence", "organisation_id": str(uuid.uuid4()), "municipality_key": TOWN_KEY},
        {"kind": "relative", "municipality_key": TOWN_KEY},  # a relative is at an organisation
        {"kind": "concept_adviser"},
        {"kind": "mayor", "municipality_key": TOWN_KEY},  # unknown kind
    ]
    for body in refused:
        response = await client.post(url, json=body, headers=person["headers"])
        assert response.status_code == 422, (body, response.text)
    # Declared before residence and office were told apart: still accepted as it was.
    legacy = await client.post(
        url, json={"kind": "affiliation", "municipality_key": TOWN_KEY}, headers=person["headers"]
    )
    assert legacy.status_code == 201, legacy.text
