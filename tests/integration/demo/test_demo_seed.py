"""``grants demo seed``: one account per role, and a draft the applicant can submit."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.tables import applications_table
from grants.demo import seed_demo
from grants.evaluation.tables import evaluator_profiles_table
from grants.guidelines.registry import load_registry


async def test_seeding_twice_creates_the_accounts_and_one_draft_once(
    db_session: AsyncSession,
) -> None:
    first = await seed_demo(db_session, registry=load_registry())
    assert [a.role for a in first] == ["programme_manager", "evaluator", "applicant"]
    assert all(a.password for a in first)
    again = await seed_demo(db_session, registry=load_registry())
    assert all(a.password is None for a in again)
    async with db_session.begin():
        drafts = (
            await db_session.execute(
                sa.select(applications_table.c.status, applications_table.c.title)
            )
        ).all()
    assert [(d.status, d.title) for d in drafts] == [("draft", "MakerSpace Schneeberg")]
    async with db_session.begin():
        pool = (await db_session.execute(sa.select(evaluator_profiles_table))).all()
    assert [(p.max_assignments, p.active) for p in pool] == [(60, True)]
