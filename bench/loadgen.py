"""A small closed-loop HTTP/1.1 load generator, and an optional wrapper around ``wrk``.

Each of ``--connections`` keep-alive connections sends one pre-built request (``GET`` by
default; ``--method POST --body-file F`` sends the bytes of F as a JSON body), waits for the
whole response (status line, headers, ``Content-Length`` body) and sends the next one
at once. Everything runs in asyncio protocol callbacks on uvloop (no task switch per request),
so one core drives well over 10k requests/s while staying far from saturated; the
``client_cpu_pct`` figure in the result shows how busy it was.

Only responses that complete inside the measurement window (after ``--warmup``, for
``--duration`` seconds) count: their number gives requests/s, their latencies (send to last
byte, nanosecond clock) give the percentiles. Non-2xx statuses are tallied as errors, lost
connections as socket errors (the connection is reopened).

Run alone: ``python bench/loadgen.py --port 8000 --path /health/live --duration 5``; prints one
JSON object (``LoadResult``) on stdout. ``--engine wrk`` runs ``wrk -t1`` instead (another
method or a body through a generated Lua script). ``bench/http_bench.py`` runs it in a child process
pinned to its own core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_NS = 1_000_000_000


# ---------------------------------------------------------------------------------------------
# Results and CPU accounting


@dataclass
class LoadResult:
    engine: str
    requests: int  # responses completed inside the measurement window
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    non_2xx: int = 0
    socket_errors: int = 0
    client_cpu_pct: float = math.nan  # of one core, during the window
    server_cpu_pct: float = math.nan  # of one core, during the window (needs the server pid)
    core_busy_pct: dict[str, float] = field(default_factory=dict)  # per CPU, whole machine
    steal_pct: float = math.nan  # hypervisor steal, averaged over all CPUs

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (all its threads), from ``/proc/PID/stat``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man proc).
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def cpu_times() -> dict[str, tuple[int, int, int]]:
    """Per CPU (``cpu0``, ``cpu1``, ...): (busy, total, steal) jiffies from ``/proc/stat``."""
    times: dict[str, tuple[int, int, int]] = {}
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            lines = stat.readlines()
    except OSError:
        return times
    for line in lines:
        name, *values = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        numbers = [int(value) for value in values[:8]]
        numbers += [0] * (8 - len(numbers))
        user, nice, system, idle, iowait, irq, softirq, steal = numbers
        busy = user + nice + system + irq + softirq
        times[name] = (busy, busy + idle + iowait + steal, steal)
    return times


def own_cpu_seconds(*, children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuSnapshot:
    at: float
    client: float
    server: float | None
    cores: dict[str, tuple[int, int, int]]

    @classmethod
    def take(cls, server_pid: int | None, *, client_children: bool = False) -> CpuSnapshot:
        return cls(
            at=time.perf_counter(),
            client=own_cpu_seconds(children=client_children),
            server=process_cpu_seconds(server_pid) if server_pid else None,
            cores=cpu_times(),
        )


def fill_cpu_figures(result: LoadResult, before: CpuSnapshot, after: CpuSnapshot) -> None:
    elapsed = after.at - before.at
    if elapsed <= 0:
        return
    result.client_cpu_pct = round(100 * (after.client - before.client) / elapsed, 1)
    if before.server is not None and after.server is not None:
        result.server_cpu_pct = round(100 * (after.server - before.server) / elapsed, 1)
    steal = total = 0
    for name, (busy1, total1, steal1) in after.cores.items():
        busy0, total0, steal0 = before.cores.get(name, (busy1, total1, steal1))
        if total1 > total0:
            result.core_busy_pct[name] = round(100 * (busy1 - busy0) / (total1 - total0), 1)
        steal += steal1 - steal0
        total += total1 - total0
    if total > 0:
        result.steal_pct = round(100 * steal / total, 1)


def percentile(ordered: array[int] | list[int], pct: float) -> int:
    """Nearest-rank percentile of an ascending sequence (0 when it is empty)."""
    if not ordered:
        return 0
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# ---------------------------------------------------------------------------------------------
# The closed-loop Python generator


def build_request(
    host: str,
    port: int,
    path: str,
    headers: list[tuple[str, str]],
    *,
    method: str = "GET",
    body: bytes | None = None,
    content_type: str = "application/json",
) -> bytes:
    """The whole HTTP/1.1 request, built once and written as it is on every send. HTTP/1.1
    connections are persistent unless a side says ``Connection: close``, so no header is
    needed for keep-alive. A body (even an empty one) brings ``Content-Type`` and
    ``Content-Length``; without one the request is the same bytes as before bodies existed."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: grants-bench"]
    lines += ["Accept: application/json"]
    if body is not None:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


