"""A private ClamAV daemon for the tests.

It loads only a signature database written here (one ``.ndb`` rule matching a harmless
marker string), so it starts in about a second, needs no freshclam and no network, and its
verdicts are deterministic. Started once per test session; listens on a UNIX socket and on a
TCP port of 127.0.0.1. On a machine without clamd (a fresh CI machine) it installs Debian's
``clamav-daemon`` first; if that is impossible the tests fail, saying why: a malware scanner
that silently is not tested is worse than a red build.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

MARKER = b"GRANTS-TEST-MALWARE-SIGNATURE-7f3a"
SIGNATURE = "Grants.Test.Marker"
# clamd appends ".UNOFFICIAL" to signatures of databases it cannot verify (ours).
REPORTED_SIGNATURE = f"{SIGNATURE}.UNOFFICIAL"
STREAM_MAX_BYTES = 1024 * 1024  # small, so tests can cross it cheaply
_CANDIDATES = ("/usr/sbin/clamd", "/usr/bin/clamd", "/usr/local/sbin/clamd")
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Clamd:
    socket_path: Path
    tcp_port: int
    startup_seconds: float
    log_path: Path

    @property
    def unix_address(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def tcp_address(self) -> str:
        return f"tcp://127.0.0.1:{self.tcp_port}"


def _find_clamd() -> str | None:
    found = shutil.which("clamd")
    if found:
        return found
    return next((path for path in _CANDIDATES if os.access(path, os.X_OK)), None)


def clamd_binary() -> str:
    """The clamd executable, installing ``clamav-daemon`` with apt-get when it is missing."""
    found = _find_clamd()
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail("clamd is not installed and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "clamav-daemon"])
    for step in steps:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            step, capture_output=True, text=True, env=env, timeout=600, check=False
        )
        if done.returncode != 0:
            pytest.fail(
                f"clamd is not installed and `{' '.join(step)}` failed "
                f"(exit {done.returncode}): {done.stderr[-2000:]}"
            )
    found = _find_clamd()
    if found is None:
        pytest.fail("clamav-daemon was installed but no clamd executable was found")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pong(socket_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(1.0)
            conn.connect(str(socket_path))
            conn.sendall(b"zPING\0")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


def write_config(base: Path, port: int) -> Path:
    database = base / "db"
    database.mkdir(parents=True)
    # Name:TargetType(0 = any file):Offset(* = anywhere):hex of the marker
    (database / "grants-test.ndb").write_text(f"{SIGNATURE}:0:*:{MARKER.hex()}\n")
    config = base / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"DatabaseDirectory {database}",
                f"LocalSocket {base / 'clamd.sock'}",
                f"TCPSocket {port}",
                "TCPAddr 127.0.0.1",
                "Foreground yes",
                f"LogFile {base / 'clamd.log'}",
                f"PidFile {base / 'clamd.pid'}",
                f"StreamMaxLength {STREAM_MAX_BYTES}",
                "ExitOnOOM yes",
                "",
            ]
        )
    )
    return config


@contextmanager
def running_clamd(base: Path) -> Iterator[Clamd]:
    binary = clamd_binary()
    port = _free_port()
    config = write_config(base, port)
    socket_path = base / "clamd.sock"
    log_path = base / "clamd.log"
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own config
        [binary, "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not _pong(socket_path):
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                log = log_path.read_text() if log_path.exists() else ""
                pytest.fail(f"clamd exited with {process.returncode}: {error}\n{log}")
            if time.monotonic() - started > _START_TIMEOUT:
                pytest.fail(f"clamd did not answer PING within {_START_TIMEOUT:.0f} s")
            time.sleep(0.02)
        yield Clamd(socket_path, port, time.monotonic() - started, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
