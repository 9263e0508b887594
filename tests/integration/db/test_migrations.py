"""The migrations are the schema: `upgrade head` yields exactly the models, `downgrade base`
removes everything again, and the cycle can be repeated."""

import asyncio

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from grants.db import migrate
from grants.db.tables import metadata
from grants.settings import as_asyncpg_url
from tests.databases import asyncpg_dsn


def _diff(url: str) -> list[object]:
    async def run() -> list[object]:
        engine = create_async_engine(as_asyncpg_url(url))
        try:
            async with engine.connect() as connection:

                def compare(sync_connection: Connection) -> list[object]:
                    context = MigrationContext.configure(
                        sync_connection, opts={"compare_type": True, "compare_server_default": True}
                    )
                    return list(compare_metadata(context, metadata))

                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _objects(url: str) -> dict[str, set[str]]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tables = {
            r[0]
            for r in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
        sequences = {
            r[0]
            for r in await connection.fetch(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            )
        }
        functions = {
            r[0]
            for r in await connection.fetch(
                "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE nspname = 'public'"
            )
        }
        triggers = {
            r[0]
            for r in await connection.fetch("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        }
    finally:
        await connection.close()
    return {"tables": tables, "sequences": sequences, "functions": functions, "triggers": triggers}


def test_upgrade_head_matches_the_models_exactly(committed_database_url: str) -> None:
    assert _diff(committed_database_url) == []
    objects = asyncio.run(_objects(committed_database_url))
    assert set(metadata.tables) <= objects["tables"]
    assert objects["sequences"] >= {"customer_number_seq"}
    assert objects["triggers"] >= {"audit_log_no_update_delete", "audit_log_no_truncate"}


def test_downgrade_base_removes_everything_and_upgrade_works_again(
    committed_database_url: str,
) -> None:
    migrate.downgrade(committed_database_url, "base")
    objects = asyncio.run(_objects(committed_database_url))
    assert objects["tables"] == {"alembic_version"}
    assert objects["sequences"] == set()
    assert objects["functions"] == set()
    assert objects["triggers"] == set()
    migrate.upgrade(committed_database_url)
    assert _diff(committed_database_url) == []
