"""Letters tests run, as the awards tests do, with a demo call that closes seconds after the
test's clock starts: the decisions come after the formal check, the jury and the formal
application (``tests.evaluation_factories``)."""

import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.settings import Settings
from tests.evaluation_factories import closing_app
from tests.fakes import FakeClock


@pytest.fixture
def app(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Litestar:
    return closing_app(settings, session_factory, clock)
