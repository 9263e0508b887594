"""The API documentation pages load nothing from a third-party host: every script, stylesheet
and icon they reference is served by the app, byte for byte as vendored and recorded."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from grants.http.api_docs import ASSET_DIR, CONTENT_SECURITY_POLICY, vendored

ROOT = Path(__file__).resolve().parents[2]
_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def _references(html: str) -> list[str]:
    return _REFERENCE.findall(html)


@pytest.mark.parametrize("page", ["/docs", "/docs/swagger"])
async def test_docs_page_references_only_this_host(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    references = _references(html)
    assert references, "the page references its assets"
    for url in references:
        assert url.startswith("/"), f"{page} references {url}"
        assert not url.startswith("//"), f"{page} references a protocol-relative {url}"
    # No absolute URL anywhere in the page itself (inline configuration included), except the
    # schema's own address, which is relative too.
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("page", ["/docs", "/docs/swagger"])
async def test_docs_assets_are_served_as_vendored(client: httpx.AsyncClient, page: str) -> None:
    recorded = {
        f"/docs/assets/{path}": digest
        for package in vendored()["packages"]
        for path, digest in package["files"].items()
    }
    html = (await client.get(page)).text
    for url in _references(html):
        if url.startswith("/docs/assets/"):
            asset = await client.get(url)
            assert asset.status_code == 200, url
            if url in recorded:
                assert hashlib.sha256(asset.content).hexdigest() == recorded[url]
        else:
            assert (await client.get(url)).status_code == 200, url


async def test_docs_responses_carry_a_self_only_content_security_policy(
    client: httpx.AsyncClient,
) -> None:
    for url in ("/docs", "/docs/swagger", "/docs/assets/swagger/swagger-ui.css"):
        response = await client.get(url)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["referrer-policy"] == "no-referrer"
    # The policy allows no other host for anything the browser would load.
    for directive in CONTENT_SECURITY_POLICY.split(";"):
        sources = directive.split()[1:]
        assert all(s in {"'self'", "'unsafe-inline'", "data:", "'none'"} for s in sources)
    api = await client.get("/health/live")
    assert "content-security-policy" not in api.headers


async def test_assets_cannot_escape_their_directory(client: httpx.AsyncClient) -> None:
    for url in (
        "/docs/assets/../../settings.py",
        "/docs/assets/%2e%2e/%2e%2e/settings.py",
        "/docs/assets/..%2f..%2fsettings.py",
    ):
        response = await client.get(url)
        assert response.status_code in {400, 404}, url


def test_vendored_files_match_their_manifest() -> None:
    packages = vendored()["packages"]
    assert {p["name"] for p in packages} == {"swagger-ui-dist", "@scalar/api-reference"}
    for package in packages:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), "pinned, not a range"
        assert package["license"] in {"MIT", "Apache-2.0"}
        assert package["tarball_integrity"].startswith("sha512-")
        for path, digest in package["files"].items():
            assert hashlib.sha256((ASSET_DIR / path).read_bytes()).hexdigest() == digest, path


def test_the_vendoring_script_checks_offline() -> None:
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(ROOT / "scripts" / "vendor_assets.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("ok")
