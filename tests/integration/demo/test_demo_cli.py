"""The demo commands end to end on a database of their own (real commits, files in a directory):
`grants demo seed --scenario` on an empty database (the municipality register loads by
itself), again (nothing changes), and `grants demo reset-passwords`."""

import asyncio
import re
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner

from grants.cli import main
from tests.databases import asyncpg_dsn


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


def _one(url: str, query: str) -> object:
    return asyncio.run(_fetch(url, query))[0][0]


def _flat(output: str) -> str:
    """The output with the terminal's line wrapping undone."""
    return " ".join(output.split())


@pytest.fixture
def runner(
    committed_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.setenv("GRANTS_DATABASE_URL", committed_database_url)
    monkeypatch.setenv("GRANTS_DATA_DIR", str(tmp_path))  # the concept PDFs go here
    monkeypatch.setenv("GRANTS_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("GRANTS_CLAMD_ADDRESS", raising=False)
    return CliRunner()


def test_seed_with_the_scenario_then_again_then_new_passwords(
    runner: CliRunner, committed_database_url: str, tmp_path: Path
) -> None:
    url = committed_database_url
    first = runner.invoke(main, ["demo", "seed", "--scenario"])
    assert first.exit_code == 0, first.output
    out = _flat(first.output)
    assert "Szenario (scenario): call 2024-1: 30 applications from 10 organisations" in out
    assert "28 in review, 1 with a request for information, 1 with a proposed formal" in out
    assert "84 assignments, 84 score sheets" in out
    seconds = float(re.search(r"score sheets; in ([0-9.]+) s", out).group(1))  # type: ignore[union-attr]
    assert 0 < seconds < 300
    assert "(exists; unchanged)" not in out
    assert _one(url, "SELECT count(*) FROM municipalities") == 418
    assert _one(url, "SELECT count(*) FROM applications WHERE call_code = '2024-1'") == 30
    assert _one(url, "SELECT count(*) FROM score_sheets WHERE status = 'submitted'") == 84
    stored = sorted((tmp_path / "attachments").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == 31  # 30 proposals and the demo draft
    audit_entries = _one(url, "SELECT count(*) FROM audit_log")

    again = runner.invoke(main, ["demo", "seed", "--scenario"])
    assert again.exit_code == 0, again.output
    out = _flat(again.output)
    assert out.count("(exists; unchanged)") == 6
    assert "scenario already there): call 2024-1 has 30 demo applications; nothing" in out
    assert _one(url, "SELECT count(*) FROM audit_log") == audit_entries

    refused = runner.invoke(main, ["demo", "reset-passwords", "--email", "leitung@sab.example"])
    assert refused.exit_code == 1
    assert "leitung@sab.example ist kein Demo-Konto" in _flat(refused.output)
    renewed = runner.invoke(
        main, ["demo", "reset-passwords", "--email", "vogtland@demo.grants.example"]
    )
    assert renewed.exit_code == 0, renewed.output
    assert "vogtland@demo.grants.example" in renewed.output
    assert _one(url, "SELECT count(*) FROM audit_log WHERE action = 'demo_password_reset'") == 1
    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_no_demo_data_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_ENVIRONMENT", "production")
    monkeypatch.setenv("GRANTS_SECRET_KEY", "a-private-production-secret-" + "x" * 32)
    monkeypatch.setenv("GRANTS_AUDIT_SIGNING_KEY", "ef" * 32)
    monkeypatch.setenv("GRANTS_CLAMD_ADDRESS", "tcp://127.0.0.1:3310")
    # No database is touched: the refusal comes first (an unreachable URL proves it).
    monkeypatch.setenv("GRANTS_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    for command in (["demo", "seed", "--scenario"], ["demo", "reset-passwords"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, result.output
        assert "no demo data in production" in _flat(result.output)
