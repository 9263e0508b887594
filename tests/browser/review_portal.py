"""A portal with applications in review, for the staff pages' browser tests.

Applications reach review only through a formal check recorded after the call's deadline,
and the browser tests' server runs on the real clock. So this portal is started with the
shipped guideline files copied and the demo call's deadline set ``OPEN_FOR`` after start
(``GRANTS_GUIDELINES_DIR``): the applicant submits through the API while it is open, staff
are created with the CLI (as an operator would) while the deadline passes, then a
programme manager records the formal checks through the API. Only the assignments are
written directly (the tests need exact ones, not the balancing of auto-assignment)."""

import asyncio
import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from grants.guidelines.registry import SHIPPED
from tests import databases
from tests.api.evaluation.scoring_helpers import asking
from tests.applications_factories import complete_draft
from tests.attachment_files import pdf
from tests.browser.conftest import (
    PASSWORD,
    Portal,
    _in_thread,
    _portal_database,
    register_applicant,
    serving,
)

STAFF_PASSWORD = "Bewilligung-Sachsen-2026"
CODES = ("K1", "K2", "K3", "K4", "K5", "K6")
SHIPPED_DEADLINE = '"2027-06-30T23:59:59+02:00"'  # the demo call's, in the shipped file
OPEN_FOR = timedelta(seconds=45)  # long enough to register and submit; passed while staff
# accounts are created


@dataclass
class ReviewPortal:
    url: str
    database: str
    applications: dict[str, str] = field(default_factory=dict)  # title -> id
    manager: dict[str, str] = field(default_factory=dict)  # bearer headers
    staff: dict[str, str] = field(default_factory=dict)  # e-mail -> user id


def guidelines_closing_at(directory: Path, deadline: datetime) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for source in SHIPPED.glob("*.yaml"):
        text = source.read_text(encoding="utf-8")
        if SHIPPED_DEADLINE in text:
            text = text.replace(SHIPPED_DEADLINE, f'"{deadline.isoformat(timespec="seconds")}"')
        (directory / source.name).write_text(text, encoding="utf-8")
    return directory


def create_staff(database: str, email: str, *roles: str) -> str:
    """A staff account through the CLI; returns its user id."""
    name = email.split("@", maxsplit=1)[0].title()
    command = [
        sys.executable, "-c", "from grants.cli import main; main()",
        "users", "create-staff", "--email", email, "--name", name,
        *[part for role in roles for part in ("--role", role)], "--password-stdin",
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603
        command,
        input=STAFF_PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "GRANTS_DATABASE_URL": database, "HOME": "/tmp"},  # noqa: S108
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split(": ")[-1].split(",")[0].strip()


