"""`grants letters watch` end to end on a committed database: a batch of three letter
requests written as the workers leave them (two finished, one pending), then the last one
finished by "a worker" while the command watches."""

import asyncio
import threading
import time
import uuid

import asyncpg
import pytest
from click.testing import CliRunner

from grants.cli import main
from tests.databases import asyncpg_dsn


async def _sql(url: str, *statements: tuple[str, tuple[object, ...]]) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement, args in statements:
            await connection.execute(statement, *args)
    finally:
        await connection.close()


@pytest.fixture
def runner(committed_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GRANTS_DATABASE_URL", committed_database_url)
    monkeypatch.setenv("GRANTS_LOG_LEVEL", "WARNING")
    return CliRunner()


def _batch(url: str) -> tuple[uuid.UUID, list[uuid.UUID], list[uuid.UUID]]:
    """A batch of three requests: issued, failed, pending. The rows only, without the
    decisions and people they point to (foreign keys off for this session: the command
    counts requests, it does not follow them)."""
    batch, user = uuid.uuid4(), uuid.uuid4()
    requests = [uuid.uuid4() for _ in range(3)]
    decisions = [uuid.uuid4() for _ in range(3)]
    statements: list[tuple[str, tuple[object, ...]]] = [
        ("SET session_replication_role = replica", ()),
        (
            "INSERT INTO letter_batches (id, guideline_id, call_code, created_by, created_at, "
            "total) VALUES ($1, 'frl-lifd', 'demo', $2, now(), 3)",
            (batch, user),
        ),
    ]
    for n, (status, error) in enumerate(
        (("issued", ""), ("failed", "Unvollständig: Jahresraten"), ("pending", ""))
    ):
        statements.append(
            (
                "INSERT INTO letter_requests (id, decision_id, batch_id, status, requested_by, "
                "requested_at, error, attempts, reason) VALUES ($1, $2, $3, $4, $5, "
                "now() + $6 * interval '1 second', $7, 0, '')",
                (requests[n], decisions[n], batch, status, user, n, error),
            )
        )
    asyncio.run(_sql(url, *statements))
    return batch, requests, decisions


def test_watch_shows_the_batch_and_waits_for_its_last_letter(
    runner: CliRunner, committed_database_url: str
) -> None:
    batch, requests, decisions = _batch(committed_database_url)
    now = runner.invoke(main, ["letters", "watch", str(batch), "--once"])
    assert now.exit_code == 1, now.output  # one failed
    assert "1 von 3 ausgestellt, 1 fehlgeschlagen, 1 offen" in now.output
    assert f"Bescheid {decisions[1]}: Unvollständig: Jahresraten" in now.output

    def finish_later() -> None:
        time.sleep(1.0)
        asyncio.run(
            _sql(
                committed_database_url,
                (
                    "UPDATE letter_requests SET status = 'issued', finished_at = now() "
                    "WHERE id = $1",
                    (requests[2],),
                ),
            )
        )

    worker = threading.Thread(target=finish_later)
    worker.start()
    started = time.monotonic()
    watched = runner.invoke(main, ["letters", "watch", str(batch), "--interval", "0.2"])
    worker.join()
    assert time.monotonic() - started >= 1.0  # it waited for the pending letter
    assert "2 von 3 ausgestellt, 1 fehlgeschlagen, 0 offen" in watched.output
    assert watched.exit_code == 1


def test_an_unknown_batch_is_named(runner: CliRunner) -> None:
    missing = uuid.uuid4()
    result = runner.invoke(main, ["letters", "watch", str(missing), "--once"])
    assert result.exit_code == 2
    assert f"Auftrag {missing} nicht gefunden" in result.output
    bad = runner.invoke(main, ["letters", "watch", "not-a-uuid"])
    assert bad.exit_code == 2 and "UUID" in bad.output
