import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from grants.applications.attachments.scanner import (
    ClamdAddress,
    ClamdScanner,
    DisabledScanner,
    ScannerUnavailable,
    ScanResult,
    _verdict,
    scanner_from_settings,
    scans,
)
from grants.settings import load_settings


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("tcp://clamav:3310", ClamdAddress(host="clamav", port=3310)),
        ("tcp://127.0.0.1:3310", ClamdAddress(host="127.0.0.1", port=3310)),
        ("unix:///run/clamav/clamd.ctl", ClamdAddress(path=Path("/run/clamav/clamd.ctl"))),
    ],
)
def test_addresses(address: str, expected: ClamdAddress) -> None:
    assert ClamdAddress.parse(address) == expected
    assert str(expected) == address


@pytest.mark.parametrize(
    "address",
    ["clamav:3310", "tcp://clamav", "tcp://:3310", "unix://relative/path", "http://x:1", ""],
)
def test_bad_addresses(address: str) -> None:
    with pytest.raises(ValueError, match="clamd address"):
        ClamdAddress.parse(address)


@pytest.mark.parametrize(
    ("reply", "result"),
    [
        ("stream: OK", ScanResult(clean=True, detail="clamd: OK")),
        (
            "stream: Win.Test.EICAR_HDB-1 FOUND",
            ScanResult(False, "Win.Test.EICAR_HDB-1", "stream: Win.Test.EICAR_HDB-1 FOUND"),
        ),
    ],
)
def test_replies(reply: str, result: ScanResult) -> None:
    assert _verdict(reply) == result


@pytest.mark.parametrize(
    "reply", ["INSTREAM size limit exceeded. ERROR", "stream: Can't allocate memory ERROR", "?"]
)
def test_errors_are_never_clean(reply: str) -> None:
    with pytest.raises(ScannerUnavailable):
        _verdict(reply)


async def test_disabled_scanner_says_so() -> None:
    result = await DisabledScanner().scan(_chunks(b"x"))
    # Nobody looked: never "clean" (the upload becomes not_scanned).
    assert (result.scanned, result.clean, result.signature) == (False, False, None)
    assert "no scanner" in (result.detail or "")
    assert not scans(DisabledScanner())
    assert scans(ClamdScanner("tcp://127.0.0.1:3310"))


async def test_unreachable_daemon(tmp_path: Path) -> None:
    scanner = ClamdScanner(f"unix://{tmp_path}/nothing.sock", connect_timeout=1)
    with pytest.raises(ScannerUnavailable, match="unreachable"):
        await scanner.scan(_chunks(b"%PDF-"))
    assert not await scanner.ping()


async def test_a_silent_daemon_times_out(tmp_path: Path) -> None:
    """A daemon that accepts and never answers must not hang the upload."""
    path = tmp_path / "silent.sock"

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_unix_server(swallow, path)
    async with server:
        scanner = ClamdScanner(f"unix://{path}", timeout=0.3)
        with pytest.raises(ScannerUnavailable, match="no answer"):
            await scanner.scan(_chunks(b"%PDF-"))


async def test_the_protocol_frames_chunks(tmp_path: Path) -> None:
    """What goes over the wire: the command, length-prefixed chunks, a zero terminator."""
    path = tmp_path / "fake.sock"
    received = bytearray()

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.readuntil(b"\0"))
        while True:
            size = int.from_bytes(await reader.readexactly(4), "big")
            received.extend(size.to_bytes(4, "big"))
            if size == 0:
                break
            received.extend(await reader.readexactly(size))
        writer.write(b"stream: OK\0")
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(record, path)
    async with server:
        result = await ClamdScanner(f"unix://{path}").scan(_chunks(b"ab", b"", b"c" * 70_000))
    assert result.clean
    assert bytes(received) == (
        b"zINSTREAM\0"
        + (2).to_bytes(4, "big")
        + b"ab"
        + (65536).to_bytes(4, "big")
        + b"c" * 65536
        + (70_000 - 65536).to_bytes(4, "big")
        + b"c" * (70_000 - 65536)
        + bytes(4)
    )


async def test_files_above_the_stream_limit_are_not_sent(tmp_path: Path) -> None:
    path = tmp_path / "fake.sock"

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_unix_server(answer, path)
    async with server:
        scanner = ClamdScanner(f"unix://{path}", stream_max_bytes=1000)
        with pytest.raises(ScannerUnavailable, match="StreamMaxLength"):
            await scanner.scan(_chunks(b"x" * 600, b"x" * 600))


def test_scanner_from_settings() -> None:
    assert isinstance(scanner_from_settings(load_settings(clamd_address=None)), DisabledScanner)
    scanner = scanner_from_settings(load_settings(clamd_address="tcp://clamav:3310"))
    assert isinstance(scanner, ClamdScanner)
    assert scanner.address == ClamdAddress(host="clamav", port=3310)
