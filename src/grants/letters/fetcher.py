"""The only way a letter's renderer reaches anything outside its HTML: the project's own
letter assets (stylesheet, fonts, the colour profile), nothing else.

User content reaches a letter as text (Jinja autoescapes it), so it cannot name a URL in the
first place; this fetcher is the second wall. Whatever URL WeasyPrint is asked to load —
``http://127.0.0.1/``, ``file:///etc/passwd``, a ``data:`` URL, a path that climbs out with
``..`` or a symlink — is refused unless it is a ``file:`` URL that resolves inside the
assets directory to a file of an allowed type. WeasyPrint skips a refused resource and
renders on; every refusal is recorded, so a test can show that nothing was fetched.

The programme's logo is no file: its bytes (re-encoded on upload, ``logo_image``) are handed
in as a *virtual* asset at one fixed name inside the directory, served from memory.
"""

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

MEDIA_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".icc": "application/vnd.iccprofile",
}


class RefusedURL(ValueError):
    """A letter asked for something other than the project's own assets."""


class LockedFetcher(URLFetcher):  # type: ignore[misc]
    def __init__(self, asset_root: Path, virtual: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = asset_root.resolve()
        self.virtual = {self.root / name: body for name, body in (virtual or {}).items()}
        self.refused: list[str] = []
        self.fetched: list[str] = []

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"not a project asset: {url[:200]}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or path.suffix.lower() not in MEDIA_TYPES:
            raise RefusedURL(f"not a project asset: {url[:200]}")
        if path in self.virtual:
            return path
        if not path.is_file():
            raise RefusedURL(f"no such asset: {path.relative_to(self.root)}")
        return path

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except RefusedURL:
            self.refused.append(url)
            raise
        self.fetched.append(url)
        return URLFetcherResponse(
            url,
            body=self.virtual[path] if path in self.virtual else path.read_bytes(),
            headers={"Content-Type": MEDIA_TYPES[path.suffix.lower()]},
        )
