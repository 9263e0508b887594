"""A logo upload is decoded and written again as a plain PNG, or refused with the rule it
breaks — before its pixels are decoded when its header already says it is too big."""

import io
import struct
import time
import zlib

import pytest
from PIL import Image, PngImagePlugin

from grants.letters.logo_image import MAX_BYTES, LogoRefused, sanitised


def _png(size: tuple[int, int] = (120, 40), mode: str = "RGB", **text: str) -> bytes:
    image = Image.new(mode, size, (0, 90, 160, 128) if mode == "RGBA" else (0, 90, 160))
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _rule(raw: bytes) -> str:
    with pytest.raises(LogoRefused) as refused:
        sanitised(raw)
    return refused.value.rule


def test_a_png_is_written_again_without_what_came_with_it() -> None:
    raw = _png(Author="Max Mustermann", Comment="<script>alert(1)</script>")
    logo = sanitised(raw)
    assert (logo.width, logo.height) == (120, 40)
    assert logo.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Mustermann" not in logo.png and b"script" not in logo.png
    with Image.open(io.BytesIO(logo.png)) as again:
        assert again.size == (120, 40) and again.mode == "RGB" and not again.text


def test_transparency_and_jpeg_are_kept_as_png() -> None:
    with Image.open(io.BytesIO(sanitised(_png(mode="RGBA")).png)) as clear:
        assert clear.mode == "RGBA"
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 0, 0)).save(out, format="JPEG")
    with Image.open(io.BytesIO(sanitised(out.getvalue()).png)) as converted:
        assert converted.format == "PNG" and converted.size == (64, 64)


def test_what_is_no_png_or_jpeg_is_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'
    assert _rule(svg) == "format"
    gif = io.BytesIO()
    Image.new("RGB", (32, 32)).save(gif, format="GIF")
    assert _rule(gif.getvalue()) == "format"
    assert _rule(b"") == "empty"
    assert _rule(_png()[:60]) == "corrupt"


def test_sizes_outside_the_limits_are_refused() -> None:
    assert _rule(_png((8, 40))) == "dimensions"
    assert _rule(_png((3001, 20))) == "dimensions"
    assert _rule(b"\x89PNG" + b"\0" * MAX_BYTES) == "too_large"


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    """A few hundred bytes that claim 60,000 × 60,000 pixels: refused without decoding."""
    width = height = 60_000
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1000)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    bomb = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    started = time.perf_counter()
    assert _rule(bomb) in {"dimensions", "format"}
    assert time.perf_counter() - started < 5  # not a timing target: it never decoded 3.6 GP
