"""The embedded PostgreSQL server (``pgserver``: PostgreSQL 16 binaries in a wheel).

Used when ``GRANTS_DATABASE_URL`` is unset, so that a fresh clone runs with no database to
install. The server listens on a Unix socket inside the data directory only (no TCP port to
collide with or to expose) and stops when the last process that started it exits.
"""

import re
import warnings
from pathlib import Path

DATABASE_NAME = "grants"
_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def start_embedded_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) the server under ``data_dir/postgres`` and make sure ``database``
    exists. Returns a ``postgresql://`` URL using the Unix socket."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver copes.
        warnings.simplefilter("ignore")
        import pgserver  # noqa: PLC0415 (only needed when no external server is configured)

    if not _SAFE_NAME.match(database):
        raise ValueError(f"unsafe database name {database!r}")

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri: str = server.get_uri(database)
    return uri
