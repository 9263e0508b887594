"""`grants serve` on its embedded PostgreSQL never orphans the database: SIGTERM (what
systemd, Docker and process managers send) and SIGINT stop it, and after a crash (SIGKILL)
the next start recovers from the stale state by itself and stops the server cleanly again."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from grants.db.embedded import data_directory, prune_dead_handles
from tests.integration.test_serve import _free_port


def _postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """Running postgres processes whose command line names this data directory."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "postgres" in cmdline and str(pgdata) in cmdline:
            found.append(process)
    return found


def _postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().splitlines()[0])


def _start(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    grants = Path(sys.executable).with_name("grants")
    env = {k: v for k, v in os.environ.items() if k != "GRANTS_DATABASE_URL"}
    env |= {"GRANTS_DATA_DIR": str(data_dir), "GRANTS_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(  # noqa: S603 (our own console script)
        [str(grants), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise AssertionError(f"serve exited early: {output}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    process.kill()
    raise AssertionError("server did not come up")


def _wait_gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    # Whatever a failing test left running is stopped, so no test orphans a server either.
    for process in _postgres_processes(data_directory(tmp_path)):
        process.kill()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_serve_and_its_database(data_dir: Path, stop: signal.Signals) -> None:
    pgdata = data_directory(data_dir)
    process, base = _start(data_dir)
    postmaster = _postmaster_pid(pgdata)
    assert postmaster is not None and psutil.pid_exists(postmaster)
    assert httpx.get(f"{base}/api/calls", timeout=5).status_code == 200

    process.send_signal(stop)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output.decode(errors="replace")
    assert _wait_gone(postmaster), "the embedded PostgreSQL outlived grants serve"
    assert _postgres_processes(pgdata) == []
    assert not (pgdata / "postmaster.pid").exists()


def test_after_a_crash_the_next_start_recovers_and_stops_cleanly(data_dir: Path) -> None:
    pgdata = data_directory(data_dir)
    crashed, _ = _start(data_dir)
    crashed.kill()  # SIGKILL: no handler, no atexit; the database is left running
    crashed.wait(timeout=30)
    handles = json.loads((pgdata / ".handle_pids.json").read_text())
    assert crashed.pid in handles, "the crash left its handle behind (the stale state)"

    process, base = _start(data_dir)
    assert httpx.get(f"{base}/health/ready", timeout=5).status_code == 200
    assert crashed.pid not in json.loads((pgdata / ".handle_pids.json").read_text())
    postmaster = _postmaster_pid(pgdata)
    assert postmaster is not None

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output.decode(errors="replace")
    assert _wait_gone(postmaster), "a stale handle kept the database running"
    assert _postgres_processes(pgdata) == []


def test_prune_dead_handles_keeps_the_living(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([os.getpid(), dead.pid, os.getppid()]))
    assert prune_dead_handles(tmp_path) == [dead.pid]
    assert json.loads(handles.read_text()) == [os.getpid(), os.getppid()]
    handles.write_text("not json")
    assert prune_dead_handles(tmp_path) == []
    assert json.loads(handles.read_text()) == []
