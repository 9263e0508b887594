"""Alembic, driven from Python (CLI and tests) with the project's own configuration, so that
no ``alembic.ini`` path or working directory has to be right."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from grants.settings import as_asyncpg_url


def _migrations_dir() -> Path:
    # A wheel carries them as grants/_migrations (see pyproject.toml); a source checkout
    # (editable install) has them at the top level.
    packaged = Path(__file__).resolve().parents[1] / "_migrations"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "migrations"


MIGRATIONS_DIR = _migrations_dir()

# The advisory lock every migration run holds ("grants" in ASCII): replicas that start at once
# migrate one after the other instead of racing over the same DDL.
MIGRATION_LOCK_KEY = 0x6772616E7473


def alembic_config(database_url: str) -> Config:
    if not MIGRATIONS_DIR.is_dir():
        raise RuntimeError(f"migrations directory not found at {MIGRATIONS_DIR}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", as_asyncpg_url(database_url).replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=True)
