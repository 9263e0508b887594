"""The API documentation pages (Scalar at ``/docs``, Swagger UI at ``/docs/swagger``) with
their JavaScript and CSS served by the app itself from ``docs_assets/`` (vendored, pinned,
hashed by ``scripts/vendor_assets.py``).

Why self-hosted: people paste tokens into these pages; a CDN would learn every visitor's
address (which a public body may not allow) and could change the code under the page, and an
offline page would be blank. A Content-Security-Policy on every ``/docs`` response makes the
browser refuse any other host, so a future version that fetches fonts or telemetry from its
vendor fails closed instead of leaking.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from litestar.datastructures import CacheControlHeader
from litestar.enums import ScopeType
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send

ASSET_DIR = Path(__file__).parent / "docs_assets"
ASSETS_PATH = "/docs/assets"

# 'unsafe-inline' for the small inline scripts and styles Litestar's page templates carry;
# everything else only from this host. data: for the inline SVG icons and fonts of the bundles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


@cache
def vendored() -> dict[str, Any]:
    """The manifest written by the vendoring script: package, version, licence, hashes."""
    data: dict[str, Any] = json.loads((ASSET_DIR / "VENDORED.json").read_text())
    return data


def render_plugins() -> list[ScalarRenderPlugin | SwaggerRenderPlugin]:
    # favicon="": Litestar's default favicon is fetched from a CDN.
    return [
        ScalarRenderPlugin(
            path="/",
            js_url=f"{ASSETS_PATH}/scalar/standalone.js",
            css_url=f"{ASSETS_PATH}/docs.css",
            favicon="",
            # Scalar loads its default fonts from its vendor's host unless told not to; its
            # toolbar and AI agent offer services of its vendor, which the CSP blocks anyway.
            options={
                "withDefaultFonts": False,
                "showToolbar": "never",
                "showDeveloperTools": "never",
                "agent": {"disabled": True},
            },
        ),
        SwaggerRenderPlugin(
            path="/swagger",
            js_url=f"{ASSETS_PATH}/swagger/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger/swagger-ui-standalone-preset.js",
            favicon="",
        ),
    ]


def assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[ASSET_DIR],
        name="docs-assets",
        include_in_schema=False,
        # Versioned files: a day in the browser's cache; an upgrade changes the bytes, and the
        # page is reloaded at most a day late (the URLs carry no hash, so not "immutable").
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )


class DocsSecurityHeaders:
    """ASGI wrapper: the Content-Security-Policy (and no-referrer) on every ``/docs`` response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith("/docs"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                headers.append((b"referrer-policy", b"no-referrer"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
