"""The attachments API runs against an app whose data directory is the test's own, so each
test sees exactly the files it stored."""

from pathlib import Path

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.settings import Settings
from tests.conftest import make_settings
from tests.fakes import FakeClock

LIMIT = 4 * 1024 * 1024


@pytest.fixture
def attachment_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, data_dir=tmp_path, attachment_max_bytes=LIMIT)


@pytest.fixture
def app(
    attachment_settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> Litestar:
    return create_app(
        attachment_settings, session_factory=session_factory, clock=clock, configure_logs=False
    )


@pytest.fixture
def store_root(attachment_settings: Settings) -> Path:
    return attachment_settings.data_dir / "attachments"
