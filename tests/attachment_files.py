"""Files for the attachment tests, built here byte by byte so that every test says exactly
what it uploads: small PDFs, spreadsheets, and the archives that must be refused."""

import io
import zipfile

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
MiB = 1024 * 1024


def pdf(text: bytes = b"Projektskizze MakerSpace Schneeberg", *, padding: int = 0) -> bytes:
    """A small, well-formed PDF (one empty page); ``text`` sits in a comment line."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    out += b"% " + text + b"\n" + b"% " + b"x" * padding + b"\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    ),
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships/>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook><sheets/></workbook>',
    "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet><sheetData/></worksheet>',
}


def _zip(entries: dict[str, bytes | str], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx(extra: dict[str, bytes | str] | None = None) -> bytes:
    return _zip({**_XLSX_PARTS, **(extra or {})})


def docx() -> bytes:
    return _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"})


def xlsx_with_entries(count: int) -> bytes:
    """A workbook followed by ``count`` tiny entries (the 10,000-entry archive)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in _XLSX_PARTS.items():
            archive.writestr(name, content)
        for index in range(count):
            archive.writestr(f"xl/media/e{index}.txt", b"")
    return buffer.getvalue()


def xlsx_bomb(size: int = 20 * MiB) -> bytes:
    """A workbook with one entry of ``size`` zero bytes: about 1000:1 compressed."""
    return _zip({**_XLSX_PARTS, "xl/sharedStrings.xml": bytes(size)}, level=9)


def xlsx_large_total(entries: int = 12, each: int = 9 * MiB) -> bytes:
    """Many entries, each below the ratio rule's floor, together above 100 MiB."""
    extra: dict[str, bytes | str] = {f"xl/media/big{i}.bin": bytes(each) for i in range(entries)}
    return _zip({**_XLSX_PARTS, **extra}, level=1)


def xlsx_with_name(name: str) -> bytes:
    return xlsx({name: "x"})
