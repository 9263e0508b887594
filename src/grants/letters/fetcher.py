"""The only way a letter's renderer reaches anything outside its HTML: the project's own
letter assets (stylesheet, fonts, the colour profile), nothing else.

User content reaches a letter as text (Jinja autoescapes it), so it cannot name a URL in the
first place; this fetcher is the second wall. Whatever URL WeasyPrint is asked to load —
``http://127.0.0.1/``, ``file:///etc/passwd``, a ``data:`` URL, a path that climbs out with
``..`` or a symlink — is refused unless it is a ``file:`` URL that resolves inside the
assets directory to a file of an allowed type. WeasyPrint skips a refused resource and
renders on; every refusal is recorded, so a test can show that nothing was fetched.
"""

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
    def __init__(self, asset_root: Path) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = asset_root.resolve()
        self.refused: list[str] = []
        self.fetched: list[str] = []

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"not a project asset: {url[:200]}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or path.suffix.lower() not in MEDIA_TYPES:
            raise RefusedURL(f"not a project asset: {url[:200]}")
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
            body=path.read_bytes(),
            headers={"Content-Type": MEDIA_TYPES[path.suffix.lower()]},
        )