def _content_length(head: bytes) -> int | None:
    """``Content-Length`` from a lower-cased header block; None when absent (e.g. chunked)."""
    start = head.find(b"\r\ncontent-length:")
    if start < 0:
        return None
    start += len(b"\r\ncontent-length:")
    end = head.find(b"\r\n", start)
    return int(head[start : end if end >= 0 else len(head)].strip())


class _Connection(asyncio.Protocol):
    """One keep-alive connection: send, read the whole response, record, send again."""

    def __init__(self, generator: _Generator) -> None:
        self._gen = generator
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._body_left = -1  # -1: still reading the header block
        self._status = 0
        self._sent_at = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast("asyncio.Transport", transport)
        self._gen.opened(self)
        self._send()

    def _send(self) -> None:
        assert self._transport is not None
        request = self._gen.next_request()
        if request is None:  # a finite list of requests is used up: this connection is done
            self.close()
            return
        self._sent_at = time.perf_counter_ns()
        self._transport.write(request)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while True:
            if self._body_left < 0:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buffer[:end]).lower()
                length = _content_length(head)
                if length is None:
                    no_body = head[9:10] == b"1" or head[9:12] in (b"204", b"304")
                    if not no_body:
                        self._gen.protocol_error("response without Content-Length")
                        self.close()
                        return
                    length = 0
                self._status = int(head[9:12])
                self._body_left = length
                del buffer[: end + 4]
            if len(buffer) < self._body_left:
                return
            del buffer[: self._body_left]
            self._body_left = -1
            self._gen.record(self._sent_at, time.perf_counter_ns(), self._status)
            if not self._gen.running:
                self.close()
                return
            self._send()

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._gen.lost(self)


class _Generator:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        request: bytes,
        connections: int,
        warmup_s: float,
        duration_s: float,
        server_pid: int | None,
        requests: list[bytes] | None = None,
    ) -> None:
        self.host, self.port, self.request = host, port, request
        # Distinct requests (each used once), for actions that cannot be repeated, such as
        # submitting an application; None: the one ``request`` again and again.
        self._requests = None if requests is None else iter(requests)
        self.exhausted = False
        self.connections = connections
        self.warmup_s, self.duration_s = warmup_s, duration_s
        self.server_pid = server_pid
        self.running = True
        self.window_start = self.window_end = 0
        self.latencies: array[int] = array("q")
        self.statuses: dict[int, int] = {}
        self.socket_errors = 0
        self.protocol_errors: list[str] = []
        self._open: set[_Connection] = set()
        self._pending: set[asyncio.Task[None]] = set()  # reconnects (tasks need a reference)
        self._all_closed: asyncio.Event | None = None

    # Called by the connections.
    def next_request(self) -> bytes | None:
        if self._requests is None:
            return self.request
        request = next(self._requests, None)
        if request is None:
            self.exhausted = True
        return request

    def opened(self, connection: _Connection) -> None:
        self._open.add(connection)

    def record(self, sent_at: int, done_at: int, status: int) -> None:
        if self.window_start <= done_at < self.window_end:
            self.latencies.append(done_at - sent_at)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def protocol_error(self, message: str) -> None:
        if len(self.protocol_errors) < 5:
            self.protocol_errors.append(message)
        self.socket_errors += 1

    def lost(self, connection: _Connection) -> None:
        self._open.discard(connection)
        if self.running and not self.exhausted:
            self.socket_errors += 1
            asyncio.get_running_loop().call_later(0.01, self._reconnect)
        elif not self._open and self._all_closed is not None:
            self._all_closed.set()

    def _reconnect(self) -> None:
        if self.running:
            task = asyncio.ensure_future(self._connect())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: _Connection(self), self.host, self.port)
        except OSError:
            self.socket_errors += 1
            if self.running:
                loop.call_later(0.05, self._reconnect)

    async def run(self) -> LoadResult:
        self._all_closed = asyncio.Event()
        started = time.perf_counter_ns()
        self.window_start = started + int(self.warmup_s * _NS)
        self.window_end = self.window_start + int(self.duration_s * _NS)
        await asyncio.gather(*(self._connect() for _ in range(self.connections)))
        await _sleep_until(self.window_start)
        before = CpuSnapshot.take(self.server_pid)
        await _sleep_until(self.window_end)
        after = CpuSnapshot.take(self.server_pid)
        self.running = False
        # Let the requests in flight finish (they do not count) so the server sees clean closes.
        if self._open:
            try:
                await asyncio.wait_for(self._all_closed.wait(), timeout=2.0)
            except TimeoutError:
                for connection in list(self._open):
                    connection.close()
        result = self._result()
        fill_cpu_figures(result, before, after)
        return result

    def _result(self) -> LoadResult:
        ordered = sorted(self.latencies)
        count = len(ordered)
        non_2xx = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return LoadResult(
            engine="python",
            requests=count,
            duration_s=self.duration_s,
            rps=round(count / self.duration_s, 1),
            p50_ms=percentile(ordered, 50) / 1e6,
            p90_ms=percentile(ordered, 90) / 1e6,
            p99_ms=percentile(ordered, 99) / 1e6,
            max_ms=(ordered[-1] / 1e6) if ordered else 0.0,
            mean_ms=(sum(ordered) / count / 1e6) if count else 0.0,
            statuses={str(status): n for status, n in sorted(self.statuses.items())},
            non_2xx=non_2xx,
            socket_errors=self.socket_errors,
        )


