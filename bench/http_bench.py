"""HTTP benchmark: requests/s and latency of ``/health/live``, of an authenticated
``GET /api/me`` and of the anonymous eligibility pre-check ``POST /api/eligibility-checks``
(a fixed proposal with 20 cost lines), next to a bare Litestar "hello" app measured in the
same run.

    .venv/bin/python bench/http_bench.py [--duration S] [--runs N] [--connections C]

Each server is one uvicorn worker (uvloop, httptools, no access log) pinned to CPU 0; the load
generator (``bench/loadgen.py``, or ``wrk`` with ``--loadgen wrk``) runs in its own process
pinned to CPU 1, over keep-alive connections on loopback. The targets are measured in turns
(hello, live, me, pre-check; hello, ...) and each figure is the median over the runs. The
machine is shared and noisy, so read the ratios against the bare app rather than the
absolute numbers. Nothing here asserts on time: it prints figures and writes them as JSON to
``bench/results/`` (git-ignored).

The real app gets a throwaway database (``grants_bench``, dropped and created on the server of
``GRANTS_TEST_DATABASE_URL``/``TEST_DATABASE_URL``/``GRANTS_DATABASE_URL``, else on the local
server at 127.0.0.1:5432, else on the embedded server under ``var/bench``), migrated to head,
with one registered applicant whose access token the ``/api/me`` requests carry. It runs with
``GRANTS_PRECHECK_REQUESTS_PER_MINUTE=100000000``: the pre-check's per-address limit counts
every request, as in production (one upsert in PostgreSQL), but is never reached (with the
default of 60, every request after the 60th in a minute from 127.0.0.1 would be a 429).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
LOADGEN = BENCH_DIR / "loadgen.py"
BENCH_DATABASE = "grants_bench"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVER_URL_VARIABLES = ("GRANTS_TEST_DATABASE_URL", "TEST_DATABASE_URL", "GRANTS_DATABASE_URL")
UVICORN_FLAGS = ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
UVICORN_FLAGS += ["--log-level", "warning"]


# ---------------------------------------------------------------------------------------------
# The pre-check's request body

PRECHECK_SEED = 20261125
PRECHECK_COST_LINES = 20
# Rates of the FRL LIfD cost categories (src/grants/guidelines/frl-lifd-2023.yaml) and the cap of
# the stationary line, only to pick a requested grant the check accepts; check_once verifies
# the verdict, so a changed guideline fails loudly there instead of benchmarking a rejection.
PRECHECK_RATES = {
    "equipment": Decimal("0.80"),
    "personnel": Decimal("0.60"),
    "material": Decimal("0.60"),
    "rent": Decimal("0.60"),
    "construction": Decimal("0"),
}
PRECHECK_CAP = Decimal("400000.00")
CENT = Decimal("0.01")


def precheck_proposal(seed: int = PRECHECK_SEED) -> dict[str, Any]:
    """A realistic pre-check: 20 cost lines over all five categories (construction is not
    eligible, so the verdict also excludes costs), the fundable grant requested in whole
    euros, own funds closing the plan. Deterministic: the same seed gives the same bytes.

    The demo call is open until 2027-06-30, and a project must not start before the
    application is received: with a planned start of 2027-01-01 the verdict is "eligible"
    for receipt dates up to 2027-01-01."""
    rng = random.Random(seed)
    categories = list(PRECHECK_RATES)
    cost_lines = []
    for number in range(1, PRECHECK_COST_LINES + 1):
        cents = rng.randrange(50_000, 2_500_001)  # 500.00 to 25,000.00 EUR
        cost_lines.append(
            {
                "category": rng.choice(categories),
                "description": f"Position {number}",
                "amount": f"{Decimal(cents) / 100:.2f}",
            }
        )
    total = sum((Decimal(line["amount"]) for line in cost_lines), Decimal("0.00"))
    exact = sum(
        (Decimal(line["amount"]) * PRECHECK_RATES[line["category"]] for line in cost_lines),
        Decimal("0.00"),
    )
    requested = min(exact, PRECHECK_CAP).quantize(Decimal("1"), rounding=ROUND_FLOOR)
    return {
        "call": "demo",
        "applicant_type": "nonprofit",
        "municipality_key": "14521530",
        "funding_line": "stationary",
        "objectives": ["a", "c", "e"],
        "planned_start": "2027-01-01",
        "planned_end": "2028-12-31",
        "economic_activity": False,
        "cost_lines": cost_lines,
        "financing": {
            "requested_grant": f"{requested:.2f}",
            "own_funds": f"{(total - requested).quantize(CENT):.2f}",
        },
    }


def precheck_body() -> bytes:
    return json.dumps(precheck_proposal(), separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class Target:
    name: str
    server: str  # key into the servers dict: "hello" or "grants"
    path: str
    authenticated: bool = False
    method: str = "GET"
    body: bytes | None = None  # sent as application/json
    expect_eligible: bool = False  # check_once also wants "eligible": true in the answer


BASELINE = Target("bare hello", "hello", "/hello")
PRECHECK = Target(
    "POST /api/eligibility-checks",
    "grants",
    "/api/eligibility-checks",
    method="POST",
    body=precheck_body(),
    expect_eligible=True,
)
TARGETS = (
    BASELINE,
    Target("/health/live", "grants", "/health/live"),
    Target("/api/me", "grants", "/api/me", authenticated=True),
    PRECHECK,
)
NAME_WIDTH = max(len(target.name) for target in TARGETS)
# The goal for the pre-check: at least this share of the bare app's requests/s.
PRECHECK_MIN_RPS_RATIO = 0.5
# The real app's environment for the benchmark, on top of the database URL and log level.
GRANTS_BENCH_ENV = {"GRANTS_PRECHECK_REQUESTS_PER_MINUTE": "100000000"}


# ---------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    log: Path
    cpu: int | None
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str, timeout: float = 60.0) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if self.cpu is not None:
            # Pinned before the interpreter gets far enough to start threads; they inherit it.
            os.sched_setaffinity(self.process.pid, {self.cpu})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited:\n{self.log_tail()}")
            try:
                if httpx.get(self.base_url + ready_path, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.name} server not ready after {timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text("utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def uvicorn_command(port: int, *app: str) -> list[str]:
    address = ["--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "uvicorn", *app, *address, *UVICORN_FLAGS]


# ---------------------------------------------------------------------------------------------
# Database


def masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def with_database(url: str, database: str) -> str:
    """The same server (and credentials, socket, options), another database; plain
    ``postgresql://`` so that asyncpg and the app's settings both take it."""
    url = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def _recreate(server_url: str, database: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(with_database(server_url, "postgres"), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


async def _drop(server_url: str, database: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(with_database(server_url, "postgres"), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await connection.close()


async def _reachable(server_url: str) -> bool:
    import asyncpg

    try:
        connection = await asyncpg.connect(with_database(server_url, "postgres"), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await connection.close()
    return True


@dataclass
class Database:
    url: str
    description: str
    cleanup: Callable[[], None] | None = None


def prepare_database(given_url: str | None, keep: bool) -> Database:
    """The database the real app runs on, migrated to head."""
    from grants.db.migrate import upgrade

    if given_url:
        database = Database(given_url, "given with --database-url, used as it is")
    else:
        server_url, source = None, ""
        for variable in SERVER_URL_VARIABLES:
            if os.environ.get(variable):
                server_url, source = os.environ[variable], f"server of ${variable}"
                break
        if server_url is None:
            if asyncio.run(_reachable(LOCAL_SERVER)):
                server_url, source = LOCAL_SERVER, "local server 127.0.0.1:5432"
            else:
                from grants.db.embedded import start_embedded_postgres

                print("no PostgreSQL server given or reachable: starting the embedded one")
                server_url = start_embedded_postgres(PROJECT_DIR / "var" / "bench", "postgres")
                source = "embedded server under var/bench"
        asyncio.run(_recreate(server_url, BENCH_DATABASE))
        cleanup = None if keep else lambda: asyncio.run(_drop(server_url, BENCH_DATABASE))
        description = f"throwaway {BENCH_DATABASE!r} (dropped and created) on the {source}"
        database = Database(with_database(server_url, BENCH_DATABASE), description, cleanup)
    upgrade(database.url)
    load_municipalities(database.url)
    return database


def load_municipalities(database_url: str) -> None:
    """The shipped register, as `grants serve` loads it on first start (the pre-check body
    names a municipality; uvicorn alone does not load it)."""
    grants_cli = Path(sys.executable).parent / "grants"
    env = os.environ | {"GRANTS_DATABASE_URL": database_url}
    subprocess.run(
        [str(grants_cli), "municipalities", "import", "--shipped"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


# ---------------------------------------------------------------------------------------------
# The applicant whose token /api/me carries


_TOKEN_IN_LINK = re.compile(r"#token=([A-Za-z0-9_-]{43})")


async def confirmation_token(database_url: str, email: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        body = await connection.fetchval(
            "SELECT body_text FROM outbox_messages WHERE recipient = $1 AND kind = "
            "'registration_confirmation' ORDER BY created_at DESC LIMIT 1",
            email.lower(),
        )
    finally:
        await connection.close()
    match = _TOKEN_IN_LINK.search(body or "")
    if match is None:
        raise RuntimeError(f"no confirmation e-mail to {email}")
    return match.group(1)


@dataclass
class Account:
    email: str
    password: str

    @classmethod
    def register(cls, base_url: str, database_url: str) -> Account:
        """Register and follow the confirmation link, as an applicant does: the link's token
        is read from the queued e-mail (the database holds only its hash)."""
        account = cls(f"bench-{secrets.token_hex(4)}@example.org", secrets.token_urlsafe(16))
        body = {
            "email": account.email,
            "password": account.password,
            "display_name": "Bench",
            "organisation": {
                "legal_name": "Bench e.V.",
                "legal_form": "eingetragener Verein",
                "applicant_type": "nonprofit",
                "street": "Markt 1",
                "postal_code": "01067",
                "city": "Dresden",
                "municipality_key": "14612000",
            },
        }
        response = httpx.post(f"{base_url}/api/auth/register", json=body, timeout=30)
        if response.status_code != 202:
            raise RuntimeError(f"register: {response.status_code} {response.text}")
        token = asyncio.run(confirmation_token(database_url, account.email))
        response = httpx.post(
            f"{base_url}/api/auth/register/confirm", json={"token": token}, timeout=30
        )
        if response.status_code != 201:
            raise RuntimeError(f"confirm: {response.status_code} {response.text}")
        return account

    def access_token(self, base_url: str) -> str:
        body = {"email": self.email, "password": self.password}
        response = httpx.post(f"{base_url}/api/auth/login", json=body, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"login: {response.status_code} {response.text}")
        token: str = response.json()["access_token"]
        return token


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Settings:
    duration: float
    warmup: float
    runs: int
    connections: int
    loadgen: str
    server_cpu: int | None
    client_cpu: int | None
    pinning: str
    app_log_level: str


@dataclass
class Summary:
    target: Target
    runs: list[dict[str, Any]] = field(default_factory=list)

    def median(self, key: str) -> float:
        values = [float(run[key]) for run in self.runs if not math.isnan(float(run[key]))]
        return statistics.median(values) if values else math.nan

    @property
    def errors(self) -> int:
        return sum(int(run["non_2xx"]) + int(run["socket_errors"]) for run in self.runs)

    @property
    def statuses(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for run in self.runs:
            for status, count in run["statuses"].items():
                total[status] = total.get(status, 0) + count
        return total


def other_cpu_pct(run: dict[str, Any]) -> float:
    """CPU used by everything but the server and the load generator, in % of one core."""
    busy = sum(run["core_busy_pct"].values())
    mine = run["server_cpu_pct"] + run["client_cpu_pct"]
    return round(max(0.0, busy - mine), 1) if not math.isnan(mine) else math.nan


def measure(
    target: Target,
    server: Server,
    headers: list[str],
    settings: Settings,
    body_file: Path | None = None,
) -> dict[str, Any]:
    command = [sys.executable, str(LOADGEN), "--port", str(server.port), "--path", target.path]
    if target.method != "GET":
        command += ["--method", target.method]
    if target.body is not None:
        if body_file is None:
            raise ValueError(f"{target.name}: a body needs a body file for the load generator")
        command += ["--body-file", str(body_file), "--content-type", "application/json"]
    command += ["--connections", str(settings.connections), "--engine", settings.loadgen]
    command += ["--duration", str(settings.duration), "--warmup", str(settings.warmup)]
    command += ["--server-pid", str(server.pid)]
    if settings.client_cpu is not None:
        command += ["--cpu", str(settings.client_cpu)]
    for header in headers:
        command += ["--header", header]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=settings.warmup + settings.duration + 60,
        check=False,
    )
    if done.stderr.strip():
        print(done.stderr.rstrip(), file=sys.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}) on {target.name}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["other_cpu_pct"] = other_cpu_pct(result)
    if server.process is not None and server.process.poll() is not None:
        raise RuntimeError(f"{server.name} server died:\n{server.log_tail()}")
    return result


def check_once(target: Target, server: Server, headers: list[str]) -> None:
    """One request before the load, so that a wrong token, route or body fails loudly."""
    pairs = (header.partition(":") for header in headers)
    sent = {name.strip(): value.strip() for name, _, value in pairs}
    if target.body is not None:
        sent["Content-Type"] = "application/json"
    response = httpx.request(
        target.method, server.base_url + target.path, headers=sent, content=target.body, timeout=10
    )
    if response.status_code != 200:
        raise RuntimeError(f"{target.name}: {response.status_code} {response.text[:2000]}")
    note = ""
    if target.expect_eligible:
        try:
            verdict = response.json()
        except ValueError:
            verdict = None
        if not isinstance(verdict, dict) or verdict.get("eligible") is not True:
            raise RuntimeError(
                f'{target.name}: 200 but not "eligible": true, so the benchmark would measure '
                f"a rejection. Request body:\n{target.body!r}\nResponse body:\n{response.text}"
            )
        funding = verdict.get("funding") or {}
        note = (
            f"eligible, {len(verdict.get('results') or [])} rules, grant "
            f"{funding.get('grant')} of {funding.get('total_costs')} EUR; "
        )
    sent_body = "" if target.body is None else f" (request body {len(target.body)} bytes)"
    print(
        f"  check {target.name:<{NAME_WIDTH}} 200, {len(response.content)} bytes{sent_body}: "
        f"{note}{response.text[: max(0, 70 - len(note))]}"
    )


# ---------------------------------------------------------------------------------------------
# Report


def fmt(value: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def fmt_ratio(value: float) -> str:
    """Two decimals, four below 0.1 (where two would round a real difference away)."""
    return fmt(value, 2 if math.isnan(value) or value >= 0.1 else 4)


def ratio(value: float, base: float) -> float:
    return value / base if base and not math.isnan(base) and not math.isnan(value) else math.nan


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return " | ".join([first, *rest])

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def report(summaries: list[Summary]) -> str:
    base = summaries[0]
    base_rps, base_p99 = base.median("rps"), base.median("p99_ms")
    main_rows = []
    for summary in summaries:
        rps, p99 = summary.median("rps"), summary.median("p99_ms")
        main_rows.append(
            [
                summary.target.name,
                fmt(rps, 0),
                fmt(summary.median("p50_ms")),
                fmt(p99),
                str(summary.errors),
                fmt_ratio(ratio(rps, base_rps)) + "x",
                fmt_ratio(ratio(p99, base_p99)) + "x",
            ]
        )
    main = table(
        ["target", "req/s", "p50 ms", "p99 ms", "errors", "req/s vs hello", "p99 vs hello"],
        main_rows,
    )
    cpu_rows = []
    for summary in summaries:
        per_run = [
            fmt_ratio(ratio(run["rps"], base_run["rps"]))
            for run, base_run in zip(summary.runs, base.runs, strict=False)
        ]
        cpu_rows.append(
            [
                summary.target.name,
                fmt(summary.median("server_cpu_pct"), 0),
                fmt(summary.median("client_cpu_pct"), 0),
                fmt(summary.median("other_cpu_pct"), 0),
                fmt(summary.median("steal_pct"), 1),
                " ".join(per_run),
                ", ".join(f"{s}: {n}" for s, n in summary.statuses.items()) or "-",
            ]
        )
    cpu = table(
        [
            "target",
            "server CPU%",
            "loadgen CPU%",
            "other CPU%",
            "steal%",
            "req/s ratio per run",
            "statuses",
        ],
        cpu_rows,
    )
    goal = goal_line(precheck_goal(summaries))
    return f"{main}\n{goal}\n\n{cpu}" if goal else f"{main}\n\n{cpu}"


def precheck_goal(summaries: list[Summary]) -> dict[str, Any] | None:
    """The issue's goal for the pre-check, judged on the medians (reported, not asserted)."""
    by_target = {summary.target: summary for summary in summaries}
    if PRECHECK not in by_target or BASELINE not in by_target:
        return None
    measured = ratio(by_target[PRECHECK].median("rps"), by_target[BASELINE].median("rps"))
    return {
        "target": PRECHECK.name,
        "min_rps_ratio": PRECHECK_MIN_RPS_RATIO,
        "rps_ratio": measured,
        "met": None if math.isnan(measured) else measured >= PRECHECK_MIN_RPS_RATIO,
    }


def goal_line(goal: dict[str, Any] | None) -> str:
    if goal is None:
        return ""
    measured = goal["rps_ratio"]
    verdict = {True: "met", False: "NOT met", None: "not measured"}[goal["met"]]
    share = "n/a" if math.isnan(measured) else f"{100 * measured:.0f} %"
    return (
        f"Target (issue): {goal['target']} >= {100 * goal['min_rps_ratio']:.0f} % of bare hello "
        f"req/s: measured {fmt_ratio(measured)}x ({share}) -> {verdict} (reported, not asserted)"
    )


def without_nan(value: Any) -> Any:
    """NaN (a figure that could not be taken) as JSON null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [without_nan(item) for item in value]
    return value


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {
            name: version(name) for name in ("litestar", "uvicorn", "uvloop", "httptools")
        },
    }


# ---------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/s and p99 of /health/live, GET /api/me and POST "
        "/api/eligibility-checks next to a bare Litestar hello app, measured in the same run."
    )
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--runs", type=int, default=3, help="runs per target (median reported)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument(
        "--loadgen",
        choices=("python", "wrk"),
        default="python",
        help="python: bench/loadgen.py (default); wrk: wrk -t1 if on PATH",
    )
    parser.add_argument("--database-url", help="use this (migrated) database as it is")
    parser.add_argument("--keep-database", action="store_true", help=f"keep {BENCH_DATABASE}")
    parser.add_argument(
        "--app-log-level",
        default="WARNING",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        help="GRANTS_LOG_LEVEL of the real app (INFO turns its access log on)",
    )
    parser.add_argument("--server-cpu", type=int, default=0, help="CPU for the servers")
    parser.add_argument("--client-cpu", type=int, default=1, help="CPU for the load generator")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to CPUs")
    parser.add_argument("--json", type=Path, help="result file (default bench/results/...)")
    parser.add_argument("--no-json", action="store_true", help="do not write a result file")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.runs < 1 or args.connections < 1:
        parser.error("need --duration > 0, --warmup >= 0, --runs >= 1, --connections >= 1")
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    available = os.sched_getaffinity(0)
    server_cpu: int | None = args.server_cpu
    client_cpu: int | None = args.client_cpu
    if args.no_pin:
        server_cpu = client_cpu = None
        note = "not pinned (--no-pin)"
    elif server_cpu == client_cpu or not {server_cpu, client_cpu} <= available:
        server_cpu = client_cpu = None
        note = f"not pinned: CPUs {sorted(available)} available, two distinct ones needed"
    else:
        note = f"servers on CPU {server_cpu}, load generator on CPU {client_cpu}"
    return Settings(
        duration=args.duration,
        warmup=args.warmup,
        runs=args.runs,
        connections=args.connections,
        loadgen=args.loadgen,
        server_cpu=server_cpu,
        client_cpu=client_cpu,
        pinning=note,
        app_log_level=args.app_log_level,
    )


def print_preamble(command: str, started: datetime, machine: dict[str, Any], s: Settings) -> None:
    packages = machine["packages"]
    if s.loadgen == "wrk":
        engine = "wrk -t1 (one thread)"
    else:
        engine = "bench/loadgen.py (closed loop, asyncio protocols on uvloop)"
    print(f"$ {command}")
    print(f"date:     {started:%Y-%m-%d %H:%M:%S} UTC, cwd {Path.cwd()}")
    print(
        f"machine:  nproc {machine['nproc']} (os.cpu_count {machine['cpu_count']}), "
        f"{machine['cpu_model']}, Linux {machine['kernel']}, "
        f"load average {' '.join(map(str, machine['load_average']))}"
    )
    print(
        f"python:   {machine['python']}; litestar {packages['litestar']}, uvicorn "
        f"{packages['uvicorn']}, uvloop {packages['uvloop']}, httptools {packages['httptools']}"
    )
    print(
        f"load:     {engine}, {s.connections} keep-alive connections, {fmt(s.warmup, 1)} s "
        f"warm-up + {fmt(s.duration, 1)} s measured, {s.runs} run(s) per target, median"
    )
    print(f"pinning:  {s.pinning}")


def default_pool_size() -> object:
    from grants.settings import Settings as AppSettings

    return AppSettings.model_fields["database_pool_size"].default


def build_servers(database_url: str, settings: Settings, logs: Path) -> tuple[Server, Server]:
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    grants_env = base_env | {
        "GRANTS_DATABASE_URL": database_url,
        "GRANTS_LOG_LEVEL": settings.app_log_level,
        **GRANTS_BENCH_ENV,
    }
    hello_port, grants_port = free_port(), free_port()
    hello = Server(
        "hello",
        uvicorn_command(hello_port, "--app-dir", str(BENCH_DIR), "hello_app:app"),
        base_env,
        hello_port,
        logs / "hello.log",
        settings.server_cpu,
    )
    grants = Server(
        "grants",
        uvicorn_command(grants_port, "--factory", "grants.app:create_app_from_env"),
        grants_env,
        grants_port,
        logs / "grants.log",
        settings.server_cpu,
    )
    access = "on" if settings.app_log_level in {"DEBUG", "INFO"} else "off"
    set_here = {"GRANTS_DATABASE_URL", "GRANTS_LOG_LEVEL", *GRANTS_BENCH_ENV}
    inherited = sorted(k for k in os.environ if k.startswith("GRANTS_") and k not in set_here)
    overridden = sorted(k for k, v in GRANTS_BENCH_ENV.items() if os.environ.get(k, v) != v)
    bench_env = " ".join(f"{k}={v}" for k, v in GRANTS_BENCH_ENV.items())
    print(f"servers:  1 uvicorn worker each, {' '.join(UVICORN_FLAGS)}")
    print(f"  hello:  {shlex.join(hello.command)}")
    pool = os.environ.get("GRANTS_DATABASE_POOL_SIZE", f"{default_pool_size()} (default)")
    print(
        f"  grants: GRANTS_LOG_LEVEL={settings.app_log_level} {bench_env} "
        f"GRANTS_DATABASE_URL=... {shlex.join(grants.command)}"
    )
    print(
        f"          (grants.access log {access}; uvicorn access log off; database pool size "
        f"{pool}; pre-check rate limit off; GRANTS_* from the environment: "
        f"{', '.join(inherited) or 'none'}"
        + (f"; overridden here: {', '.join(overridden)}" if overridden else "")
        + ")"
    )
    return hello, grants


def run_rounds(
    servers: dict[str, Server],
    headers_for: Callable[[Target], list[str]],
    settings: Settings,
    body_files: dict[Target, Path],
) -> list[Summary]:
    """The targets in turns, so that a noisy neighbour hurts all of them alike."""
    summaries = [Summary(target) for target in TARGETS]
    for run in range(1, settings.runs + 1):
        for summary in summaries:
            target = summary.target
            server, headers = servers[target.server], headers_for(target)
            result = measure(target, server, headers, settings, body_files.get(target))
            summary.runs.append(result)
            print(
                f"run {run}/{settings.runs} {target.name:<{NAME_WIDTH}} "
                f"{fmt(result['rps'], 0):>7} req/s"
                f"  p50 {fmt(result['p50_ms']):>6} ms  p99 {fmt(result['p99_ms']):>7} ms  "
                f"errors {result['non_2xx'] + result['socket_errors']}  (CPU% server "
                f"{fmt(result['server_cpu_pct'], 0)}, loadgen "
                f"{fmt(result['client_cpu_pct'], 0)}, other {fmt(result['other_cpu_pct'], 0)})",
                flush=True,
            )
    return summaries


def result_document(
    *,
    command: str,
    started: datetime,
    machine: dict[str, Any],
    settings: Settings,
    database: Database,
    summaries: list[Summary],
) -> dict[str, Any]:
    base = summaries[0]
    document: dict[str, Any] = without_nan(
        {
            "command": command,
            "started": started.isoformat(),
            "machine": machine,
            "settings": asdict(settings),
            "database": database.description,
            "uvicorn_flags": UVICORN_FLAGS,
            "grants_environment": GRANTS_BENCH_ENV,
            "precheck_body": {
                "seed": PRECHECK_SEED,
                "cost_lines": PRECHECK_COST_LINES,
                "bytes": len(PRECHECK.body or b""),
                "json": json.loads(PRECHECK.body or b"null"),
            },
            "precheck_goal": precheck_goal(summaries),
            "targets": [
                {
                    "name": summary.target.name,
                    "method": summary.target.method,
                    "path": summary.target.path,
                    "rps": summary.median("rps"),
                    "p50_ms": summary.median("p50_ms"),
                    "p99_ms": summary.median("p99_ms"),
                    "errors": summary.errors,
                    "rps_ratio": ratio(summary.median("rps"), base.median("rps")),
                    "p99_ratio": ratio(summary.median("p99_ms"), base.median("p99_ms")),
                    "runs": summary.runs,
                }
                for summary in summaries
            ],
        }
    )
    return document


@contextmanager
def running(server: Server, ready_path: str) -> Iterator[Server]:
    try:
        server.start(ready_path)
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = settings_from(args)
    command = shlex.join([sys.executable, *sys.argv])
    machine = machine_info()
    started = datetime.now(UTC)
    print_preamble(command, started, machine, settings)

    with ExitStack() as stack:
        database = prepare_database(args.database_url, args.keep_database)
        if database.cleanup is not None:
            stack.callback(database.cleanup)
        print(f"database: {masked(database.url)}: {database.description}, migrated to head")
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="grants-bench-")))
        hello, grants = build_servers(database.url, settings, logs)
        servers = {
            "hello": stack.enter_context(running(hello, "/hello")),
            "grants": stack.enter_context(running(grants, "/health/live")),
        }
        account = Account.register(grants.base_url, database.url)

        def headers_for(target: Target) -> list[str]:
            """A fresh login per run: the access token lives 15 minutes."""
            if not target.authenticated:
                return []
            return [f"Authorization: Bearer {account.access_token(grants.base_url)}"]

        body_files: dict[Target, Path] = {}
        for number, target in enumerate(TARGETS):
            if target.body is not None:
                body_files[target] = logs / f"body-{number}.json"
                body_files[target].write_bytes(target.body)
        for target in TARGETS:
            check_once(target, servers[target.server], headers_for(target))
        print()
        summaries = run_rounds(servers, headers_for, settings, body_files)

    print()
    print(report(summaries))
    print()
    print(
        "Ratios are against the bare hello app measured in the same run; absolute figures "
        "depend on this shared machine.\n'other CPU%' is what the rest of the machine used "
        "meanwhile (PostgreSQL included), in % of one core."
    )
    if not args.no_json:
        path = args.json or RESULTS_DIR / f"http-{started:%Y%m%dT%H%M%SZ}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        document = result_document(
            command=command,
            started=started,
            machine=machine,
            settings=settings,
            database=database,
            summaries=summaries,
        )
        path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")
        print(f"results:  {path}")


if __name__ == "__main__":
    main()
