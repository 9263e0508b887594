"""Read-only lookups of the formal check for other features: the lifecycle asks whether an
application passed its check before it lets it into review."""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.lifecycle import FormalOutcome
from grants.evaluation.tables import formal_checks_table

_checks = formal_checks_table


async def formal_check_outcome(
    session: AsyncSession, application_id: uuid.UUID, submission_number: int
) -> FormalOutcome | None:
    """The recorded outcome of the formal check of that submitted version (None: no check of
    it is recorded; a check of an older version does not count). In the caller's
    transaction."""
    found = (
        await session.execute(
            sa.select(_checks.c.outcome).where(
                _checks.c.application_id == application_id,
                _checks.c.submission_number == submission_number,
            )
        )
    ).scalar_one_or_none()
    return None if found is None else FormalOutcome(found)
