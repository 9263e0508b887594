"""Migration 0034 on a log that was a hash chain: the chained entries stay valid and become
the tree's first leaves, new entries follow them, and the chain still catches a broken link."""

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from grants.audit.sequencer import run_sequencer
from grants.audit.signing import HeadSigner
from grants.audit.verify import Report, verify_audit_log
from grants.core.actors import Actor
from grants.core.audit_chain import GENESIS_HASH, entry_hash
from grants.db import migrate
from grants.db.audit import record_audit
from grants.settings import DEVELOPMENT_AUDIT_KEY, as_asyncpg_url
from tests.databases import asyncpg_dsn

SIGNER = HeadSigner(bytes.fromhex(DEVELOPMENT_AUDIT_KEY))
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def _write_chain(url: str, count: int) -> None:
    """Entries as the code before migration 0034 wrote them: seq 1, 2, … each chained."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    previous = GENESIS_HASH
    try:
        for seq in range(1, count + 1):
            fields = {
                "seq": seq,
                "occurred_at": T0 + timedelta(minutes=seq),
                "actor_id": None,
                "actor_label": "system:legacy",
                "action": "thing_changed",
                "object_type": "thing",
                "object_id": str(seq),
                "before": None,
                "after": {"n": seq},
                "request_id": None,
                "prev_hash": previous,
            }
            digest = entry_hash(**fields)  # type: ignore[arg-type]
            await connection.execute(
                "INSERT INTO audit_log (seq, occurred_at, actor_id, actor_label, action, "
                "object_type, object_id, before, after, request_id, prev_hash, hash) "
                "VALUES ($1, $2, NULL, $3, $4, $5, $6, NULL, $7::jsonb, NULL, $8, $9)",
                seq,
                fields["occurred_at"],
                "system:legacy",
                "thing_changed",
                "thing",
                str(seq),
                f'{{"n": {seq}}}',
                previous,
                digest,
            )
            previous = digest
    finally:
        await connection.close()


async def _after_upgrade(url: str, tamper: str | None = None) -> tuple[Report, list[int]]:
    engine = create_async_engine(as_asyncpg_url(url))
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    try:
        async with factory() as session, session.begin():
            for i in range(3):
                await record_audit(
                    session,
                    actor=Actor.system("new"),
                    action="thing_changed",
                    object_type="thing",
                    object_id=f"new-{i}",
                    now=T0 + timedelta(days=1, seconds=i),
                    after={"i": i},
                )
        await run_sequencer(factory, SIGNER, lambda: T0 + timedelta(days=2))
        async with factory() as session, session.begin():
            if tamper is not None:
                await session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
                await session.execute(sa.text(tamper))
                await session.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        async with factory() as session, session.begin():
            report = await verify_audit_log(session, public_keys=[SIGNER.public_key])
            seqs = list(
                (await session.execute(sa.text("SELECT seq FROM audit_log ORDER BY position")))
                .scalars()
                .all()
            )
        return report, seqs
    finally:
        await engine.dispose()


def _migrated_chain(url: str) -> None:
    migrate.downgrade(url, "0033")
    asyncio.run(_write_chain(url, 5))
    migrate.upgrade(url)


def test_chained_entries_become_the_first_leaves(committed_database_url: str) -> None:
    _migrated_chain(committed_database_url)
    report, seqs = asyncio.run(_after_upgrade(committed_database_url))
    assert report.first_break is None
    assert (report.checked, report.tree_size) == (8, 8)
    assert seqs == [1, 2, 3, 4, 5, 6, 7, 8]  # identity continues after the chain


def test_a_broken_link_of_the_old_chain_is_still_named(committed_database_url: str) -> None:
    _migrated_chain(committed_database_url)
    report, _ = asyncio.run(
        _after_upgrade(
            committed_database_url,
            tamper="UPDATE audit_log SET prev_hash = repeat('0', 64) WHERE seq = 3",
        )
    )
    assert report.first_break is not None
    assert report.first_break.seq == 3
    assert "hash chain" in report.first_break.reason
