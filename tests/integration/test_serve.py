"""`grants serve` as a user runs it: a real process on a free port, migrations, readiness,
the docs page, guideline versions recorded at start-up, and a clean stop on SIGINT."""

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

from tests.databases import asyncpg_dsn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_migrates_serves_and_stops_cleanly(
    committed_database_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    grants = Path(sys.executable).with_name("grants")
    env = {
        **os.environ,
        "GRANTS_DATABASE_URL": committed_database_url,
        "GRANTS_DATA_DIR": str(tmp_path),
        "GRANTS_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: S603 (our own console script)
        [str(grants), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"{base}/health/ready", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, "server did not come up"
        assert ready.status_code == 200
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200
        assert httpx.get(f"{base}/api/calls", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode(errors="replace")

    async def recorded() -> int:
        connection = await asyncpg.connect(asyncpg_dsn(committed_database_url))
        try:
            count: int = await connection.fetchval("SELECT count(*) FROM guideline_versions")
            return count
        finally:
            await connection.close()

    assert asyncio.run(recorded()) == 1
