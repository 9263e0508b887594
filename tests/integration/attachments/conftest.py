"""A real clamd for the scanning tests (see tests/clamd.py), and an app that uses it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.settings import Settings
from tests.clamd import Clamd, running_clamd
from tests.conftest import make_settings
from tests.fakes import FakeClock


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    with running_clamd(tmp_path_factory.mktemp("clamd")) as daemon:
        yield daemon


@pytest.fixture
def scanning_settings(database_url: str, tmp_path: Path, clamd: Clamd) -> Settings:
    return make_settings(database_url, data_dir=tmp_path, clamd_address=clamd.unix_address)


@pytest.fixture
def app(
    scanning_settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> Litestar:
    return create_app(
        scanning_settings, session_factory=session_factory, clock=clock, configure_logs=False
    )