def bearer_of(base: str, email: str, password: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def submit(base: str, headers: dict[str, str], title: str, **fields: Any) -> str:
    body = {
        "call": "demo",
        "funding_line": "stationary",
        **complete_draft(title=title),
        **fields,
    }
    created = httpx.post(f"{base}/api/applications", json=body, headers=headers)
    assert created.status_code == 201, created.text
    application = created.json()
    uploaded = httpx.post(
        f"{base}/api/applications/{application['id']}/attachments",
        params={"kind": "concept", "filename": "Konzept.pdf"},
        content=pdf(),
        headers={**headers, "Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.text
    received = httpx.post(
        f"{base}/api/applications/{application['id']}/submissions",
        headers={**headers, "If-Match": f'"{application["version"]}"'},
    )
    assert received.status_code == 201, received.text
    return str(application["id"])


def formal_check(base: str, manager: dict[str, str], application_id: str) -> None:
    url = f"{base}/api/applications/{application_id}/formal-check"
    check = httpx.get(url, headers=manager)
    assert check.status_code == 200, check.text
    items = [
        {"code": item["code"], "confirmed": True}
        if item["proposed"] == "pass"
        else {"code": item["code"], "confirmed": True, "reason": "Geprüft: Unterlagen liegen vor."}
        for item in check.json()["items"]
    ]
    recorded = httpx.put(url, json={"items": items, "outcome": "to_review"}, headers=manager)
    assert recorded.status_code == 200, recorded.text


def _write(portal: ReviewPortal, statement: str, *arguments: Any) -> None:
    async def write() -> None:
        connection = await asyncpg.connect(databases.asyncpg_dsn(portal.database))
        try:
            await connection.execute(statement, *arguments)
        finally:
            await connection.close()

    _in_thread(lambda: asyncio.run(write()))


def assign(portal: ReviewPortal, evaluator_id: str, application_id: str, status: str) -> str:
    assignment_id = str(uuid.uuid4())
    _write(
        portal,
        "INSERT INTO assignments (id, application_id, evaluator_id, status, source, "
        "assigned_at, due_at, version) "
        "VALUES ($1, $2, $3, $4, 'manual', now(), now() + interval '14 days', 1)",
        uuid.UUID(assignment_id),
        uuid.UUID(application_id),
        uuid.UUID(evaluator_id),
        status,
    )
    return assignment_id


def scored(portal: ReviewPortal, evaluator_id: str, application_id: str, points: int) -> None:
    """An accepted assignment with a submitted sheet of ``points`` on every criterion,
    written directly (the ranking's input; its pages are tested elsewhere)."""
    assignment_id = assign(portal, evaluator_id, application_id, "accepted")
    scores = {code: {"score": points, "justification": "Begründet."} for code in CODES}
    _write(
        portal,
        "INSERT INTO score_sheets (id, assignment_id, application_id, evaluator_id, status, "
        "scores, total, guideline_hash, version, created_at, updated_at, submitted_at) "
        "VALUES ($1, $2, $3, $4, 'submitted', $5::jsonb, $6, $7, 2, now(), now(), now())",
        uuid.uuid4(),
        uuid.UUID(assignment_id),
        uuid.UUID(application_id),
        uuid.UUID(evaluator_id),
        json.dumps(scores),
        Decimal(points * 20),
        "0" * 64,
    )


def review_portal(
    server_url: str,
    workdir: Path,
    drafts: dict[str, dict[str, Any]],
    staff: dict[str, tuple[str, ...]],
) -> Iterator[ReviewPortal]:
    """The portal with ``drafts`` (title → fields) submitted and formally checked (in
    review), and ``staff`` (e-mail → roles) created; a generator for a fixture."""
    database = _in_thread(lambda: _portal_database(server_url))
    deadline = datetime.now(UTC) + OPEN_FOR
    guidelines = guidelines_closing_at(workdir / "guidelines", deadline)
    try:
        with serving(database, workdir, GRANTS_GUIDELINES_DIR=str(guidelines)) as base:
            portal = ReviewPortal(base, database)
            applicant = register_applicant(Portal(base, database))
            headers = bearer_of(base, applicant, PASSWORD)
            for title, fields in drafts.items():
                portal.applications[title] = submit(base, headers, title, **fields)
            staff = {"leitung@sab.example": ("programme_manager",), **staff}
            for email, roles in staff.items():
                portal.staff[email] = create_staff(database, email, *roles)
            portal.manager = bearer_of(base, "leitung@sab.example", STAFF_PASSWORD)
            wait = (deadline - datetime.now(UTC)).total_seconds() + 1
            if wait > 0:
                time.sleep(wait)
            for application_id in portal.applications.values():
                formal_check(base, portal.manager, application_id)
            yield portal
    finally:
        shutil.rmtree(workdir / "guidelines", ignore_errors=True)
        _in_thread(lambda: databases.drop_database(database))


def api_sheet(portal: ReviewPortal, email: str, assignment_id: str) -> Any:
    response = httpx.get(
        f"{portal.url}/api/score-sheets/{assignment_id}",
        headers=bearer_of(portal.url, email, STAFF_PASSWORD),
    )
    assert response.status_code == 200, response.text
    return response.json()


# --- the one review portal of the browser tests -------------------------------------------

ALPHA, BETA = "MakerSpace Aue", "Digitallabor Zwickau"  # stationary: the evaluators' pages
# Mobile line (budget 1,000,000): 600,000 at 5 points, 500,000 at 4 (does not fit after the
# first), 300,000 at 3 (fits): the ranking's funding line cuts between them.
MOBILE = {
    "Mobil Erzgebirge": ("600000", 5),
    "Mobil Vogtland": ("500000", 4),
    "Mobil Lausitz": ("300000", 3),
}
EVALUATORS = ("eva", "karl", "tina", "axel", "zoe")
SCORERS = ("s1", "s2", "s3")


def review_fixture(server_url: str, workdir: Path) -> Iterator[ReviewPortal]:
    drafts: dict[str, dict[str, Any]] = {ALPHA: {}, BETA: {}}
    drafts |= {title: asking(grant) for title, (grant, _) in MOBILE.items()}
    staff = {f"{name}@sab.example": ("evaluator",) for name in (*EVALUATORS, *SCORERS)}
    for portal in review_portal(server_url, workdir, drafts, staff):
        for title, (_, points) in MOBILE.items():
            for name in SCORERS:
                scored(
                    portal, portal.staff[f"{name}@sab.example"], portal.applications[title], points
                )
        yield portal
