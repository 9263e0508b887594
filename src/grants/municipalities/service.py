"""Use cases of the municipality register: import (upsert) validated rows, load the shipped
register into an empty database, look a key up, refuse a key the register lacks.

``import_municipalities``, ``load_shipped_register_if_empty``, ``get_municipality``,
``area_category_of`` and ``register_snapshot`` are one transaction each.
``fetch_area_category``, ``fetch_register_entry`` and ``ensure_known_municipality`` run inside
the caller's transaction instead, for services that read the register together with their
own data.

The register is complete for Saxony (the shipped file has every municipality), so a key
starting with 14 that it lacks does not exist: ``ensure_known_municipality`` refuses it. Keys
of other states are left to the eligibility rules, which say "not in Saxony".
"""

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any, NamedTuple

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.context import Context
from grants.core.areas import AreaCategory, AreaCategorySource, is_rural
from grants.core.audit_actions import AuditAction
from grants.core.errors import FieldProblem, InvalidInput
from grants.municipalities.csv_format import MunicipalityRow, parse_bytes
from grants.municipalities.tables import Municipality

_table = Municipality.__table__  # type: ignore[attr-defined]

SHIPPED_FILE = "sachsen.csv"  # every municipality of Saxony (see data/README.md)
DEMO_FILE = "sachsen_demo.csv"  # 39 of them, for trying the system out
# The state whose municipalities the shipped register lists completely.
COMPLETE_FOR_PREFIX = "14"
UNKNOWN_MUNICIPALITY = "unknown_municipality"  # the rule named in the 422 problem
# Serialises first-start loads: two replicas starting at once must not both load and audit.
_FIRST_START_LOCK = "grants.municipalities.first_start"

# Rows per INSERT statement: 6 parameters each stays far below PostgreSQL's limit of 32,767
# bind parameters per statement, and each batch advances the progress bar once.
BATCH_ROWS = 1000

_DATA_COLUMNS = (
    "name",
    "district",
    "population",
    "area_category",
    "area_category_source",
    "population_date",
)


class MunicipalityPublic(BaseModel):
    key: str
    name: str
    district: str
    population: int
    area_category: AreaCategory
    # True unless the category was checked in LEP 2013 (a NULL source counts as assumed).
    area_category_assumed: bool
    rural: bool
    population_date: date | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """A key the register has. ``area_category`` is None where the register has no category
    for it (the table requires one today; the lookups do not rely on that)."""

    area_category: AreaCategory | None
    # True unless the category was checked in LEP 2013: a derived or unsourced category is
    # shown to users only together with this flag, never as fact.
    area_category_assumed: bool = True


@dataclass(frozen=True, slots=True)
class ShippedFile:
    """A register file shipped inside the package."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def shipped_file(name: str = SHIPPED_FILE) -> ShippedFile:
    resource = resources.files("grants.municipalities") / "data" / name
    return ShippedFile(resource.name, resource.read_bytes())


def shipped_rows(name: str = SHIPPED_FILE) -> tuple[ShippedFile, tuple[MunicipalityRow, ...]]:
    """The shipped file and its rows. A file that does not parse is a packaging error."""
    shipped = shipped_file(name)
    parsed = parse_bytes(shipped.data)
    if not parsed.ok:
        first = parsed.problems[0].render(shipped.name)
        raise RuntimeError(f"the shipped municipality register is invalid: {first}")
    return shipped, parsed.rows


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
                "area_category_source": row.area_category_source,
                "population_date": row.population_date,
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
    async with ctx.session.begin():
        return await _import_rows(
            ctx,
            rows,
            source_sha256=source_sha256,
            source_name=source_name,
            trigger="import",
            on_progress=on_progress,
        )


async def load_shipped_register_if_empty(
    ctx: Context, *, on_progress: Callable[[int], None] | None = None
) -> ImportSummary | None:
    """On first start: load the shipped register (``SHIPPED_FILE``) if the table is empty, in
    one transaction and audited like an import. None if there were rows already: those are
    the operator's, and an upgrade's newer register is loaded by an explicit import."""
    shipped, rows = shipped_rows()
    async with ctx.session.begin():
        await ctx.session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(_FIRST_START_LOCK)))
        )
        if (await ctx.session.execute(sa.select(sa.exists().select_from(_table)))).scalar():
            return None
        return await _import_rows(
            ctx,
            rows,
            source_sha256=shipped.sha256,
            source_name=shipped.name,
            trigger="first_start",
            on_progress=on_progress,
        )


async def _import_rows(
    ctx: Context,
    rows: Sequence[MunicipalityRow],
    *,
    source_sha256: str,
    source_name: str,
    trigger: str,
    on_progress: Callable[[int], None] | None,
) -> ImportSummary:
    """The upsert and its audit entry, in the caller's transaction."""
    inserted = updated = 0
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
    # The table keeps neither the population date nor where a category came from; the audit
    # entry records both for the file, so that an assumed category stays traceable as such.
    sources = Counter(
        row.area_category_source.value if row.area_category_source else "unspecified"
        for row in rows
    )
    dates = sorted({row.population_date.isoformat() for row in rows if row.population_date})
    await ctx.audit(
        action=AuditAction.MUNICIPALITIES_IMPORTED,
        object_type="municipality_register",
        object_id=None,
        after={
            "file": source_name,
            "sha256": source_sha256,
            "trigger": trigger,
            "rows": summary.total,
            "inserted": summary.inserted,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "population_dates": dates,
            "area_category_sources": dict(sorted(sources.items())),
        },
    )
    return summary


