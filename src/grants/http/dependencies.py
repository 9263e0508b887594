"""Dependencies with one fixed name each: ``context`` (the use-case context of a signed-in
user; what almost every route needs), ``anonymous_context`` (for the few routes without a
user: registration, login, token refresh), and their parts ``db_session``, ``principal``,
``now``, ``request_id``, plus ``settings``. Features add their own
(``accounts.dependencies``, ``applications.attachments.dependencies``)."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.actors import Actor
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


def provide_context(
    state: State,
    db_session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
    now: NamedDependency[datetime],
    request_id: NamedDependency[str | None],
) -> UserContext:
    return UserContext.of(
        db_session, principal, now=now, guidelines=state.guidelines, request_id=request_id
    )


def provide_anonymous_context(
    state: State,
    db_session: NamedDependency[AsyncSession],
    now: NamedDependency[datetime],
    request_id: NamedDependency[str | None],
) -> Context:
    return Context(
        session=db_session,
        actor=Actor(user_id=None, label="anonymous", request_id=request_id),
        now=now,
        guidelines=state.guidelines,
    )


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


DEPENDENCIES = {
    "context": Provide(provide_context, sync_to_thread=False),
    "anonymous_context": Provide(provide_anonymous_context, sync_to_thread=False),
    "db_session": Provide(provide_db_session),
    "principal": Provide(provide_principal, sync_to_thread=False),
    "now": Provide(provide_now, sync_to_thread=False),
    "request_id": Provide(provide_request_id, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
}
