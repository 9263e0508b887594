"""Dependencies with one fixed name each: ``db_session``, ``principal``, ``now``,
``request_id``, ``settings``. Features add their own (``accounts.dependencies``)."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.access import Principal
from grants.http.guards import principal_of
from grants.http.request_ids import current_request_id
from grants.settings import Settings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def provide_db_session(
    state: State, request: Request[Any, Any, Any]
) -> AsyncIterator[AsyncSession]:
    """Safe methods (GET, HEAD) read in autocommit mode: they must not write, and skipping
    BEGIN/COMMIT saves two round trips per query. Other methods get transactional sessions."""
    factory = (
        state.read_session_factory if request.method in _SAFE_METHODS else state.session_factory
    )
    async with factory() as session:
        yield session


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_of(request)


def provide_now(state: State) -> datetime:
    now: datetime = state.clock()
    return now


def provide_request_id() -> str | None:
    return current_request_id()


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


DEPENDENCIES = {
    "db_session": Provide(provide_db_session),
    "principal": Provide(provide_principal, sync_to_thread=False),
    "now": Provide(provide_now, sync_to_thread=False),
    "request_id": Provide(provide_request_id, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
}
