"""A logo upload made safe to print: decoded with Pillow and written again as a plain PNG,
so nothing of the upload but its pixels reaches a letter (no metadata, no colour profile, no
foreign chunk, never SVG with its scripts and external references). Pure: bytes in, bytes
out. The limits keep a decompression bomb from being decoded at all: the size in pixels is
read from the header and checked before the pixels are."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 512 * 1024
MAX_SIDE = 3000
MIN_SIDE = 16
FORMATS = {"PNG", "JPEG"}


@dataclass(frozen=True, slots=True)
class Logo:
    png: bytes
    sha256: str
    width: int
    height: int


class LogoRefused(ValueError):
    """Why the upload is no logo: ``rule`` for the problem body, ``message`` in German."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def sanitised(raw: bytes) -> Logo:
    if len(raw) > MAX_BYTES:
        raise LogoRefused("too_large", f"größer als {MAX_BYTES // 1024} KiB")
    if not raw:
        raise LogoRefused("empty", "keine Datei übermittelt")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=sorted(FORMATS))
            width, height = image.size
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise LogoRefused(
                    "dimensions",
                    f"{width} × {height} Pixel; erlaubt sind {MIN_SIDE} bis {MAX_SIDE} je Seite",
                )
            # verify() walks the whole file (chunk checksums, a cut-off end), which load()
            # alone forgives; then the image is opened again to be decoded.
            image.verify()
            image = Image.open(io.BytesIO(raw), formats=sorted(FORMATS))
            image.load()
    except LogoRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoRefused("format", "kein PNG- oder JPEG-Bild") from None
    except (OSError, SyntaxError, ValueError):  # truncated or corrupt pixel data
        raise LogoRefused("corrupt", "das Bild ist beschädigt oder unvollständig") from None
    mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    clean = Image.new(mode, image.size)
    clean.paste(image.convert(mode))
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    png = out.getvalue()
    return Logo(png=png, sha256=hashlib.sha256(png).hexdigest(), width=width, height=height)
