"""Read-only lookups of the review and the jury for other features: the lifecycle asks how
many score sheets count and what the jury recommended before it lets a step happen."""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.ranking import Recommendation
from grants.core.scoring import SheetStatus
from grants.evaluation.scoring.service import active_assignment
from grants.evaluation.tables import assignments_table, jury_decisions_table, score_sheets_table

_s = score_sheets_table
_a = assignments_table
_jd = jury_decisions_table


async def counted_sheets(session: AsyncSession, application_id: uuid.UUID) -> int:
    """The submitted score sheets that count for the ranking (the assignment still pending or
    accepted, no conflict of interest recorded for the pair): the same rule as the ranking's
    query, from the same Core expression. In the caller's transaction."""
    return int(
        (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(_s.join(_a, _a.c.id == _s.c.assignment_id))
                .where(
                    _s.c.application_id == application_id,
                    _s.c.status == SheetStatus.SUBMITTED,
                    active_assignment(_a),
                )
            )
        ).scalar_one()
    )


async def jury_recommendation(
    session: AsyncSession, application_id: uuid.UUID
) -> Recommendation | None:
    """The jury's recorded recommendation (None: none recorded). In the caller's
    transaction."""
    found = (
        await session.execute(
            sa.select(_jd.c.recommendation).where(_jd.c.application_id == application_id)
        )
    ).scalar_one_or_none()
    return None if found is None else Recommendation(found)
