"""Bearer-token authentication: verify the token (``accounts.tokens.verify_token``, the only
decoder, behind ``VerifiedAccessTokens``), then load the principal and check the login session
is still live (one prepared statement on the hot-read pool, ``db.hot_reads``), on every
request. ``principal_from_header`` is the same check for the one route where signing in is
optional (accepting an invitation)."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from grants.accounts.principal_cache import PrincipalCache
from grants.accounts.signin import load_principal
from grants.accounts.tokens import InvalidToken, TokenClaims
from grants.core.access import Principal

_INVALID = "Anmeldung erforderlich oder abgelaufen (authentication required or expired)."


async def principal_from_header(header: str, state: State) -> tuple[Principal, TokenClaims]:
    """The principal of an ``Authorization`` header; 401 for anything but a live session."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException(_INVALID)
    try:
        claims = state.verified_access_tokens.verify(token.strip())
    except InvalidToken:
        raise NotAuthorizedException(_INVALID) from None
    cache: PrincipalCache = state.principal_cache
    key = (claims.issuer, claims.subject, claims.session_id)
    principal = cache.get(key)
    if principal is None:
        generation, loaded_at = cache.generation, cache.now()
        principal = await load_principal(state.hot_reads, claims, now=state.clock())
        if principal is None:
            raise NotAuthorizedException(_INVALID)
        cache.put(key, principal, generation, loaded_at)
    return principal, claims


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ForgetPrincipalsAfterWrites:
    """Clears the principal cache after every request that may have written (any method but
    GET, HEAD and OPTIONS, signed in or not, whatever its outcome): so a logout, a password
    reset or a role change made through this process counts from its very next request
    (``principal_cache`` says what holds across processes)."""

    def __init__(self, app: ASGIApp, cache: PrincipalCache) -> None:
        self._app = app
        self._cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method", "GET") in _SAFE_METHODS:
            await self._app(scope, receive, send)
            return
        cache = self._cache

        async def send_after_clearing(message: Message) -> None:
            # Before the response starts, not after it ended: a client told "logged out"
            # could otherwise race the clear with its next request on another connection.
            if message["type"] == "http.response.start":
                cache.clear()
            await send(message)

        try:
            await self._app(scope, receive, send_after_clearing)
        finally:
            cache.clear()


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        principal, claims = await principal_from_header(header, connection.app.state)
        return AuthenticationResult(user=principal, auth=claims)
