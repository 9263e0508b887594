"""`grants guidelines validate|list` and GRANTS_GUIDELINES_DIR: a programme manager changes a
default in a copy of the file, checks it, and the service serves it, without code."""

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.cli import main
from grants.guidelines.loader import SHIPPED
from tests.conftest import client_for, make_settings

SHIPPED_FILE = SHIPPED / "frl-lifd-2023.yaml"


@pytest.fixture
def changed_dir(tmp_path: Path) -> Path:
    text = SHIPPED_FILE.read_text("utf-8").replace(
        'minimum_grant: "2500.00"', 'minimum_grant: "20000.00"'
    )
    (tmp_path / "frl-lifd.yaml").write_text(text, "utf-8")
    return tmp_path


def test_validate_prints_the_hash_or_every_error(tmp_path: Path) -> None:
    ok = CliRunner().invoke(main, ["guidelines", "validate", str(SHIPPED_FILE)])
    assert ok.exit_code == 0
    assert "OK — frl-lifd 2023-11-30" in ok.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SHIPPED_FILE.read_text("utf-8").replace('max_rate: "0.80"', 'max_rate: "8.0"'), "utf-8"
    )
    result = CliRunner().invoke(main, ["guidelines", "validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}: cost_categories.0.max_rate" in result.output


def test_list_reads_the_configured_directory(
    changed_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRANTS_GUIDELINES_DIR", str(changed_dir))
    shipped = CliRunner().invoke(main, ["guidelines", "validate", str(SHIPPED_FILE)]).output
    listed = CliRunner().invoke(main, ["guidelines", "list"])
    assert listed.exit_code == 0
    assert listed.output.split()[2] not in shipped  # a changed default is a new version hash


async def test_the_service_serves_the_changed_guideline(
    changed_dir: Path, database_url: str, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    app = create_app(
        make_settings(database_url, guidelines_dir=changed_dir),
        session_factory=session_factory,
        configure_logs=False,
    )
    async with client_for(app) as client:
        guideline = (await client.get("/api/guidelines/frl-lifd")).json()
    assert guideline["minimum_grant"] == "20000.00"
    assert isinstance(client, httpx.AsyncClient)
