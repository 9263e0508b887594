"""The portal served as in production — `uvicorn --factory grants.app:create_app_from_env` in
a process of its own, on a database of its own with the shipped municipality register — and
driven by Debian's Chromium through Playwright (the project's setup installs the browser:
`scripts/system-packages.sh --browser`; Playwright never downloads one). axe-core, vendored in
``vendor/``, scans each page. Screenshots go to ``artifacts/`` (kept by CI, not committed)."""

import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests import databases

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE = (HERE / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# What BITV 2.0 asks: WCAG 2.1 A and AA (axe's tags); none of axe's rules is switched off.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str:
    found = os.environ.get("GRANTS_TEST_CHROMIUM") or shutil.which("chromium")
    mac = "/Applications/Chromium.app/Contents/MacOS/Chromium"
    if found is None and Path(mac).exists():
        found = mac
    if found is None:
        pytest.fail(
            "no Chromium: run `scripts/system-packages.sh --browser` (the README's test "
            "command does) or set GRANTS_TEST_CHROMIUM to a Chromium binary"
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _in_thread(work: Callable[[], T]) -> T:
    # Playwright's sync API keeps an event loop running in the test thread; the database
    # helpers start loops of their own (asyncio.run), so they run beside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def _portal_database(server_url: str) -> str:
    database = databases.create_database(server_url)
    databases.load_municipality_register(database)
    return database


# Module scope, not session: Playwright's sync API keeps an event loop running in the test
# thread while it is open, and the tests after these (and their fixtures' asyncio.run) must
# find the thread free again.
@dataclass(frozen=True)
class Portal:
    url: str
    database: str  # the portal's own, for what a user would read in their mailbox


@contextmanager
def serving(database: str, workdir: Path, **settings: str) -> Iterator[str]:
    """The app served by uvicorn in a process of its own on ``database``; yields its base
    URL once it is ready. ``settings``: further ``GRANTS_…`` variables."""
    port = _free_port()
    log = workdir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")} | {
        "GRANTS_DATABASE_URL": database,
        "GRANTS_ENVIRONMENT": "test",
        "GRANTS_LOG_LEVEL": "WARNING",
        "GRANTS_DATA_DIR": str(workdir / "data"),
        # Every test registers its own organisation from this one address.
        "GRANTS_REGISTRATIONS_PER_ADDRESS": "500",
        **settings,
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "grants.app:create_app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"the portal did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the portal is not ready after 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def portal(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    database = _in_thread(lambda: _portal_database(server_url))
    try:
        with serving(database, tmp_path_factory.mktemp("portal")) as base:
            yield Portal(base, database)
    finally:
        _in_thread(lambda: databases.drop_database(database))


@pytest.fixture(scope="module")
def portal_url(portal: Portal) -> str:
    return portal.url


_TOKEN_IN_LINK = re.compile(r"#token=([A-Za-z0-9_-]{43})")


def mail_token(portal: Portal, recipient: str, kind: str) -> str:
    """The code of the latest e-mail of ``kind`` to ``recipient``, as its link carries it
    (the database keeps only the codes' hashes; the queued e-mail has the link)."""

    async def read() -> str | None:
        connection = await asyncpg.connect(databases.asyncpg_dsn(portal.database))
        try:
            body: str | None = await connection.fetchval(
                "SELECT body_text FROM outbox_messages WHERE recipient = $1 AND kind = $2 "
                "ORDER BY created_at DESC LIMIT 1",
                recipient.lower(),
                kind,
            )
            return body
        finally:
            await connection.close()

    body = _in_thread(lambda: asyncio.run(read()))
    match = _TOKEN_IN_LINK.search(body or "")
    assert match, f"no {kind} e-mail to {recipient}"
    return match.group(1)


PASSWORD = "Werkbank-Lötkolben-3D-Drucker"


def register_applicant(portal: Portal, **organisation: str) -> str:
    """A confirmed applicant account (through the API: the pages' own registration has a
    test of its own); returns the e-mail address."""
    email = f"anna.{secrets.token_hex(4)}@kulturwerk.example"
    body = {
        "email": email,
        "password": PASSWORD,
        "display_name": "Anna Beispiel",
        "organisation": {
            "legal_name": "KulturWerk Schneeberg e.V.",
            "legal_form": "eingetragener Verein",
            "applicant_type": "nonprofit",
            "street": "Markt 1",
            "postal_code": "08289",
            "city": "Schneeberg",
            "municipality_key": "14521530",
            **organisation,
        },
    }
    assert httpx.post(f"{portal.url}/api/auth/register", json=body).status_code == 202
    token = mail_token(portal, email, "registration_confirmation")
    confirmed = httpx.post(f"{portal.url}/api/auth/register/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text
    return email


def sign_in(page: Page, portal: Portal, email: str) -> None:
    page.goto(f"{portal.url}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/antraege")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(),
            # Chromium's sandbox needs user namespaces, which a root container lacks.
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    opened = context.new_page()
    yield opened
    context.close()


def axe_violations(
    browser: Browser, url: str, *, storage_state: Any = None
) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations of the page at ``url`` (signed in when given a
    context's ``storage_state``). The scan runs in a context that lets the test inject axe's
    script; the page's own CSP is checked over HTTP."""
    context = browser.new_context(bypass_csp=True, locale="de-DE", storage_state=storage_state)
    try:
        scanned = context.new_page()
        scanned.goto(url)
        scanned.add_script_tag(content=AXE)
        result: dict[str, Any] = scanned.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
        )
        return list(result["violations"])
    finally:
        context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def review(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One portal with applications in review for every staff page's browser test
    (``review_portal``): set up once, as it waits for a call's deadline."""
    from tests.browser.review_portal import review_fixture

    yield from review_fixture(server_url, tmp_path_factory.mktemp("review"))
