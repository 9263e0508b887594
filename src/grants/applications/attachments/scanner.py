"""Malware scanning: a ``Scanner`` protocol, ClamAV's daemon over its INSTREAM protocol, and
a stand-in for development without a daemon, which scans nothing and says so (``not_scanned``,
never ``clean``).

The protocol is small enough to speak directly with asyncio (no thread per scan, no client
library to keep in step with clamd): send ``zINSTREAM\\0``, then chunks each prefixed with
their length as a 4-byte big-endian integer, then a zero length; clamd answers one
NUL-terminated line: ``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``.

clamd refuses streams longer than its ``StreamMaxLength`` (Debian: 25 MiB) by answering
``INSTREAM size limit exceeded. ERROR`` and closing the connection. A refused or unfinished
scan never counts as clean: it raises ``ScannerUnavailable`` and the caller keeps the file in
quarantine for a later retry.
"""

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from grants.settings import Settings

DEFAULT_STREAM_MAX_BYTES = 25 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024
_REPLY_MAX_BYTES = 4096


@dataclass(frozen=True, slots=True)
class ScanResult:
    clean: bool
    signature: str | None = None
    detail: str | None = None
    # False: nobody looked (no scanner configured); then ``clean`` is False too and means
    # nothing, and the file is ``not_scanned``.
    scanned: bool = True


class ScannerUnavailable(Exception):
    """The scanner could not decide: unreachable, too slow, or it answered with an error."""


@runtime_checkable  # Litestar checks injected values against the annotation
class Scanner(Protocol):
    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult: ...


NOT_SCANNED = ScanResult(
    clean=False, scanned=False, detail="not scanned: no scanner configured (GRANTS_CLAMD_ADDRESS)"
)


class DisabledScanner:
    """Development without ClamAV (``GRANTS_CLAMD_ADDRESS`` unset; refused in production):
    every file is reported as not scanned, never as clean."""

    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        return NOT_SCANNED


def scans(scanner: Scanner) -> bool:
    """Whether ``scanner`` looks at files at all (anything but the development stand-in)."""
    return not isinstance(scanner, DisabledScanner)


@dataclass(frozen=True, slots=True)
class ClamdAddress:
    host: str | None = None
    port: int | None = None
    path: Path | None = None

    @classmethod
    def parse(cls, address: str) -> "ClamdAddress":
        """``tcp://host:port`` or ``unix:///absolute/path``."""
        parts = urlsplit(address)
        if parts.scheme == "unix" and parts.path.startswith("/") and not parts.netloc:
            return cls(path=Path(parts.path))
        if parts.scheme == "tcp" and parts.hostname:
            try:
                port = parts.port
            except ValueError:
                port = None
            if port:
                return cls(host=parts.hostname, port=port)
        raise ValueError(
            f"clamd address {address!r}: expected tcp://host:port or unix:///path/to/socket"
        )

    def __str__(self) -> str:
        return f"unix://{self.path}" if self.path else f"tcp://{self.host}:{self.port}"


class ClamdScanner:
    def __init__(
        self,
        address: str | ClamdAddress,
        *,
        timeout: float = 120.0,
        connect_timeout: float = 5.0,
        stream_max_bytes: int = DEFAULT_STREAM_MAX_BYTES,
    ) -> None:
        self.address = address if isinstance(address, ClamdAddress) else ClamdAddress.parse(address)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        # Must not exceed clamd's StreamMaxLength; larger files are refused before sending.
        self.stream_max_bytes = stream_max_bytes

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            async with asyncio.timeout(self.connect_timeout):
                if self.address.path is not None:
                    return await asyncio.open_unix_connection(self.address.path)
                return await asyncio.open_connection(self.address.host, self.address.port)
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"clamd at {self.address} unreachable: {exc!r}") from exc

    async def _command(self, command: bytes) -> str:
        reader, writer = await self._connect()
        try:
            async with asyncio.timeout(self.timeout):
                writer.write(b"z" + command + b"\0")
                await writer.drain()
                return await _reply(reader)
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"clamd at {self.address}: {exc!r}") from exc
        finally:
            await _close(writer)

    async def ping(self) -> bool:
        try:
            return await self._command(b"PING") == "PONG"
        except ScannerUnavailable:
            return False

    async def version(self) -> str:
        return await self._command(b"VERSION")

    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        reader, writer = await self._connect()
        try:
            async with asyncio.timeout(self.timeout):
                reply = await self._instream(reader, writer, chunks)
        except TimeoutError as exc:
            raise ScannerUnavailable(f"clamd at {self.address}: no answer in time") from exc
        finally:
            await _close(writer)
        return _verdict(reply)

    async def _instream(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        chunks: AsyncIterable[bytes],
    ) -> str:
        sent = 0
        try:
            writer.write(b"zINSTREAM\0")
            async for chunk in chunks:
                for start in range(0, len(chunk), _CHUNK_BYTES):
                    piece = chunk[start : start + _CHUNK_BYTES]
                    sent += len(piece)
                    if sent > self.stream_max_bytes:
                        raise ScannerUnavailable(
                            f"file larger than clamd's StreamMaxLength ({self.stream_max_bytes} "
                            "bytes); not scanned"
                        )
                    writer.write(struct.pack(">I", len(piece)) + piece)
                    await writer.drain()
            writer.write(struct.pack(">I", 0))
            await writer.drain()
        except OSError as exc:
            # clamd hangs up early when it refuses the stream; its reason is worth more.
            try:
                reason = await asyncio.wait_for(_reply(reader), 1.0)
            except (OSError, TimeoutError, ScannerUnavailable):
                reason = repr(exc)
            raise ScannerUnavailable(f"clamd at {self.address} broke off: {reason}") from exc
        try:
            return await _reply(reader)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self.address}: {exc!r}") from exc


async def _reply(reader: asyncio.StreamReader) -> str:
    data = bytearray()
    while len(data) < _REPLY_MAX_BYTES:
        chunk = await reader.read(_REPLY_MAX_BYTES - len(data))
        if not chunk:
            break
        data += chunk
        if b"\0" in chunk:
            break
    if not data:
        raise ScannerUnavailable("clamd closed the connection without an answer")
    return bytes(data).split(b"\0", 1)[0].decode("utf-8", "replace").strip()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


def _verdict(reply: str) -> ScanResult:
    # e.g. "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    body = reply.removeprefix("stream:").strip()
    if body == "OK":
        return ScanResult(clean=True, detail="clamd: OK")
    if body.endswith(" FOUND"):
        signature = body.removesuffix(" FOUND").strip() or "unknown"
        return ScanResult(clean=False, signature=signature, detail=reply)
    raise ScannerUnavailable(f"clamd could not scan: {reply[:200]}")


def scanner_from_settings(settings: Settings) -> Scanner:
    if settings.clamd_address:
        return ClamdScanner(settings.clamd_address)
    return DisabledScanner()
