"""The portal's sign-in state: a session cookie holding a signed token of its own purpose
(``TokenPurpose.BROWSER``) that names one login session. Every page request checks that
session in the database (the same prepared statement as the API's bearer tokens,
``signin.load_principal``), so a sign-out, a password change or a deactivation counts from the
next page on. The cookie is HttpOnly, SameSite=Lax, Secure when the portal is served over TLS,
and gets a new value at every sign-in (a new login session: nothing set before sign-in is
carried over, so a planted cookie fixes nothing).

Also here: where a sign-in may send the user afterwards (``safe_next``: a path of this site,
never another host)."""

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie

from grants.accounts.signin import load_principal
from grants.accounts.tokens import InvalidToken, IssuedToken, TokenKeys, TokenPurpose, verify_token
from grants.core.access import Principal

COOKIE = "grants_session"
_PRINCIPAL_KEY = "portal_principal"
_UNSET = object()


def is_tls(request: Request[Any, Any, Any]) -> bool:
    settings = request.app.state.settings
    base = str(settings.public_base_url or "")
    return request.url.scheme == "https" or base.startswith("https://")


def already_signed_in(request: Request[Any, Any, Any]) -> Principal | None:
    """The user, if this request has looked them up already (error pages render without a
    database: they show the header of the signed-in user only then)."""
    cached = request.scope.get("state", {}).get(_PRINCIPAL_KEY)
    return cached if isinstance(cached, Principal) else None


async def signed_in(request: Request[Any, Any, Any]) -> Principal | None:
    """The user of this request's session cookie, or None (no cookie, a cookie that does not
    verify, or a login session that ended). Read once per request."""
    cached = request.scope.get("state", {}).get(_PRINCIPAL_KEY, _UNSET)
    if cached is not _UNSET:
        return cached if isinstance(cached, Principal) else None
    principal = None
    token = request.cookies.get(COOKIE)
    if token:
        state = request.app.state
        keys: TokenKeys = state.token_keys
        try:
            claims = verify_token(token, keys, purpose=TokenPurpose.BROWSER)
        except InvalidToken:
            claims = None
        if claims is not None:
            principal = await load_principal(state.hot_reads, claims, now=state.clock())
    request.scope.setdefault("state", {})[_PRINCIPAL_KEY] = principal
    return principal


def set_session_cookie(
    response: Response[Any], request: Request[Any, Any, Any], token: IssuedToken
) -> None:
    # No Max-Age: the cookie ends with the browser; the login session ends at the latest
    # at the token's expiry, which the server checks.
    response.set_cookie(
        Cookie(
            key=COOKIE,
            value=token.token,
            path="/",
            httponly=True,
            secure=is_tls(request),
            samesite="lax",
        )
    )


def clear_session_cookie(response: Response[Any], request: Request[Any, Any, Any]) -> None:
    response.delete_cookie(COOKIE, path="/")


def safe_next(target: str | None, default: str = "/antraege") -> str:
    """Where to go after sign-in: a path on this site, else ``default``. Refused: absolute
    URLs, scheme-relative ``//host``, backslashes (browsers read ``/\\host`` as ``//host``),
    control characters, and anything that is not a path."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