async def _sleep_until(deadline_ns: int) -> None:
    delay = (deadline_ns - time.perf_counter_ns()) / _NS
    if delay > 0:
        await asyncio.sleep(delay)


def run_python(
    *,
    host: str,
    port: int,
    path: str,
    headers: list[tuple[str, str]],
    connections: int,
    duration_s: float,
    warmup_s: float,
    server_pid: int | None = None,
    method: str = "GET",
    body: bytes | None = None,
    content_type: str = "application/json",
    requests: list[bytes] | None = None,
) -> LoadResult:
    generator = _Generator(
        requests=requests,
        host=host,
        port=port,
        request=build_request(
            host, port, path, headers, method=method, body=body, content_type=content_type
        ),
        connections=connections,
        warmup_s=warmup_s,
        duration_s=duration_s,
        server_pid=server_pid,
    )
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(generator.run())
    else:
        result = uvloop.run(generator.run())
    if generator.protocol_errors:
        print("loadgen: " + "; ".join(generator.protocol_errors), file=sys.stderr)
    if generator.exhausted:
        print("loadgen: the requests file ran out before the window ended", file=sys.stderr)
    return result


def read_requests(path: Path) -> list[bytes]:
    """Requests stored one after another, each after its length as 4 bytes, big-endian."""
    data, requests, at = path.read_bytes(), [], 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        requests.append(data[at + 4 : at + 4 + size])
        at += 4 + size
    return requests


def write_requests(path: Path, requests: list[bytes]) -> None:
    with path.open("wb") as out:
        for request in requests:
            out.write(len(request).to_bytes(4, "big"))
            out.write(request)


# ---------------------------------------------------------------------------------------------
# wrk (optional: only when it is on PATH and asked for)

_WRK_TIME = re.compile(r"^\s*([\d.]+)(us|ms|s|m)\s*$")
_WRK_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _wrk_ms(text: str) -> float:
    match = _WRK_TIME.match(text)
    if match is None:
        raise ValueError(f"unexpected wrk time {text!r}")
    return float(match.group(1)) * _WRK_UNITS_MS[match.group(2)]