_BY_KEY = sa.select(_table).where(_table.c.key == sa.bindparam("key", type_=sa.String))
_CATEGORY_BY_KEY = sa.select(_table.c.area_category, _table.c.area_category_source).where(
    _table.c.key == sa.bindparam("key", type_=sa.String)
)
_CHOICES = sa.select(_table.c.key, _table.c.name, _table.c.district).order_by(
    _table.c.district, _table.c.name, _table.c.key
)
_ALL_CATEGORIES = sa.select(_table.c.key, _table.c.area_category, _table.c.area_category_source)


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
        area_category_assumed=row.area_category_source != AreaCategorySource.LEP2013,
        rural=is_rural(category),
        population_date=row.population_date,
        updated_at=row.updated_at,
    )


def _category(value: str | None) -> AreaCategory | None:
    return None if value is None else AreaCategory(value)


def _entry(row: Any) -> RegisterEntry:
    return RegisterEntry(
        _category(row.area_category),
        area_category_assumed=row.area_category_source != AreaCategorySource.LEP2013,
    )


async def fetch_register_entry(session: AsyncSession, key: str) -> RegisterEntry | None:
    """The key's entry, or None if the register lacks the key. Runs in the caller's
    transaction."""
    row = (await session.execute(_CATEGORY_BY_KEY, {"key": key})).first()
    return None if row is None else _entry(row)


async def fetch_area_category(session: AsyncSession, key: str) -> AreaCategory | None:
    """The municipality's category, or None if the key is not in the register (or has no
    category). Runs in the caller's transaction."""
    entry = await fetch_register_entry(session, key)
    return None if entry is None else entry.area_category


async def register_snapshot(session: AsyncSession) -> dict[str, RegisterEntry]:
    """Every key with its category, in a transaction of its own: the whole register is a few
    hundred rows (all of Germany would be 11,000), cheap to hold in memory."""
    async with session.begin():
        rows = (await session.execute(_ALL_CATEGORIES)).all()
    return {row.key: _entry(row) for row in rows}


class Choice(NamedTuple):
    key: str
    name: str
    district: str


async def municipality_choices(session: AsyncSession) -> list[Choice]:
    """Every municipality for a form's selection, by district and name (a few hundred rows).
    Runs in the caller's transaction (or autocommit)."""
    rows = await session.execute(_CHOICES)
    return [Choice(row.key, row.name, row.district) for row in rows]


def must_be_in_register(key: str) -> bool:
    """Whether the register is complete for this key's state, so that a missing key is an
    error rather than a municipality elsewhere."""
    return key.startswith(COMPLETE_FOR_PREFIX)


def unknown_municipality(key: str, *, field: str = "municipality_key") -> InvalidInput:
    message = (
        f"Gemeindeschlüssel {key} ist im Gemeindeverzeichnis Sachsen nicht enthalten "
        "(unknown municipality key)"
    )
    return InvalidInput(
        f"{message}.", problems=(FieldProblem(field, UNKNOWN_MUNICIPALITY, message),)
    )


async def ensure_known_municipality(
    session: AsyncSession, key: str, *, field: str = "municipality_key"
) -> RegisterEntry | None:
    """Refuse (422, naming ``field``) a key of Saxony the register lacks; return the entry of
    a known key, None for a key of another state. Runs in the caller's transaction."""
    entry = await fetch_register_entry(session, key)
    if entry is None and must_be_in_register(key):
        raise unknown_municipality(key, field=field)
    return entry


async def area_category_of(session: AsyncSession, key: str) -> AreaCategory | None:
    """Like ``fetch_area_category``, in a transaction of its own."""
    async with session.begin():
        return await fetch_area_category(session, key)
