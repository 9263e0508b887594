"""Scale-out: the authenticated path (``GET /api/me``) served by 1, then 2 uvicorn worker
processes (``uvicorn --workers N``, as ``grants serve --workers N`` runs them), the same load,
the same run.

    .venv/bin/python bench/scale_bench.py [--duration S] [--runs N] [--connections C]

How it is fair on two cores: the load generator (``bench/loadgen.py``) needs a core of its
own at these rates, so a second worker can only win what the load generator leaves idle.
Nothing is pinned; next to req/s the script prints the CPU the workers used per request
(summed over every worker process) and how busy the whole machine was. If the CPU per
request stays flat from 1 to 2 workers, the processes do not get in each other's way
(no shared lock, no per-process state that makes them re-do work), and throughput grows with
cores until the database is the limit; the req/s ratio on this machine shows what two
shared cores allow. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from http_bench import (
    LOADGEN,
    Account,
    Server,
    fmt,
    free_port,
    prepare_database,
    ratio,
    table,
    uvicorn_command,
)

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """The process and its children (uvicorn's supervisor and its workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return [pid, *children]


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _CLK_TCK


def measure(server: Server, token: str, args: argparse.Namespace) -> dict[str, Any]:
    pids = _tree(server.pid)
    before = _cpu_seconds(pids)
    command = [
        sys.executable,
        str(LOADGEN),
        "--port",
        str(server.port),
        "--path",
        "/api/me",
        "--header",
        f"Authorization: Bearer {token}",
        "--connections",
        str(args.connections),
        "--duration",
        str(args.duration),
        "--warmup",
        str(args.warmup),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output)
    # The warm-up is in the CPU figure too: per request over every response sent.
    used = _cpu_seconds(pids) - before
    window = args.duration + args.warmup
    result["server_cpu_pct"] = 100 * used / window
    result["server_ms_per_request"] = 1000 * used / max(1, result["rps"] * window)
    result["machine_busy_pct"] = sum(result.get("core_busy_pct", {}).values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"$ {' '.join(sys.argv)}")
    print(f"cores: {os.cpu_count()}, nothing pinned, {args.connections} connections")
    database = prepare_database(None, keep=False)
    logs = Path(tempfile.mkdtemp(prefix="grants-scale-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
        "GRANTS_DATABASE_URL": database.url,
        "GRANTS_LOG_LEVEL": "WARNING",
    }
    results: dict[int, list[dict[str, Any]]] = {n: [] for n in args.workers}
    token = ""
    try:
        for run in range(1, args.runs + 1):
            for workers in args.workers:
                port = free_port()
                server = Server(
                    f"grants x{workers}",
                    uvicorn_command(
                        port,
                        "--factory",
                        "grants.app:create_app_from_env",
                        "--workers",
                        str(workers),
                    ),
                    env,
                    port,
                    logs / f"grants-{workers}.log",
                    None,
                )
                server.start("/health/ready")
                try:
                    if not token:
                        account = Account.register(server.base_url, database.url)
                        token = account.access_token(server.base_url)
                    result = measure(server, token, args)
                finally:
                    server.stop()
                results[workers].append(result)
                print(
                    f"run {run}/{args.runs} workers {workers}: {fmt(result['rps'], 0)} req/s, "
                    f"p99 {fmt(result['p99_ms'])} ms, workers' CPU "
                    f"{fmt(result['server_cpu_pct'], 0)} % of a core "
                    f"({fmt(result['server_ms_per_request'], 3)} ms per request), loadgen "
                    f"{fmt(result['client_cpu_pct'], 0)} %, machine busy "
                    f"{fmt(result['machine_busy_pct'], 0)} % of {100 * (os.cpu_count() or 1)} %"
                )
    finally:
        if database.cleanup:
            database.cleanup()

    def median(workers: int, key: str) -> float:
        return statistics.median(float(r[key]) for r in results[workers])

    base = args.workers[0]
    rows = [
        [
            str(n),
            fmt(median(n, "rps"), 0),
            fmt(median(n, "p50_ms")),
            fmt(median(n, "p99_ms")),
            fmt(median(n, "server_cpu_pct"), 0),
            fmt(median(n, "server_ms_per_request"), 3),
            fmt(median(n, "client_cpu_pct"), 0),
            fmt(median(n, "machine_busy_pct"), 0),
            fmt(ratio(median(n, "rps"), median(base, "rps"))),
        ]
        for n in args.workers
    ]
    header = ["workers", "req/s", "p50 ms", "p99 ms", "workers CPU %", "CPU ms/req"]
    print()
    print(table([*header, "loadgen CPU %", "machine busy %", f"req/s vs {base}"], rows))


if __name__ == "__main__":
    main()
