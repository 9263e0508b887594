"""Several writes in one round trip: data-modifying CTEs in a single statement.

Inside a lock held to the commit (a gap-free counter, the audit chain's head), every round
trip lengthens the queue behind it; sending the writes together keeps that section short.
PostgreSQL runs every data-modifying CTE exactly once, whether or not the outer query reads
it; the outer query counts each one's rows, so the caller can check what happened."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


async def execute_together(session: AsyncSession, writes: Sequence[Any]) -> list[int]:
    """Run INSERT/UPDATE statements (each with RETURNING) as one statement; the number of
    rows each one wrote, in order."""
    ctes = [write.cte(f"w{index}") for index, write in enumerate(writes)]
    counts = [
        sa.select(sa.func.count()).select_from(cte).scalar_subquery().label(cte.name)
        for cte in ctes
    ]
    row = (await session.execute(sa.select(*counts))).one()
    return [int(value) for value in row]
