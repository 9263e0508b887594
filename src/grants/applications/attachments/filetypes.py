"""What an upload is, judged by its bytes, never by its name or the Content-Type header.

Why our own rules decide and puremagic only names: signature libraries (puremagic, filetype)
look at the first bytes. They call every ZIP a DOCX, PPTX or XLSX, and every ``%PDF-`` header
a PDF, truncated or not. Accepting a file needs more than that: a PDF's ``%%EOF`` trailer,
and for XLSX the ZIP central directory, which we must open anyway to refuse archive bombs.
So the two accepted types are decided by the explicit rules below (a dozen lines each, easy
to audit); puremagic is asked only to *name* refused content in the 415 answer ("you sent
image/png"), where its large signature table helps the user and a wrong guess costs nothing.

Everything here is synchronous file work on the spooled upload; the service runs it in a
worker thread.
"""

import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import puremagic

from grants.core.attachments import AttachmentKind
from grants.core.errors import FieldProblem, InvalidInput, UnsupportedContent

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ZIP = "application/zip"
# Old binary Office files, and password-protected XLSX (they are encrypted CFB, not ZIP).
CFB = "application/x-cfb"
UNKNOWN = "application/octet-stream"

EXTENSIONS: Mapping[str, str] = {PDF: ".pdf", XLSX: ".xlsx"}
_NAMES: Mapping[str, str] = {PDF: "PDF", XLSX: "XLSX (Excel)"}

ALLOWED: Mapping[AttachmentKind, tuple[str, ...]] = {
    AttachmentKind.CONCEPT: (PDF,),
    AttachmentKind.BUDGET: (PDF, XLSX),
    AttachmentKind.SUPPORT_LETTER: (PDF,),
    AttachmentKind.OTHER: (PDF, XLSX),
}

# Acrobat looks for the trailer in the last 1024 bytes; so do we.
_PDF_TRAILER_WINDOW = 1024
_HEAD_BYTES = 8192
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_DRIVE = re.compile(r"^[A-Za-z]:")
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """What a spreadsheet may declare before we refuse it unopened. A real budget workbook has
    a few dozen entries and a few MiB uncompressed; these leave room for big ones."""

    max_entries: int = 1000
    max_total_uncompressed: int = 100 * MiB
    max_ratio: int = 100
    ratio_applies_above: int = 10 * MiB  # small, highly compressible XML is normal
    # A central directory entry is 46 bytes plus name and extras; legitimate files stay
    # far below this per entry, and it bounds what zipfile parses into memory.
    max_directory_bytes_per_entry: int = 1024


DEFAULT_ZIP_LIMITS = ZipLimits()


def allowed_for(kind: AttachmentKind) -> tuple[str, ...]:
    return ALLOWED[kind]


# How an upload may be sent; named in every 415 of the upload.
ACCEPTED_FORMS = (
    "the file itself as the request body (any Content-Type except multipart/*)",
    "multipart/form-data with one file part named 'file' (curl -F file=@Skizze.pdf)",
)


def detect(
    path: Path,
    size: int,
    kind: AttachmentKind,
    limits: ZipLimits = DEFAULT_ZIP_LIMITS,
    declared: str | None = None,
) -> str:
    """The media type of the spooled upload at ``path`` if it is allowed for ``kind``.
    ``declared`` (the request's or the form part's Content-Type) decides nothing; a 415 names
    it beside what the content is.

    Raises ``InvalidInput`` (422) for empty files and dangerous archives,
    ``UnsupportedContent`` (415) for anything not allowed, naming what was detected."""
    if size == 0:
        raise InvalidInput(
            "Die Datei ist leer (the file is empty).",
            problems=(FieldProblem("body", "empty", "Datei ohne Inhalt (no content)."),),
        )
    allowed = allowed_for(kind)
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
        if head.startswith(b"%PDF-"):
            handle.seek(max(0, size - _PDF_TRAILER_WINDOW))
            if b"%%EOF" not in handle.read():
                raise _refused(
                    kind,
                    PDF,
                    "Die PDF-Datei ist unvollständig (truncated PDF: no %%EOF at its end).",
                )
            detected = PDF
        elif head.startswith((_ZIP_LOCAL_HEADER, _ZIP_EMPTY)):
            if XLSX not in allowed:
                raise _refused(kind, ZIP)
            detected = _office_type(handle, size, kind, limits)
        elif head.startswith(_CFB_MAGIC):
            detected = CFB
        else:
            detected = _name_of(head)
    if detected not in allowed:
        raise _refused(kind, detected, declared=declared, form_like=_looks_like_a_form(head))
    return detected


def _looks_like_a_form(head: bytes) -> bool:
    """A multipart/form-data body sent as the raw file (its Content-Type lost or wrong): the
    bytes start with a boundary line and a part's headers."""
    return head.startswith(b"--") and b"content-disposition:" in head[:2048].lower()