def parse_wrk(output: str, duration_s: float) -> LoadResult:
    def find(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, output, re.MULTILINE)

    done = find(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)")
    rps = find(r"^Requests/sec:\s*([\d.]+)")
    if done is None or rps is None:
        raise ValueError(f"cannot read wrk output:\n{output}")
    pct = {p: _wrk_ms(v) for p, v in re.findall(r"^\s*(\d+)%\s+(\S+)\s*$", output, re.MULTILINE)}
    latency = find(r"^\s*Latency\s+(\S+)\s+\S+\s+(\S+)")
    non_2xx = find(r"Non-2xx or 3xx responses:\s*(\d+)")
    sockets = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    return LoadResult(
        engine="wrk",
        requests=int(done.group(1)),
        duration_s=duration_s,
        rps=float(rps.group(1)),
        p50_ms=pct.get("50", math.nan),
        p90_ms=pct.get("90", math.nan),
        p99_ms=pct.get("99", math.nan),
        max_ms=_wrk_ms(latency.group(2)) if latency else math.nan,
        mean_ms=_wrk_ms(latency.group(1)) if latency else math.nan,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def lua_string(data: bytes) -> str:
    """A Lua string literal of exactly these bytes (printable ASCII as it is, the rest as
    decimal escapes, which Lua reads as bytes)."""
    out = []
    for byte in data:
        char = chr(byte)
        if char in '"\\' or not 32 <= byte < 127:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def wrk_script(method: str, body: bytes | None, content_type: str) -> str:
    """A ``wrk -s`` script setting the method and body; wrk's own request builder
    (``wrk.format``, once per connection) adds ``Content-Length`` for a body."""
    lines = [f"wrk.method = {lua_string(method.encode('ascii'))}"]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
        lines.append(f'wrk.headers["Content-Type"] = {lua_string(content_type.encode("latin-1"))}')
    return "\n".join(lines) + "\n"


def run_wrk(
    *,
    host: str,
    port: int,
    path: str,
    headers: list[tuple[str, str]],
    connections: int,
    duration_s: float,
    warmup_s: float,
    server_pid: int | None = None,
    method: str = "GET",
    body: bytes | None = None,
    content_type: str = "application/json",
) -> LoadResult:
    """``wrk -t1`` (one thread: one core, like the Python generator): a discarded warm-up
    run, then the measured one. wrk counts only statuses >= 400 as errors. Another method or
    a body goes through a small generated Lua script (``-s``) in a temporary file."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not on PATH (apt-get install wrk), use --loadgen python")
    url = f"http://{host}:{port}{path}"
    base = [wrk, "-t1", f"-c{connections}", "--timeout", "5s"]
    for name, value in headers:
        base += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="grants-wrk-") as scripts:
        if method != "GET" or body is not None:
            script = Path(scripts) / "request.lua"
            script.write_text(wrk_script(method, body, content_type), encoding="ascii")
            base += ["-s", str(script)]
        return _run_wrk(base, url, duration_s, warmup_s, server_pid)


def _run_wrk(
    base: list[str], url: str, duration_s: float, warmup_s: float, server_pid: int | None
) -> LoadResult:
    if warmup_s > 0:
        subprocess.run(
            [*base, f"-d{max(1, round(warmup_s))}s", url], check=True, capture_output=True
        )
    before = CpuSnapshot.take(server_pid, client_children=True)
    seconds = max(1, round(duration_s))
    done = subprocess.run(
        [*base, f"-d{seconds}s", "--latency", url], check=True, capture_output=True, text=True
    )
    after = CpuSnapshot.take(server_pid, client_children=True)
    result = parse_wrk(done.stdout, float(seconds))
    fill_cpu_figures(result, before, after)
    return result


# ---------------------------------------------------------------------------------------------
# Command line


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument(
        "--header",
        type=_header,
        action="append",
        default=[],
        help="extra request header 'Name: value' (repeatable)",
    )
    parser.add_argument("--method", default="GET", type=str.upper, help="request method")
    parser.add_argument("--body-file", type=Path, help="send this file's bytes as the request body")
    parser.add_argument(
        "--content-type", default="application/json", help="Content-Type of the body"
    )
    parser.add_argument(
        "--requests-file",
        type=Path,
        help="whole HTTP requests, each used once (see write_requests); python engine only",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--server-pid", type=int, help="report this process's CPU use")
    parser.add_argument("--cpu", type=int, help="pin this process (and wrk) to this CPU")
    parser.add_argument("--engine", choices=("python", "wrk"), default="python")
    args = parser.parse_args(argv)
    body = args.body_file.read_bytes() if args.body_file is not None else None
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    if args.requests_file is not None:
        result = run_python(
            host=args.host,
            port=args.port,
            path=args.path,
            headers=args.header,
            connections=args.connections,
            duration_s=args.duration,
            warmup_s=args.warmup,
            server_pid=args.server_pid,
            requests=read_requests(args.requests_file),
        )
        json.dump(asdict(result), sys.stdout)
        sys.stdout.write("\n")
        return
    run = run_wrk if args.engine == "wrk" else run_python
    result = run(
        host=args.host,
        port=args.port,
        path=args.path,
        headers=args.header,
        connections=args.connections,
        duration_s=args.duration,
        warmup_s=args.warmup,
        server_pid=args.server_pid,
        method=args.method,
        body=body,
        content_type=args.content_type,
    )
    json.dump(asdict(result), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
