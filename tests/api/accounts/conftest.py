"""Apps with account settings of their own (small throttle limits, a public base URL), on
the test's rolled-back connection like the default ``app``."""

from collections.abc import Callable

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from tests.conftest import make_settings
from tests.fakes import FakeClock

PUBLIC_URL = "https://foerderportal.sachsen.example"

AppWith = Callable[..., Litestar]


@pytest.fixture
def app_with(
    database_url: str, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> AppWith:
    def build(**overrides: object) -> Litestar:
        settings = make_settings(database_url, **{"public_base_url": PUBLIC_URL, **overrides})
        return create_app(
            settings, session_factory=session_factory, clock=clock, configure_logs=False
        )

    return build