def _refused(
    kind: AttachmentKind,
    detected: str,
    reason: str | None = None,
    *,
    declared: str | None = None,
    form_like: bool = False,
) -> UnsupportedContent:
    allowed = allowed_for(kind)
    names = " oder ".join(_NAMES[m] for m in allowed)
    detail = reason or (
        f"Für „{kind.value}“ sind nur {names} erlaubt; erkannt wurde {detected} "
        f"(only {', '.join(allowed)} allowed for {kind.value}; the content is {detected})."
    )
    if form_like:
        detail += (
            " Der Anfragekörper ist ein Formular (multipart/form-data), wurde aber ohne diesen "
            "Content-Type gesendet: bitte Content-Type: multipart/form-data mit boundary senden "
            "oder die Datei selbst als Anfragekörper (the body is a multipart form sent without "
            "its Content-Type: send Content-Type: multipart/form-data with its boundary, or the "
            "file itself as the body)."
        )
    if detected == CFB:
        detail += (
            " Alte Excel-Dateien (.xls) und kennwortgeschützte Dateien bitte als .xlsx ohne "
            "Kennwort oder als PDF speichern (save as unprotected .xlsx or PDF)."
        )
    extra: dict[str, object] = {
        "detected": detected,
        "allowed": list(allowed),
        "accepted_forms": list(ACCEPTED_FORMS),
    }
    if declared:
        extra["declared"] = declared
    return UnsupportedContent(detail, extra=extra)


def _name_of(head: bytes) -> str:
    """Best-effort name of content we refuse anyway; only used in the message."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return UNKNOWN
    for match in matches:
        if match.mime_type:
            return str(match.mime_type)
    return UNKNOWN


def _office_type(handle: BinaryIO, size: int, kind: AttachmentKind, limits: ZipLimits) -> str:
    """XLSX, or the kind of other ZIP it is, after the archive passed ``_ensure_safe_zip``."""
    names = _ensure_safe_zip(handle, size, kind, limits)
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    return ZIP


def _bomb(detail: str, rule: str) -> InvalidInput:
    return InvalidInput(
        detail, problems=(FieldProblem("body", rule, "Archiv abgelehnt (archive refused)."),)
    )


def _declared_directory(handle: BinaryIO, size: int) -> tuple[int, int] | None:
    """(entry count, central directory size) from the end-of-central-directory record, read
    before zipfile parses the directory: a crafted 20 MiB file could otherwise make it build
    hundreds of thousands of ZipInfo objects."""
    window = min(size, _EOCD_SIZE + 0xFFFF)
    handle.seek(size - window)
    tail = handle.read(window)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        return None
    count, directory_size = struct.unpack_from("<HI", tail, at + 10)
    if count != 0xFFFF and directory_size != 0xFFFFFFFF:
        return count, directory_size
    locator = at - 20
    if locator < 0 or tail[locator : locator + 4] != _ZIP64_LOCATOR:
        return None
    (record_offset,) = struct.unpack_from("<Q", tail, locator + 8)
    if record_offset + 56 > size:
        return None
    handle.seek(record_offset)
    record = handle.read(56)
    if record[:4] != _ZIP64_EOCD:
        return None
    count64, directory_size64 = struct.unpack_from("<QQ", record, 32)
    return count64, directory_size64


def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name or name.startswith(("/", "\\")) or _DRIVE.match(name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _ensure_safe_zip(
    handle: BinaryIO, size: int, kind: AttachmentKind, limits: ZipLimits
) -> set[str]:
    """The entry names, after refusing archives that are dangerous to open: too many entries,
    too much declared content, absurd compression, names escaping a directory, encryption.
    Only the central directory is read; nothing is decompressed."""
    declared = _declared_directory(handle, size)
    if declared is None:
        raise _refused(kind, ZIP, "Das ZIP-Archiv ist beschädigt (damaged ZIP).")
    count, directory_size = declared
    if count > limits.max_entries or directory_size > max(
        65_536, limits.max_entries * limits.max_directory_bytes_per_entry
    ):
        raise _bomb(
            f"Das Archiv hat zu viele Einträge ({count}; höchstens {limits.max_entries}) "
            f"(too many archive entries: {count} > {limits.max_entries}).",
            "too_many_entries",
        )
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos: list[zipfile.ZipInfo] = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise _refused(kind, ZIP, "Das ZIP-Archiv ist beschädigt (damaged ZIP).") from None
    if len(infos) > limits.max_entries:
        raise _bomb(
            f"Das Archiv hat zu viele Einträge ({len(infos)}; höchstens {limits.max_entries}) "
            f"(too many archive entries).",
            "too_many_entries",
        )
    total = 0
    for info in infos:
        if _unsafe_name(info.filename):
            raise _bomb(
                f"Unzulässiger Name im Archiv: {info.filename[:80]!r} "
                "(absolute or parent-directory path inside the archive).",
                "unsafe_entry_name",
            )
        if info.flag_bits & 0x1:
            raise _bomb(
                "Verschlüsselte Archiveinträge sind nicht erlaubt (encrypted entries cannot "
                "be checked for malware).",
                "encrypted_entry",
            )
        total += info.file_size
        if info.file_size > limits.ratio_applies_above and info.file_size > (
            limits.max_ratio * max(info.compress_size, 1)
        ):
            raise _bomb(
                f"Der Eintrag {info.filename[:80]!r} ist unplausibel stark komprimiert "
                f"(compression ratio above {limits.max_ratio}:1: archive bomb?).",
                "compression_ratio",
            )
    if total > limits.max_total_uncompressed:
        raise _bomb(
            f"Das Archiv ist entpackt zu groß ({total // MiB} MiB; höchstens "
            f"{limits.max_total_uncompressed // MiB} MiB) (declared uncompressed size too large).",
            "uncompressed_too_large",
        )
    return {info.filename for info in infos}
