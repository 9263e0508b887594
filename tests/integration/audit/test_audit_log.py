"""The audit log on real PostgreSQL: chained appends, refused changes, detected tampering."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.actors import Actor
from grants.db.audit import record_audit, verify_audit_log

ACTOR = Actor.system("test")


async def _append(db_session: AsyncSession, count: int) -> list[int]:
    seqs = []
    now = datetime(2026, 3, 15, 23, 59, 59, 999999, tzinfo=UTC)
    async with db_session.begin():
        for i in range(count):
            seqs.append(
                await record_audit(
                    db_session,
                    actor=ACTOR,
                    action="thing_changed",
                    object_type="thing",
                    object_id=i,
                    now=now + timedelta(seconds=i),
                    before={"amount": Decimal("1000.10"), "n": i},
                    after={"amount": Decimal("1200.00"), "n": i, "tags": ["ä", "ß"]},
                )
            )
    return seqs


async def test_appends_chain_and_verify(db_session: AsyncSession) -> None:
    seqs = await _append(db_session, 5)
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    async with db_session.begin():
        checked, broken = await verify_audit_log(db_session)
    assert broken is None
    assert checked >= 5


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'nothing_happened' WHERE seq = :seq",
        "DELETE FROM audit_log WHERE seq = :seq",
        "TRUNCATE audit_log",
    ],
)
async def test_the_database_refuses_changes(db_session: AsyncSession, statement: str) -> None:
    seqs = await _append(db_session, 2)
    async with db_session.begin():
        with pytest.raises(DBAPIError, match="append-only"):
            async with db_session.begin_nested():
                await db_session.execute(sa.text(statement), {"seq": seqs[0]})


async def _tamper(db_session: AsyncSession, statement: str, seq: int) -> None:
    """What a superuser can do behind the application's back: switch the guard off."""
    async with db_session.begin():
        await db_session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await db_session.execute(sa.text(statement), {"seq": seq})
        await db_session.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


async def _first_break(db_session: AsyncSession) -> tuple[int, str]:
    async with db_session.begin():
        _, broken = await verify_audit_log(db_session)
    assert broken is not None
    return broken.seq, broken.reason


async def test_altered_row_is_named(db_session: AsyncSession) -> None:
    seqs = await _append(db_session, 5)
    await _tamper(
        db_session,
        "UPDATE audit_log SET after = jsonb_set(after, '{amount}', '\"9999.00\"') WHERE seq = :seq",
        seqs[2],
    )
    seq, reason = await _first_break(db_session)
    assert seq == seqs[2]
    assert "altered" in reason


async def test_rehashed_row_is_caught_by_the_next_link(db_session: AsyncSession) -> None:
    """A forger who also recomputes the row's own hash still breaks the next row's link."""
    seqs = await _append(db_session, 4)
    await _tamper(
        db_session, "UPDATE audit_log SET hash = repeat('a', 64) WHERE seq = :seq", seqs[1]
    )
    seq, _ = await _first_break(db_session)
    assert seq == seqs[1]  # its own content no longer matches its (new) hash


async def test_deleted_row_is_named(db_session: AsyncSession) -> None:
    seqs = await _append(db_session, 5)
    await _tamper(db_session, "DELETE FROM audit_log WHERE seq = :seq", seqs[3])
    seq, reason = await _first_break(db_session)
    assert seq == seqs[3]
    assert "gap" in reason
