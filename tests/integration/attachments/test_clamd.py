"""ClamdScanner against a real clamd (unix socket and TCP)."""

from collections.abc import AsyncIterator

import pytest

from grants.applications.attachments.scanner import ClamdScanner, ScannerUnavailable
from tests import attachment_files as files
from tests.clamd import MARKER, REPORTED_SIGNATURE, STREAM_MAX_BYTES, Clamd


async def _chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture(params=["unix", "tcp"])
def scanner(request: pytest.FixtureRequest, clamd: Clamd) -> ClamdScanner:
    return ClamdScanner(clamd.unix_address if request.param == "unix" else clamd.tcp_address)


def test_clamd_starts_quickly(clamd: Clamd) -> None:
    # A private database of one signature: no multi-second load of the official ones.
    assert clamd.startup_seconds < 30


async def test_ping_and_version(scanner: ClamdScanner) -> None:
    assert await scanner.ping()
    assert (await scanner.version()).startswith("ClamAV ")


async def test_clean_file(scanner: ClamdScanner) -> None:
    result = await scanner.scan(_chunks(files.pdf(), size=64))
    assert result.clean
    assert result.signature is None


async def test_marker_is_found_even_across_chunk_boundaries(scanner: ClamdScanner) -> None:
    # Seven-byte chunks split the marker over several INSTREAM chunks.
    result = await scanner.scan(_chunks(files.pdf(b"before " + MARKER + b" after")))
    assert not result.clean
    assert result.signature == REPORTED_SIGNATURE


async def test_marker_inside_a_spreadsheet_is_found(scanner: ClamdScanner) -> None:
    data = files.xlsx({"xl/sharedStrings.xml": b"<sst>" + MARKER + b"</sst>"})
    result = await scanner.scan(_chunks(data, size=4096))
    assert result.signature == REPORTED_SIGNATURE


async def test_daemon_refuses_streams_above_its_limit(clamd: Clamd) -> None:
    """clamd stops at its StreamMaxLength and says so; that is never clean."""
    scanner = ClamdScanner(clamd.tcp_address, stream_max_bytes=10 * STREAM_MAX_BYTES)
    with pytest.raises(ScannerUnavailable):
        await scanner.scan(_chunks(bytes(2 * STREAM_MAX_BYTES), size=64 * 1024))
    assert await scanner.ping()  # and the daemon is fine afterwards


async def test_client_does_not_send_what_the_daemon_would_refuse(clamd: Clamd) -> None:
    scanner = ClamdScanner(clamd.unix_address, stream_max_bytes=STREAM_MAX_BYTES)
    with pytest.raises(ScannerUnavailable, match="StreamMaxLength"):
        await scanner.scan(_chunks(bytes(STREAM_MAX_BYTES + 1), size=64 * 1024))
