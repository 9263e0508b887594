"""The register on real PostgreSQL: upsert counts, unchanged rows left alone, lookups, audit."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.actors import Actor
from grants.core.areas import AreaCategory
from grants.db.audit import AuditLog
from grants.municipalities import service
from grants.municipalities.csv_format import AreaCategorySource, MunicipalityRow
from grants.municipalities.service import (
    ImportSummary,
    area_category_of,
    fetch_area_category,
    get_municipality,
    import_municipalities,
)
from tests.factories import system_context

ACTOR = Actor.system("cli:test")
ASSUMED, LEP2013 = AreaCategorySource.ASSUMED, AreaCategorySource.LEP2013
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
# Keys outside Saxony's 14… so that rows of other tests in the shared database cannot clash.
ROWS = [
    MunicipalityRow("99521530", "Schneeberg, Stadt", "Erzgebirgskreis", 13900,
                    AreaCategory.VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM),
    MunicipalityRow("99521570", "Seiffen/Erzgeb., Kurort", "Erzgebirgskreis", 1950,
                    AreaCategory.LAENDLICHER_RAUM),
    MunicipalityRow("99612000", "Dresden, Stadt", "Kreisfreie Stadt Dresden", 566200,
                    AreaCategory.VERDICHTUNGSRAUM),
]  # fmt: skip


async def _import(
    db_session: AsyncSession, rows: list[MunicipalityRow], now: datetime = T0
) -> ImportSummary:
    return await import_municipalities(
        system_context(db_session, now=now, actor=ACTOR),
        rows,
        source_sha256="ab" * 32,
        source_name="t.csv",
    )


async def _last_audit(db_session: AsyncSession) -> sa.Row[tuple[object, ...]]:
    table = AuditLog.__table__  # type: ignore[attr-defined]
    async with db_session.begin():
        return (
            await db_session.execute(sa.select(table).order_by(table.c.seq.desc()).limit(1))
        ).one()


async def test_first_import_inserts_and_is_audited(db_session: AsyncSession) -> None:
    summary = await _import(db_session, ROWS)
    assert summary == ImportSummary(inserted=3, updated=0, unchanged=0)
    entry = await _last_audit(db_session)
    assert entry.action == "municipalities_imported"
    assert entry.object_type == "municipality_register"
    assert entry.actor_label == "cli:test"
    assert entry.after == {
        "file": "t.csv",
        "sha256": "ab" * 32,
        "trigger": "import",
        "rows": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "population_dates": [],
        "area_category_sources": {"unspecified": 3},  # rows that do not say where from
    }


async def test_the_audit_entry_records_population_dates_and_category_sources(
    db_session: AsyncSession,
) -> None:
    rows = [
        replace(ROWS[0], population_date=date(2023, 12, 31)),
        replace(ROWS[1], population_date=date(2022, 5, 15), area_category_source=ASSUMED),
        replace(ROWS[2], population_date=date(2023, 12, 31), area_category_source=LEP2013),
    ]
    await _import(db_session, rows)
    entry = await _last_audit(db_session)
    assert entry.after["population_dates"] == ["2022-05-15", "2023-12-31"]
    assert entry.after["area_category_sources"] == {"assumed": 1, "lep2013": 1, "unspecified": 1}

    # The row keeps where its category comes from; only a checked one is not an assumption.
    stored = [await get_municipality(db_session, row.key) for row in rows]
    assert [(m.area_category_assumed, m.population_date) for m in stored if m] == [
        (True, date(2023, 12, 31)),
        (True, date(2022, 5, 15)),
        (False, date(2023, 12, 31)),
    ]
    # A re-import that changes only the source is an update, not "unchanged".
    summary = await _import(db_session, [replace(rows[1], area_category_source=LEP2013)])
    assert summary.updated == 1


async def test_reimport_updates_changed_rows_only(db_session: AsyncSession) -> None:
    await _import(db_session, ROWS)
    later = T0 + timedelta(days=30)
    changed = [
        replace(ROWS[0], population=13850),
        ROWS[1],
        replace(ROWS[2], area_category=AreaCategory.LAENDLICHER_RAUM),
        MunicipalityRow("99713000", "Leipzig, Stadt", "Kreisfreie Stadt Leipzig", 619000,
                        AreaCategory.VERDICHTUNGSRAUM),
    ]  # fmt: skip
    summary = await _import(db_session, changed, now=later)
    assert summary == ImportSummary(inserted=1, updated=2, unchanged=1)
    assert summary.total == 4

    schneeberg = await get_municipality(db_session, "99521530")
    assert schneeberg is not None
    assert (schneeberg.population, schneeberg.updated_at) == (13850, later)
    seiffen = await get_municipality(db_session, "99521570")
    assert seiffen is not None
    assert seiffen.updated_at == T0  # unchanged rows keep their time stamp

    again = await _import(db_session, changed, now=later + timedelta(days=1))
    assert again == ImportSummary(inserted=0, updated=0, unchanged=4)


async def test_lookups(db_session: AsyncSession) -> None:
    await _import(db_session, ROWS)
    found = await get_municipality(db_session, "99521530")
    assert found is not None
    assert found.model_dump() == {
        "key": "99521530",
        "name": "Schneeberg, Stadt",
        "district": "Erzgebirgskreis",
        "population": 13900,
        "area_category": AreaCategory.VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM,
        "area_category_assumed": True,  # the rows name no source: not checked in LEP 2013
        "rural": True,
        "population_date": None,
        "updated_at": T0,
    }
    assert await get_municipality(db_session, "99000000") is None
    assert await area_category_of(db_session, "99612000") is AreaCategory.VERDICHTUNGSRAUM
    assert await area_category_of(db_session, "99000000") is None
    async with db_session.begin():  # the caller's own transaction
        assert await fetch_area_category(db_session, "99521570") is AreaCategory.LAENDLICHER_RAUM


async def test_batches_report_progress(
    db_session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    progress: list[int] = []
    rows = [replace(ROWS[0], key=f"9900{i:04d}") for i in range(5)]
    summary = await import_municipalities(
        system_context(db_session, now=T0, actor=ACTOR),
        rows,
        source_sha256="0" * 64,
        source_name="t.csv",
        on_progress=progress.append,
    )
    assert summary == ImportSummary(inserted=5, updated=0, unchanged=0)
    assert progress == [2, 2, 1]


async def test_a_row_the_database_refuses_rolls_back_every_batch(
    db_session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    table = service.Municipality.__table__  # type: ignore[attr-defined]
    async with db_session.begin():
        audit_before = (
            await db_session.execute(sa.select(sa.func.count()).select_from(AuditLog))
        ).scalar_one()
    # The CSV parser would refuse it; the CHECK constraint is the last line of defence.
    rows = [*ROWS, replace(ROWS[0], key="99999999", population=-1)]
    with pytest.raises(IntegrityError, match="population_not_negative"):
        await _import(db_session, rows)
    async with db_session.begin():
        stored = (
            await db_session.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.key.like("99%"))
            )
        ).scalar_one()
        audit_after = (
            await db_session.execute(sa.select(sa.func.count()).select_from(AuditLog))
        ).scalar_one()
    assert stored == 0
    assert audit_after == audit_before
