"""Use cases of the municipality register: import (upsert) validated rows, look one up.

``import_municipalities``, ``get_municipality`` and ``area_category_of`` are one transaction
each. ``fetch_area_category`` runs inside the caller's transaction instead, for services that
read the category together with their own data.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.context import Context
from grants.core.areas import AreaCategory, is_rural
from grants.core.audit_actions import AuditAction
from grants.municipalities.csv_format import MunicipalityRow
from grants.municipalities.tables import Municipality

_table = Municipality.__table__  # type: ignore[attr-defined]

# Rows per INSERT statement: 6 parameters each stays far below PostgreSQL's limit of 32,767
# bind parameters per statement, and each batch advances the progress bar once.
BATCH_ROWS = 1000

_DATA_COLUMNS = ("name", "district", "population", "area_category")


class MunicipalityPublic(BaseModel):
    key: str
    name: str
    district: str
    population: int
    area_category: AreaCategory
    rural: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ImportSummary:
    inserted: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def _upsert(rows: Sequence[MunicipalityRow], now: datetime) -> sa.Insert:
    """Insert the rows, or update existing keys whose data differ. Unchanged rows are left
    alone (no new row version, ``updated_at`` kept) and are not returned. A freshly inserted
    row version has ``xmax = 0``; an updated one carries our transaction's id there."""
    statement = pg_insert(_table).values(
        [
            {
                "key": row.key,
                "name": row.name,
                "district": row.district,
                "population": row.population,
                "area_category": row.area_category,
                "updated_at": now,
            }
            for row in rows
        ]
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_table.c.key],
        set_={column: excluded[column] for column in (*_DATA_COLUMNS, "updated_at")},
        where=sa.or_(*(_table.c[c].is_distinct_from(excluded[c]) for c in _DATA_COLUMNS)),
    ).returning(sa.literal_column("(xmax = 0)", sa.Boolean).label("inserted"))


async def import_municipalities(
    ctx: Context,
    rows: Sequence[MunicipalityRow],
    *,
    source_sha256: str,
    source_name: str,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Upsert all rows in one transaction: every row or none. Keys absent from ``rows`` are
    kept (a partial file adds and corrects, it does not delete). The rows must have passed
    ``csv_format`` (unique keys, valid values)."""
    inserted = updated = 0
    async with ctx.session.begin():
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            flags = (await ctx.session.execute(_upsert(batch, ctx.now))).scalars().all()
            inserted += sum(1 for flag in flags if flag)
            updated += sum(1 for flag in flags if not flag)
            if on_progress is not None:
                on_progress(len(batch))
        summary = ImportSummary(
            inserted=inserted, updated=updated, unchanged=len(rows) - inserted - updated
        )
        await ctx.audit(
            action=AuditAction.MUNICIPALITIES_IMPORTED,
            object_type="municipality_register",
            object_id=None,
            after={
                "file": source_name,
                "sha256": source_sha256,
                "rows": summary.total,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            },
        )
    return summary


_BY_KEY = sa.select(_table).where(_table.c.key == sa.bindparam("key", type_=sa.String))
_CATEGORY_BY_KEY = sa.select(_table.c.area_category).where(
    _table.c.key == sa.bindparam("key", type_=sa.String)
)


async def get_municipality(session: AsyncSession, key: str) -> MunicipalityPublic | None:
    async with session.begin():
        row = (await session.execute(_BY_KEY, {"key": key})).first()
    if row is None:
        return None
    category = AreaCategory(row.area_category)
    return MunicipalityPublic(
        key=row.key,
        name=row.name,
        district=row.district,
        population=row.population,
        area_category=category,
        rural=is_rural(category),
        updated_at=row.updated_at,
    )


async def fetch_area_category(session: AsyncSession, key: str) -> AreaCategory | None:
    """The municipality's category, or None if the key is not in the register. Runs in the
    caller's transaction."""
    category = (await session.execute(_CATEGORY_BY_KEY, {"key": key})).scalar_one_or_none()
    return None if category is None else AreaCategory(category)


async def area_category_of(session: AsyncSession, key: str) -> AreaCategory | None:
    """Like ``fetch_area_category``, in a transaction of its own."""
    async with session.begin():
        return await fetch_area_category(session, key)
