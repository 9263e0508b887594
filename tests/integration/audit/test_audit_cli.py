"""`grants audit verify` end to end: a committed database, a superuser's tampering."""

import asyncio

import asyncpg
import pytest
from click.testing import CliRunner

from grants.cli import main
from tests.databases import asyncpg_dsn


async def _sql(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def runner(committed_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GRANTS_DATABASE_URL", committed_database_url)
    monkeypatch.setenv("GRANTS_LOG_LEVEL", "WARNING")
    return CliRunner()


def test_verify_reports_intact_then_names_the_tampered_row(
    runner: CliRunner, committed_database_url: str
) -> None:
    seeded = runner.invoke(main, ["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "programm@demo.grants.example" in seeded.output

    pending = runner.invoke(main, ["audit", "verify"])
    assert pending.exit_code == 0, pending.output
    # The register's first-start load and what the demo seed does (six accounts with their
    # organisation and pool entries, the draft and its PDF), each audited.
    assert "audit log intact: 19 entries verified, 0 in the tree" in pending.output
    assert "19 entries not yet in the tree" in pending.output
    assert "(no signed tree head yet" in runner.invoke(main, ["audit", "head"]).output

    sequenced = runner.invoke(main, ["audit", "sequence"])
    assert "entries sequenced: 19" in sequenced.output, sequenced.output
    head = runner.invoke(main, ["audit", "head"]).output.splitlines()
    assert head[0].startswith("19:")
    intact = runner.invoke(main, ["audit", "verify", "--head", head[0]])
    assert intact.exit_code == 0, intact.output
    assert "19 entries verified, 19 in the tree" in intact.output
    assert "2 tree heads checked" in intact.output  # the signed one and the one given

    asyncio.run(
        _sql(
            committed_database_url,
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "UPDATE audit_log SET actor_label = 'someone-else' WHERE seq = 3",
            "ALTER TABLE audit_log ENABLE TRIGGER USER",
        )
    )
    broken = runner.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "BROKEN at entry 3: content does not match its hash" in broken.output

    bad = runner.invoke(main, ["audit", "verify", "--head", "19:xyz"])
    assert bad.exit_code == 2
    assert "SIZE:ROOT_HASH" in bad.output


def test_seeding_twice_keeps_passwords_secret(runner: CliRunner) -> None:
    assert runner.invoke(main, ["demo", "seed"]).exit_code == 0
    again = runner.invoke(main, ["demo", "seed"])
    assert again.exit_code == 0
    assert again.output.count("(exists; unchanged)") == 6  # the six demo accounts


def test_create_staff_reads_password_and_grants_roles(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "users",
            "create-staff",
            "--email",
            "Leitung@SAB.example",
            "--name",
            "Lea Leitung",
            "--role",
            "programme_manager",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="Foerderaufruf-Sachsen-2026\n",
    )
    assert result.exit_code == 0, result.output
    assert "leitung@sab.example created" in result.output
    weak = runner.invoke(
        main,
        [
            "users",
            "create-staff",
            "--email",
            "x@sab.example",
            "--name",
            "X",
            "--role",
            "evaluator",
            "--password-stdin",
        ],
        input="123456\n",
    )
    assert weak.exit_code == 1
    assert "password" in weak.output


def test_bad_settings_exit_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTS_PORT", "eighty")
    result = CliRunner().invoke(main, ["db", "current"])
    assert result.exit_code == 2
    assert "GRANTS_PORT" in result.output


def test_a_head_kept_outside_catches_removal_of_the_newest_entries_and_their_heads(
    runner: CliRunner, committed_database_url: str
) -> None:
    assert runner.invoke(main, ["demo", "seed"]).exit_code == 0
    assert runner.invoke(main, ["audit", "sequence"]).exit_code == 0
    head = runner.invoke(main, ["audit", "head"])
    assert head.exit_code == 0
    anchor = head.output.splitlines()[0]
    # The municipality register's first-start load and the demo seed (see above): 19.
    assert anchor.startswith("19:")
    assert runner.invoke(main, ["audit", "verify", "--head", anchor]).exit_code == 0

    asyncio.run(
        _sql(
            committed_database_url,
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "DELETE FROM audit_log WHERE position >= 4",
            "ALTER TABLE audit_log ENABLE TRIGGER USER",
        )
    )
    signed = runner.invoke(main, ["audit", "verify"])
    assert signed.exit_code == 1  # the signed head in the database tells
    assert "newest entries removed" in signed.output
    asyncio.run(
        _sql(
            committed_database_url,
            "ALTER TABLE audit_tree_heads DISABLE TRIGGER USER",
            "DELETE FROM audit_tree_heads",
            "ALTER TABLE audit_tree_heads ENABLE TRIGGER USER",
        )
    )
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0  # the log alone cannot
    anchored = runner.invoke(main, ["audit", "verify", "--head", anchor])
    assert anchored.exit_code == 1
    assert "the tree ends at 4 leaves, but a tree head covers 19" in anchored.output
    bad = runner.invoke(main, ["audit", "verify", "--head", "nonsense"])
    assert bad.exit_code == 2
