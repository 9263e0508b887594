"""A stored file as an HTTP response: every download (an applicant's attachment, the
evaluator's copy, later the letters) answers through ``download_response``, so the headers
that keep a browser from sniffing, caching or misnaming a file are written once."""

import unicodedata
from collections.abc import AsyncIterator
from typing import Protocol
from urllib.parse import quote

from litestar import Response
from litestar.response import Stream

_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)


def ascii_fallback(name: str) -> str:
    """For clients that ignore ``filename*``: German letters transliterated, other accents
    dropped, anything else non-ASCII replaced."""
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return "".join(
        char if char.isascii() and (char.isalnum() or char in " .-_") else "_" for char in text
    )


def content_disposition(name: str) -> str:
    """RFC 6266 with the RFC 5987 ``filename*`` for the real (UTF-8) name."""
    fallback = ascii_fallback(name)
    encoded = quote(name, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


class StoredFile(Protocol):
    filename: str
    media_type: str
    size_bytes: int
    sha256: str


def download_response(meta: StoredFile, chunks: AsyncIterator[bytes]) -> Stream:
    """A stored file as the response: the server-chosen name (RFC 6266), no sniffing, no
    caching by shared caches. Every download of an attachment answers through here."""
    return Stream(
        chunks,
        media_type=meta.media_type,
        headers={
            "Content-Disposition": content_disposition(meta.filename),
            "Content-Length": str(meta.size_bytes),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{meta.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )


def pdf_response(content: bytes, name: str, *, sha256: str | None = None) -> Response[bytes]:
    """A rendered letter or receipt (PDF bytes in memory) as a download: the API's and the
    portal's alike."""
    headers = {
        "Content-Disposition": content_disposition(name),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if sha256:
        headers["Digest"] = f"sha-256={sha256}"
    return Response(content, media_type="application/pdf", headers=headers)


def export_response(content: bytes, media_type: str, name: str) -> Response[bytes]:
    """A table export (CSV, XLSX) built in memory, as a download that no shared cache keeps.
    ``name`` must be safe in the header as it is (built by the server from checked codes)."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
