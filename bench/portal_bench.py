"""Portal page renders, through the whole app in process (httpx's ASGI transport: the
session cookie's check, the route, the services, the database, the template, the
middleware), each next to a bare Jinja render of the same template with the same data,
measured in one run: the proposal form's cost step with 40 cost lines (with the saved draft's
verdict beside it), the dashboard of an organisation with 200 applications, the pre-check page
with a judged proposal (8 cost lines, every rule's outcome) and the start page.

    .venv/bin/python bench/portal_bench.py [--requests 300] [--rounds 5]

The app runs on a database of its own (``grants_bench_portal``, dropped and created on the
local server or ``TEST_DATABASE_URL``'s, with the shipped municipality register). Prints
p50/p99 per case and the ratio to the bare render; nothing asserts on time.
"""

import argparse
import asyncio
import os
import statistics
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from http_bench import (
    LOCAL_SERVER,
    _recreate,
    confirmation_token,
    fmt,
    load_municipalities,
    table,
    with_database,
)

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


PASSWORD = "Werkbank-Lötkolben-3D-Drucker"
APPLICATIONS = 200
COST_LINES = 40


async def signed_in_applicant(client: httpx.AsyncClient, database_url: str) -> dict[str, str]:
    """Register (through the e-mail code), a bearer header for the API, and the portal's
    session cookie in ``client``'s jar."""
    email = "bench@kulturwerk.example"
    body = {
        "email": email,
        "password": PASSWORD,
        "display_name": "Bench",
        "organisation": {
            "legal_name": "KulturWerk Schneeberg e.V.",
            "legal_form": "eingetragener Verein",
            "applicant_type": "nonprofit",
            "street": "Markt 1",
            "postal_code": "08289",
            "city": "Schneeberg",
            "municipality_key": "14521530",
        },
    }
    (await client.post("/api/auth/register", json=body)).raise_for_status()
    token = await confirmation_token(database_url, email)
    (await client.post("/api/auth/register/confirm", json={"token": token})).raise_for_status()
    tokens = (
        await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    ).json()
    form = (await client.get("/anmelden")).text
    csrf = form.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = await client.post(
        "/anmelden", data={"email": email, "password": PASSWORD, "_csrf_token": csrf}
    )
    assert signed.status_code == 303, signed.text[:300]
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def applications(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """200 drafts of the organisation; the first with 40 cost lines and all it needs for a
    verdict. Returns that one's id."""
    lines = [
        {"category": "equipment", "description": f"Gerät {i}", "amount": "1250.00"}
        for i in range(1, COST_LINES + 1)
    ]
    full = {
        "call": "demo",
        "funding_line": "stationary",
        "title": "Makerspace mit 40 Kostenzeilen",
        "municipality_key": "14521530",
        "planned_start": "2027-03-01",
        "planned_end": "2028-03-31",
        "objectives": ["a"],
        "cost_lines": lines,
        "financing": {"requested_grant": "40000.00", "own_funds": "10000.00"},
    }
    first = await client.post("/api/applications", json=full, headers=headers)
    first.raise_for_status()
    for i in range(APPLICATIONS - 1):
        created = await client.post(
            "/api/applications",
            json={"call": "demo", "funding_line": "stationary", "title": f"Vorhaben {i}"},
            headers=headers,
        )
        created.raise_for_status()
    return str(first.json()["id"])


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
        headers = await signed_in_applicant(client, url)
        draft_id = await applications(client, headers)
        costs = f"/antraege/{draft_id}/bearbeiten/kosten"
        dashboard = await client.get("/antraege")
        assert dashboard.text.count('href="/antraege/') >= APPLICATIONS, "not all listed"
        form = await client.get(costs)
        assert form.text.count('id="cost-') >= COST_LINES * 3, "not all cost lines shown"
        # The bare render gets what the route hands the template, captured once.
        captured: dict[str, Any] = {}
        from grants.web import pages

        real = pages.render

        def capture(template: str, **context: Any) -> str:
            captured[template] = context
            return real(template, **context)

        pages.render = capture
        for path in (costs, "/antraege", precheck, "/"):
            (await client.get(path)).raise_for_status()
        pages.render = real

        async def get(path: str) -> None:
            response = await client.get(path)
            response.raise_for_status()

        async def bare(template: str) -> None:
            render(template, **captured[template])

        named = {
            "bare Jinja render: cost step, 40 lines": lambda: bare("draft_kosten.html"),
            "GET the proposal's cost step, 40 lines": lambda: get(costs),
            "bare Jinja render: dashboard, 200 applications": lambda: bare("dashboard.html"),
            "GET /antraege, 200 applications": lambda: get("/antraege"),
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
