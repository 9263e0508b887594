"""Portal page renders: the pre-check page with a judged proposal (8 cost lines, every rule's
outcome) and the start page, through the whole app in process (httpx's ASGI transport: the
route, the engine, the municipality choices from the database, the template, the middleware),
next to a bare Jinja render of the same template with the same data, measured in one run.

    .venv/bin/python bench/portal_bench.py [--requests 300] [--rounds 5]

The app runs on a database of its own (``grants_bench_portal``, dropped and created on the
local server or ``TEST_DATABASE_URL``'s, with the shipped municipality register). Prints
p50/p99 per case and the ratio to the bare render; nothing asserts on time. (The issue's
targets name the proposal form with 40 cost lines and the dashboard with 200 applications:
those pages come with the accounts; this measures the pages there are.)
"""

import argparse
import asyncio
import os
import statistics
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from http_bench import LOCAL_SERVER, _recreate, fmt, load_municipalities, table, with_database

from grants.app import create_app
from grants.db.migrate import upgrade
from grants.settings import load_settings
from grants.web.templating import render

DATABASE = "grants_bench_portal"
FILLED: dict[str, str] = {
    "guideline": "frl-lifd",
    "pruefen": "1",
    "call": "demo",
    "funding_line": "stationary",
    "applicant_type": "nonprofit",
    "municipality_key": "14521530",
    "objectives": "a",
    "planned_start": "2027-03-01",
    "planned_end": "2028-03-31",
    "economic_activity": "nein",
    "requested_grant": "30.000,00",
    "own_funds": "20.000,00",
}
for row in range(1, 9):
    FILLED |= {
        f"cost-{row}-category": "equipment",
        f"cost-{row}-description": f"Gerät {row}",
        f"cost-{row}-amount": "6.250,00",
    }


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    server = os.environ.get("TEST_DATABASE_URL") or LOCAL_SERVER
    await _recreate(server, DATABASE)
    url = with_database(server, DATABASE)
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(load_municipalities, url)
    os.environ |= {
        "GRANTS_DATABASE_URL": url,
        "GRANTS_LOG_LEVEL": "WARNING",
        "GRANTS_PRECHECK_REQUESTS_PER_MINUTE": "100000000",
    }
    app = create_app(load_settings(), configure_logs=False)
    cases: dict[str, list[float]] = {}
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://portal"
        ) as client,
    ):
        precheck = f"/vorab-check?{urlencode(FILLED)}"
        page = await client.get(precheck)
        assert page.status_code == 200, page.text[:500]
        # The bare render gets what the route hands the template, captured once.
        captured: dict[str, Any] = {}
        from grants.web import routes

        real = routes.render

        def capture(template: str, **context: Any) -> str:
            captured[template] = context
            return real(template, **context)

        routes.render = capture
        await client.get(precheck)
        await client.get("/")
        routes.render = real

        async def get(path: str) -> None:
            response = await client.get(path)
            response.raise_for_status()

        async def bare(template: str) -> None:
            render(template, **captured[template])

        named = {
            "bare Jinja render: pre-check page with result": lambda: bare("precheck.html"),
            "GET /vorab-check with a judged proposal": lambda: get(precheck),
            "bare Jinja render: start page": lambda: bare("start.html"),
            "GET /": lambda: get("/"),
        }
        cases = {name: [] for name in named}
        for _ in range(args.rounds):
            for name, fn in named.items():
                for _ in range(args.requests // args.rounds):
                    began = time.perf_counter()
                    await fn()
                    cases[name].append((time.perf_counter() - began) * 1000)
    rows = []
    names = list(cases)
    for index, name in enumerate(names):
        base = names[index - index % 2]
        ratio = statistics.median(cases[name]) / statistics.median(cases[base])
        rows.append(
            [
                name,
                fmt(statistics.median(cases[name])),
                fmt(percentile(cases[name], 0.99)),
                fmt(ratio),
            ]
        )
    print(f"{args.requests} requests per case in {args.rounds} interleaved rounds, in process")
    print(table(["case", "p50 ms", "p99 ms", "× its bare render"], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
