"""The locked fetcher serves the project's letter assets and refuses everything else:
other schemes, other hosts, paths outside the assets (by ``..`` or by a symlink), files of
other types — and records each refusal."""

from pathlib import Path

import pytest
from weasyprint import HTML

from grants.letters.fetcher import LockedFetcher, RefusedURL
from grants.letters.render import LETTERS_DIR


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.org/logo.png",
        "ftp://127.0.0.1/x.css",
        "data:text/css,body{}",
        (LETTERS_DIR / ".." / ".." / "pyproject.toml").as_uri(),
        (LETTERS_DIR / "fonts" / ".." / ".." / ".." / "README.md").as_uri(),
        "file://otherhost" + (LETTERS_DIR / "letter.css").as_posix(),
        (LETTERS_DIR / "layout.html").as_uri(),  # a template, not an asset type
        (LETTERS_DIR / "missing.css").as_uri(),
    ],
)
def test_anything_but_a_project_asset_is_refused(url: str) -> None:
    fetcher = LockedFetcher(LETTERS_DIR)
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url] and fetcher.fetched == []


def test_a_symlink_out_of_the_assets_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "assets"
    root.mkdir()
    (root / "ok.css").write_text("p {}")
    (root / "evil.css").symlink_to("/etc/passwd")
    fetcher = LockedFetcher(root)
    assert fetcher.fetch((root / "ok.css").as_uri()).read() == b"p {}"
    with pytest.raises(RefusedURL):
        fetcher.fetch((root / "evil.css").as_uri())


def test_the_stylesheet_and_fonts_are_served() -> None:
    fetcher = LockedFetcher(LETTERS_DIR)
    response = fetcher.fetch((LETTERS_DIR / "letter.css").as_uri())
    assert b"@font-face" in response.read()
    assert response.headers["Content-Type"] == "text/css"


def test_html_that_names_other_urls_renders_without_fetching_them() -> None:
    """Even markup that escaped the templates' autoescaping could fetch nothing: WeasyPrint
    asks the fetcher, the fetcher refuses, the page renders on."""
    fetcher = LockedFetcher(LETTERS_DIR)
    html = (
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>Text</p>'
    )
    pdf = HTML(string=html, base_url=LETTERS_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    assert pdf is not None and pdf.startswith(b"%PDF")
    assert set(fetcher.refused) == {
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "http://127.0.0.1:9/x.css",
    }
    assert fetcher.fetched == []
