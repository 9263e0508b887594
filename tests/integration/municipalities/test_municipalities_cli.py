"""`grants municipalities import` end to end: the demo file, a re-import, a refused file; and
the first start of `grants serve` and `grants demo seed`, which load the shipped register."""

import asyncio
import signal
from pathlib import Path

import asyncpg
import pytest
import uvicorn
from click.testing import CliRunner

from grants.cli import main
from tests.databases import asyncpg_dsn


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


def _count(url: str, table: str) -> int:
    return int(asyncio.run(_fetch(url, f"SELECT count(*) FROM {table}"))[0][0])  # noqa: S608


@pytest.fixture
def runner(committed_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GRANTS_DATABASE_URL", committed_database_url)
    monkeypatch.setenv("GRANTS_LOG_LEVEL", "WARNING")
    return CliRunner()


def test_demo_import_then_reimport_then_a_changed_file(
    runner: CliRunner, committed_database_url: str, tmp_path: Path
) -> None:
    first = runner.invoke(main, ["municipalities", "import", "--demo"])
    assert first.exit_code == 0, first.output
    assert (
        "sachsen_demo.csv: 39 Gemeinden (municipalities), 39 neu (inserted), "
        "0 geändert (updated), 0 unverändert (unchanged)" in first.output
    )
    rows = asyncio.run(
        _fetch(
            committed_database_url,
            "SELECT name, area_category FROM municipalities WHERE key = '14521530'",
        )
    )
    assert [tuple(r) for r in rows] == [
        ("Schneeberg, Stadt", "verdichteter_bereich_im_laendlichen_raum")
    ]

    again = runner.invoke(main, ["municipalities", "import", "--demo"])
    assert again.exit_code == 0, again.output
    assert "0 neu (inserted), 0 geändert (updated), 39 unverändert (unchanged)" in again.output

    # German Excel: UTF-8 with BOM, semicolons, CRLF.
    excel = tmp_path / "gemeinden.csv"
    excel.write_bytes(
        "\ufeffkey;name;district;population;area_category\r\n"
        "14521530;Schneeberg, Stadt;Erzgebirgskreis;13850;"
        "verdichteter Bereich im ländlichen Raum\r\n"
        "14521590;Stollberg/Erzgeb., Stadt;Erzgebirgskreis;11300;ländlicher Raum\r\n".encode()
    )
    changed = runner.invoke(main, ["municipalities", "import", str(excel)])
    assert changed.exit_code == 0, changed.output
    assert "1 neu (inserted), 1 geändert (updated), 0 unverändert (unchanged)" in changed.output
    assert _count(committed_database_url, "municipalities") == 40

    audit = asyncio.run(
        _fetch(
            committed_database_url,
            "SELECT after FROM audit_log WHERE action = 'municipalities_imported' ORDER BY seq",
        )
    )
    assert len(audit) == 3
    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_a_bad_file_is_refused_whole_with_file_line_and_column(
    runner: CliRunner, committed_database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "key,name,district,population,area_category\n"
        "14612000,Dresden,Kreisfreie Stadt Dresden,566200,verdichtungsraum\n"
        "1452153,Schneeberg,Erzgebirgskreis,13900,laendlicher_raum\n"
        "14521570,Seiffen,Erzgebirgskreis,-3,städtisch\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["municipalities", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: key: 7 Ziffern statt 8 (7 digits instead of 8)" in result.output
    assert f"{bad}:4: population: darf nicht negativ sein (must not be negative)" in result.output
    assert f"{bad}:4: area_category: unbekannte Raumkategorie „städtisch“" in result.output
    assert "nichts importiert (nothing imported): 3 Fehler (problems)" in result.output
    assert _count(committed_database_url, "municipalities") == 0
    assert _count(committed_database_url, "audit_log") == 0


def test_file_or_shipped_or_demo_but_only_one(tmp_path: Path) -> None:
    runner = CliRunner()
    neither = runner.invoke(main, ["municipalities", "import"])
    assert neither.exit_code == 2
    assert "FILE, --shipped, --demo" in neither.output
    some = tmp_path / "x.csv"
    some.write_text("key\n", encoding="utf-8")
    both = runner.invoke(main, ["municipalities", "import", "--demo", str(some)])
    assert both.exit_code == 2
    two_flags = runner.invoke(main, ["municipalities", "import", "--demo", "--shipped"])
    assert two_flags.exit_code == 2


def test_a_long_list_of_problems_is_cut_short(tmp_path: Path) -> None:
    bad = tmp_path / "many.csv"
    bad.write_text(
        "key,name,district,population,area_category\n"
        + "".join(f"{i},x,y,1,laendlicher_raum\n" for i in range(60)),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["municipalities", "import", str(bad)])
    assert result.exit_code == 1
    assert result.output.count(f"{bad}:") == 51  # 50 problems and the closing line
    assert "… und 10 weitere Fehler (and 10 more problems)" in result.output


def test_the_shipped_register_imports_and_reimports_unchanged(
    runner: CliRunner, committed_database_url: str
) -> None:
    first = runner.invoke(main, ["municipalities", "import", "--shipped"])
    assert first.exit_code == 0, first.output
    assert "sachsen.csv: 418 Gemeinden (municipalities), 418 neu (inserted)" in first.output
    again = runner.invoke(main, ["municipalities", "import", "--shipped"])
    assert again.exit_code == 0, again.output
    assert "0 neu (inserted), 0 geändert (updated), 418 unverändert (unchanged)" in again.output
    assert _count(committed_database_url, "municipalities") == 418


def test_serve_loads_the_register_on_first_start_only(
    runner: CliRunner, committed_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`grants serve` up to the point where uvicorn would take over (replaced here)."""
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    previous = signal.getsignal(signal.SIGTERM)  # serve turns SIGTERM into Ctrl-C
    try:
        first = runner.invoke(main, ["serve", "--port", "8999"])
        again = runner.invoke(main, ["serve", "--port", "8999"])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert first.exit_code == 0, first.output
    assert "Gemeindeverzeichnis geladen (municipality register loaded): 418 Gemeinden" in (
        first.output
    )
    assert again.exit_code == 0, again.output
    assert "Gemeindeverzeichnis geladen" not in again.output
    assert served == ["grants.app:create_app_from_env"] * 2
    assert _count(committed_database_url, "municipalities") == 418
    audit = asyncio.run(
        _fetch(
            committed_database_url,
            "SELECT actor_label, after->>'trigger' AS trigger FROM audit_log "
            "WHERE action = 'municipalities_imported'",
        )
    )
    assert [tuple(r) for r in audit] == [("cli:first-start", "first_start")]


def test_demo_seed_loads_the_register_before_the_demo_draft(
    runner: CliRunner, committed_database_url: str
) -> None:
    seeded = runner.invoke(main, ["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert _count(committed_database_url, "municipalities") == 418
    drafts = asyncio.run(
        _fetch(committed_database_url, "SELECT municipality_key FROM applications")
    )
    assert [r["municipality_key"] for r in drafts] == ["14521530"]
