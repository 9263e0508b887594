"""Bearer-token authentication: verify the token (``accounts.tokens.verify_token``, the only
decoder), then load the principal and check the session is still live (one query).
``principal_from_header`` is the same check for the one route where signing in is optional
(accepting an invitation)."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from grants.accounts.signin import load_principal
from grants.accounts.tokens import InvalidToken, TokenClaims, TokenPurpose, verify_token
from grants.core.access import Principal

_INVALID = "Anmeldung erforderlich oder abgelaufen (authentication required or expired)."


async def principal_from_header(header: str, state: State) -> tuple[Principal, TokenClaims]:
    """The principal of an ``Authorization`` header; 401 for anything but a live session."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException(_INVALID)
    try:
        claims = verify_token(token.strip(), state.token_keys, purpose=TokenPurpose.ACCESS)
    except InvalidToken:
        raise NotAuthorizedException(_INVALID) from None
    async with state.read_session_factory() as session:
        principal = await load_principal(session, claims, now=state.clock())
    if principal is None:
        raise NotAuthorizedException(_INVALID)
    return principal, claims


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        principal, claims = await principal_from_header(header, connection.app.state)
        return AuthenticationResult(user=principal, auth=claims)
