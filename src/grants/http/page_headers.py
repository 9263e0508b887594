"""Security headers on every page of the portal (every path but ``/api``, ``/docs`` and
``/health``, which answer JSON or carry their own): a Content-Security-Policy that allows
only this origin (no inline script at all; KERN UX's icons are data: URLs), no framing, no
referrer beyond the origin, no MIME sniffing, and HSTS when the request came over TLS."""

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "frame-ancestors 'none'; object-src 'none'"
)
_NOT_PAGES = ("/api", "/docs", "/health")
_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class PageSecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(_NOT_PAGES):
            await self.app(scope, receive, send)
            return
        extra = [*_HEADERS, _HSTS] if scope.get("scheme") == "https" else _HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
