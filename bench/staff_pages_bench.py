"""Staff page renders next to the same data's JSON endpoint, in one run, through the whole
app in process (httpx's ASGI transport: session cookie or bearer token, route, services,
database, template or JSON, middleware): the ranking of a line with 1,000 applications
(scored by 3 evaluators each; the page shows the first 200 entries, as the API's default
page does), the what-if's result (the fragment the page's script asks for, next to
``POST /api/evaluation/rankings/simulate``), and the ranking page with a scenario; then the
budget dashboard's page with 10,000 awards and 200,000 ledger rows next to
``GET /api/programmes/frl-lifd/dashboard``.

    .venv/bin/python bench/staff_pages_bench.py [--applications 1000] [--awards 10000]
        [--rows-per-award 20] [--requests 200] [--rounds 4] [--only ranking dashboard]

The ranking's database is ``ranking_db_bench``'s (dropped, created, migrated and seeded with
COPY on every run), the dashboard's ``dashboard_bench``'s (seeded once, then reused). Prints
p50/p99 per case and the ratio to its JSON endpoint; nothing asserts on time (targets of
issue 16: each page's p99 ≤ 150 ms).
"""

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
from dashboard_bench import prepare_database
from http_bench import fmt, table
from ranking_db_bench import DEFAULT_SERVER, prepare, seed
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from grants.accounts.service import create_staff_user
from grants.app import create_app
from grants.context import Context
from grants.core.actors import Actor
from grants.core.roles import StaffRole
from grants.guidelines.registry import load_registry
from grants.settings import as_asyncpg_url, load_settings

EMAIL = "leitung@sab.example"
PASSWORD = "Bewilligung-Sachsen-2026"


async def manager(url: str) -> None:
    engine = create_async_engine(as_asyncpg_url(url))
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            context = Context(
                session=session,
                actor=Actor.system("bench"),
                now=datetime.now(UTC),
                guidelines=load_registry(),
            )
            await create_staff_user(
                context,
                email=EMAIL,
                display_name="Leitung",
                password=PASSWORD,
                roles=[StaffRole.PROGRAMME_MANAGER],
            )
    finally:
        await engine.dispose()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def signed_in(client: httpx.AsyncClient) -> dict[str, str]:
    """The manager's bearer header for the API, and the portal's session in ``client``."""
    tokens = (
        await client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD})
    ).json()
    form = (await client.get("/anmelden")).text
    csrf = form.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = await client.post(
        "/anmelden", data={"email": EMAIL, "password": PASSWORD, "_csrf_token": csrf}
    )
    assert signed.status_code == 303, signed.text[:300]
    return {"Authorization": f"Bearer {tokens['access_token']}"}


Cases = dict[str, Callable[[], Awaitable[None]]]


async def measure(
    url: str, args: argparse.Namespace, build: Callable[[httpx.AsyncClient], Awaitable[Cases]]
) -> dict[str, list[float]]:
    await manager(url)
    os.environ |= {"GRANTS_DATABASE_URL": url, "GRANTS_LOG_LEVEL": "WARNING"}
    app = create_app(load_settings(), configure_logs=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://p") as client,
    ):
        named = await build(client)
        for fn in named.values():  # warm-up: caches, prepared statements
            await fn()
        cases: dict[str, list[float]] = {name: [] for name in named}
        for _ in range(args.rounds):
            for name, fn in named.items():
                for _ in range(args.requests // args.rounds):
                    began = time.perf_counter()
                    await fn()
                    cases[name].append((time.perf_counter() - began) * 1000)
    return cases


def getter(client: httpx.AsyncClient) -> Callable[..., Awaitable[None]]:
    async def get(path: str, headers: dict[str, str] | None = None) -> None:
        response = await client.get(path, headers=headers)
        response.raise_for_status()

    return get


async def ranking_cases(client: httpx.AsyncClient) -> Cases:
    bearer = await signed_in(client)
    get = getter(client)
    api = "/api/evaluation/rankings?call=demo&funding_line=stationary"
    page = "/verwaltung/rangliste/demo?linie=stationary"
    scenario = "budget=1.500.000&mindestpunktzahl=65"
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text[:500]
    ranked = (await client.get(api, headers=bearer)).json()["lines"][0]
    assert shown.text.count('<tr class="kern-table__row">') >= len(ranked["entries"])

    async def simulate() -> None:
        response = await client.post(
            "/api/evaluation/rankings/simulate",
            json={
                "call": "demo",
                "funding_line": "stationary",
                "budget": "1500000.00",
                "minimum_total": "65",
            },
            headers=bearer,
        )
        response.raise_for_status()

    fragment = {"X-Fragment": "was-waere-wenn"}
    return {
        "GET /api/evaluation/rankings (JSON, first page)": lambda: get(api, bearer),
        "GET the ranking page (first 200 entries)": lambda: get(page),
        "POST …/rankings/simulate (JSON)": simulate,
        "GET the what-if fragment (page's script)": lambda: get(f"{page}&{scenario}", fragment),
        "GET /api/evaluation/rankings (JSON) again": lambda: get(api, bearer),
        "GET the ranking page with a scenario": lambda: get(f"{page}&{scenario}"),
    }


async def dashboard_cases(client: httpx.AsyncClient) -> Cases:
    bearer = await signed_in(client)
    get = getter(client)
    api = "/api/programmes/frl-lifd/dashboard"
    page = "/verwaltung/uebersicht/frl-lifd"
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text[:500]
    assert shown.text.count('class="portal-chart"') == 5
    return {
        "GET /api/programmes/frl-lifd/dashboard (JSON)": lambda: get(api, bearer),
        "GET the dashboard page (5 charts, 5 tables)": lambda: get(page),
        "GET …/dashboard?fiscal_year=2026 (JSON)": lambda: get(f"{api}?fiscal_year=2026", bearer),
        "GET the dashboard page, one fiscal year": lambda: get(f"{page}?haushaltsjahr=2026"),
    }


def report(title: str, cases: dict[str, list[float]]) -> None:
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
    print(title)
    print(table(["case", "p50 ms", "p99 ms", "× its JSON endpoint"], rows))


async def main(args: argparse.Namespace) -> None:
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    per_round = f"{args.requests} requests per case in {args.rounds} interleaved rounds"
    if "ranking" in args.only:
        url = await prepare(server)
        await seed(url, args.applications)
        cases = await measure(url, args, ranking_cases)
        report(f"{args.applications:,} applications (3 sheets each), {per_round}", cases)
    if "dashboard" in args.only:
        url = await prepare_database(server, args.awards, args.rows_per_award, reseed=False)
        cases = await measure(url, args, dashboard_cases)
        rows = args.awards * args.rows_per_award
        report(f"{args.awards:,} awards, {rows:,} ledger rows, {per_round}", cases)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--rows-per-award", type=int, default=20)
    parser.add_argument(
        "--only", nargs="+", choices=["ranking", "dashboard"], default=["ranking", "dashboard"]
    )
    asyncio.run(main(parser.parse_args()))
