"""Which client address the app sees behind `grants serve`: by default the connection's, whatever
``X-Forwarded-For`` claims; the proxy's header only when ``GRANTS_TRUSTED_PROXIES`` names the
proxy. Checked on a real process (uvicorn applies proxy headers, not the app) through the
address the login throttle counts failures under."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.databases import asyncpg_dsn

FORGED = "203.0.113.7"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _failed_login_through(database_url: str, data_dir: Path, trusted: str | None) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "GRANTS_DATABASE_URL": database_url,
        "GRANTS_DATA_DIR": str(data_dir),
        "GRANTS_LOG_LEVEL": "WARNING",
    }
    env.pop("GRANTS_TRUSTED_PROXIES", None)
    if trusted is not None:
        env["GRANTS_TRUSTED_PROXIES"] = trusted
    grants = Path(sys.executable).with_name("grants")
    process = subprocess.Popen(  # noqa: S603 (our own console script)
        [str(grants), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90  # a bound on start-up, not an assertion on speed
        while True:
            try:
                httpx.get(f"{base}/health/ready", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, "grants serve ended early"
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        response = httpx.post(
            f"{base}/api/auth/login",
            json={"email": "nobody@example.org", "password": "not-the-password-1"},
            headers={"X-Forwarded-For": FORGED},
            timeout=30,
        )
        assert response.status_code == 401, response.text
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode(errors="replace")


def _counted_addresses(database_url: str) -> list[str]:
    async def read() -> list[str]:
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            rows = await connection.fetch(
                "SELECT key FROM login_failure_counters WHERE key LIKE 'addr:%' ORDER BY key"
            )
            return [str(row["key"]).removeprefix("addr:") for row in rows]
        finally:
            await connection.close()

    return asyncio.run(read())


@pytest.mark.parametrize(
    ("trusted", "seen"),
    [
        (None, "127.0.0.1"),  # the default: nobody is trusted, the header is ignored
        ("10.0.0.0/8", "127.0.0.1"),  # a proxy elsewhere is trusted, this client is not
        ("127.0.0.1", FORGED),  # the local proxy is trusted: its header names the client
    ],
)
def test_forwarded_for_counts_only_from_a_trusted_proxy(
    committed_database_url: str, tmp_path: Path, trusted: str | None, seen: str
) -> None:
    _failed_login_through(committed_database_url, tmp_path, trusted)
    assert _counted_addresses(committed_database_url) == [seen]
