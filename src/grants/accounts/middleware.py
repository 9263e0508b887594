"""Bearer-token authentication: verify the token (``accounts.tokens.verify_token``, the only
decoder), then load the principal and check the session is still live (one query)."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from grants.accounts.signin import load_principal
from grants.accounts.tokens import InvalidToken, TokenPurpose, verify_token

_INVALID = "Anmeldung erforderlich oder abgelaufen (authentication required or expired)."


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException(_INVALID)
        state = connection.app.state
        try:
            claims = verify_token(token.strip(), state.token_keys, purpose=TokenPurpose.ACCESS)
        except InvalidToken:
            raise NotAuthorizedException(_INVALID) from None
        async with state.read_session_factory() as session:
            principal = await load_principal(session, claims, now=state.clock())
        if principal is None:
            raise NotAuthorizedException(_INVALID)
        return AuthenticationResult(user=principal, auth=claims)
