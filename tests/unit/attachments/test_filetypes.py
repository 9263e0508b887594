import io
import struct
import zipfile
from pathlib import Path

import pytest

from grants.applications.attachments.filetypes import (
    ACCEPTED_FORMS,
    CFB,
    DOCX,
    PDF,
    XLSX,
    ZIP,
    ZipLimits,
    detect,
)
from grants.core.attachments import AttachmentKind
from grants.core.errors import InvalidInput, UnsupportedContent
from tests import attachment_files as files

K = AttachmentKind


def _detect(tmp_path: Path, data: bytes, kind: AttachmentKind, **limits: int) -> str:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return detect(path, len(data), kind, ZipLimits(**limits))


def _refused(tmp_path: Path, data: bytes, kind: AttachmentKind) -> UnsupportedContent:
    with pytest.raises(UnsupportedContent) as caught:
        _detect(tmp_path, data, kind)
    return caught.value


def _bomb(tmp_path: Path, data: bytes, **limits: int) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        _detect(tmp_path, data, K.BUDGET, **limits)
    return caught.value


@pytest.mark.parametrize("kind", list(AttachmentKind))
def test_pdf_is_allowed_for_every_kind(tmp_path: Path, kind: AttachmentKind) -> None:
    assert _detect(tmp_path, files.pdf(), kind) == PDF


@pytest.mark.parametrize("kind", [K.BUDGET, K.OTHER])
def test_xlsx_is_allowed_for_budget_and_other(tmp_path: Path, kind: AttachmentKind) -> None:
    assert _detect(tmp_path, files.xlsx(), kind) == XLSX


@pytest.mark.parametrize("kind", [K.CONCEPT, K.SUPPORT_LETTER])
def test_xlsx_is_refused_for_pdf_only_kinds(tmp_path: Path, kind: AttachmentKind) -> None:
    error = _refused(tmp_path, files.xlsx(), kind)
    assert error.extra == {
        "detected": ZIP,
        "allowed": [PDF],
        "accepted_forms": list(ACCEPTED_FORMS),
    }
    assert "PDF" in error.detail


def test_empty_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        _detect(tmp_path, b"", K.CONCEPT)
    assert caught.value.problems[0].rule == "empty"


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    whole = files.pdf(padding=3000)
    error = _refused(tmp_path, whole[: len(whole) // 2], K.CONCEPT)
    assert error.extra["detected"] == PDF
    assert "truncated" in error.detail


def test_pdf_trailer_may_be_followed_by_a_little_whitespace(tmp_path: Path) -> None:
    assert _detect(tmp_path, files.pdf() + b"\r\n\x00" * 20, K.CONCEPT) == PDF


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (files.PNG, "image/png"),
        (b"MZ\x90\x00" + bytes(200), "application/vnd.microsoft.portable-executable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), CFB),
        (b"hello, plain text", "application/octet-stream"),
        (b"%PD", "application/octet-stream"),
    ],
)
def test_other_content_is_refused_naming_what_it_is(
    tmp_path: Path, data: bytes, detected: str
) -> None:
    error = _refused(tmp_path, data, K.OTHER)
    assert error.extra == {
        "detected": detected,
        "allowed": [PDF, XLSX],
        "accepted_forms": list(ACCEPTED_FORMS),
    }


def test_the_name_of_a_zip_is_irrelevant_its_entries_decide(tmp_path: Path) -> None:
    assert _refused(tmp_path, files.docx(), K.BUDGET).extra["detected"] == DOCX
    plain = files._zip({"readme.txt": "hi"})
    assert _refused(tmp_path, plain, K.BUDGET).extra["detected"] == ZIP


def test_damaged_zip_is_refused(tmp_path: Path) -> None:
    error = _refused(tmp_path, files.xlsx()[:200], K.BUDGET)
    assert "damaged" in error.detail


def test_too_many_entries(tmp_path: Path) -> None:
    error = _bomb(tmp_path, files.xlsx_with_entries(10_000))
    assert error.problems[0].rule == "too_many_entries"
    assert "10004" in error.detail


def test_entry_count_is_read_before_the_directory_is_parsed(tmp_path: Path) -> None:
    """A directory far larger than its declared count would suggest is refused too."""
    data = bytearray(files.xlsx_with_entries(2000))
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 5, 5)  # claim 5 entries
    error = _bomb(tmp_path, bytes(data))
    assert error.problems[0].rule == "too_many_entries"


def test_absurd_compression_ratio(tmp_path: Path) -> None:
    error = _bomb(tmp_path, files.xlsx_bomb())
    assert error.problems[0].rule == "compression_ratio"


def test_small_compressible_entries_are_fine(tmp_path: Path) -> None:
    assert _detect(tmp_path, files.xlsx({"xl/styles.xml": bytes(1024 * 1024)}), K.BUDGET) == XLSX


def test_declared_total_size(tmp_path: Path) -> None:
    error = _bomb(tmp_path, files.xlsx_large_total())
    assert error.problems[0].rule == "uncompressed_too_large"


@pytest.mark.parametrize(
    "name", ["../evil.txt", "xl/../../evil.txt", "/etc/cron.d/evil", "C:/evil.txt", "..\\x.txt"]
)
def test_entry_names_must_stay_inside(tmp_path: Path, name: str) -> None:
    error = _bomb(tmp_path, files.xlsx_with_name(name))
    assert error.problems[0].rule == "unsafe_entry_name"


def test_encrypted_entries_are_refused(tmp_path: Path) -> None:
    data = bytearray(files.xlsx())
    # Set the "encrypted" flag in the central directory entry of the first member.
    at = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, at + 8)[0]
    struct.pack_into("<H", data, at + 8, flags | 1)
    error = _bomb(tmp_path, bytes(data))
    assert error.problems[0].rule == "encrypted_entry"


def test_limits_are_configurable(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        _detect(tmp_path, files.xlsx(), K.BUDGET, max_entries=2)


def test_zip64_directory_counts_are_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files._XLSX_PARTS.items():
            archive.writestr(name, content)
    data = buffer.getvalue()
    at = data.rfind(b"PK\x05\x06")
    _, directory_size, directory_offset = struct.unpack_from("<HII", data, at + 10)
    # Rewrite as ZIP64: a zip64 end record and locator before a saturated classic record.
    record = struct.pack(
        "<4sQHHIIQQQQ",
        b"PK\x06\x06",
        44,
        45,
        45,
        0,
        0,
        5000,
        5000,
        directory_size,
        directory_offset,
    )
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, at, 1)
    classic = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, directory_size, directory_offset, 0
    )
    zip64 = data[:at] + record + locator + classic
    error = _bomb(tmp_path, zip64)
    assert "5000" in error.detail
