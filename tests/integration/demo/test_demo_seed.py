"""``grants demo seed``: a programme manager, four evaluators in the pool and an applicant whose
draft (with its concept PDF) can be submitted at once; seeding again creates nothing twice.
``grants demo reset-passwords``: new passwords for the demo accounts and for no other."""

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.service import create_staff_user
from grants.accounts.tables import users_table
from grants.applications.attachments.tables import attachments_table
from grants.applications.tables import applications_table
from grants.core.errors import InvalidInput
from grants.core.roles import StaffRole
from grants.db.audit import audit_table
from grants.demo import (
    APPLICANT_EMAIL,
    DEMO_DRAFT,
    MANAGER_EMAIL,
    Uploads,
    concept_pdf,
    is_demo_address,
    reset_demo_passwords,
    seed_demo,
)
from grants.evaluation.tables import evaluator_profiles_table
from grants.guidelines.registry import GuidelineRegistry
from tests.factories import STAFF_PASSWORD, system_context
from tests.integration.demo.conftest import headers_of

ROLES = ["programme_manager", "evaluator", "evaluator", "evaluator", "evaluator", "applicant"]


async def _pool(db_session: AsyncSession) -> list[tuple[str, int, bool]]:
    async with db_session.begin():
        rows = await db_session.execute(
            sa.select(
                users_table.c.email,
                evaluator_profiles_table.c.max_assignments,
                evaluator_profiles_table.c.active,
            )
            .join(users_table, users_table.c.id == evaluator_profiles_table.c.user_id)
            .order_by(users_table.c.email)
        )
        return [(r.email, r.max_assignments, r.active) for r in rows]


async def _concepts(db_session: AsyncSession) -> list[tuple[str, str, str]]:
    async with db_session.begin():
        rows = await db_session.execute(
            sa.select(
                attachments_table.c.kind,
                attachments_table.c.media_type,
                attachments_table.c.scan_status,
            ).where(attachments_table.c.deleted_at.is_(None))
        )
        return [(str(r.kind), r.media_type, str(r.scan_status)) for r in rows]


async def test_the_seed_gives_an_evaluator_pool_and_a_draft_the_applicant_can_submit(
    db_session: AsyncSession,
    client: httpx.AsyncClient,
    registry: GuidelineRegistry,
    uploads: Uploads,
) -> None:
    accounts = await seed_demo(db_session, registry=registry, uploads=uploads)
    assert [a.role for a in accounts] == ROLES
    assert all(a.password and is_demo_address(a.email) for a in accounts)
    evaluators = sorted(a.email for a in accounts if a.role == "evaluator")
    assert all(a.detail for a in accounts if a.role == "evaluator")  # their expertise
    assert await _pool(db_session) == [(email, 60, True) for email in evaluators]

    headers = await headers_of(client, accounts, APPLICANT_EMAIL)
    listed = await client.get("/api/applications", headers=headers)
    [draft] = listed.json()["items"]
    assert (draft["call"], draft["status"], draft["title"]) == (
        "demo",
        "draft",
        DEMO_DRAFT["title"],
    )
    url = f"/api/applications/{draft['id']}"
    [attachment] = (await client.get(f"{url}/attachments", headers=headers)).json()
    assert (attachment["kind"], attachment["media_type"], attachment["scan_status"]) == (
        "concept",
        "application/pdf",
        "not_scanned",  # no scanner in the tests, as in development: counts as received
    )
    check = (await client.get(f"{url}/eligibility", headers=headers)).json()
    assert (check["submittable"], check["missing"], check["acknowledgement_required"]) == (
        True,
        [],
        [],
    )

    submitted = await client.post(
        f"{url}/submissions", headers={**headers, "If-Match": f'"{check["version"]}"'}
    )
    assert submitted.status_code == 201, submitted.text
    receipt = submitted.json()
    assert receipt["reference_number"] == "LIfD-demo-S-0001"
    assert [d["kind"] for d in receipt["attachments"]] == ["concept"]

    manager = await headers_of(client, accounts, MANAGER_EMAIL)
    me = (await client.get("/api/me", headers=manager)).json()
    assert "programme_manager" in str(me)


async def test_seeding_again_creates_nothing_twice(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    first = await seed_demo(db_session, registry=registry, uploads=uploads)
    again = await seed_demo(db_session, registry=registry, uploads=uploads)
    assert [a.role for a in again] == ROLES
    assert [a.email for a in again] == [a.email for a in first]
    assert all(a.password is None for a in again)  # existing accounts: passwords unchanged
    async with db_session.begin():
        drafts = (
            await db_session.execute(
                sa.select(applications_table.c.status, applications_table.c.title)
            )
        ).all()
    assert [(d.status, d.title) for d in drafts] == [("draft", "MakerSpace Schneeberg")]
    assert await _concepts(db_session) == [("concept", "application/pdf", "not_scanned")]
    assert len(await _pool(db_session)) == 4


async def test_a_draft_seeded_without_its_concept_gets_it_on_the_next_seed(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    """A database seeded before the demo carried a concept PDF (or without a store)."""
    await seed_demo(db_session, registry=registry, uploads=None)
    assert await _concepts(db_session) == []
    await seed_demo(db_session, registry=registry, uploads=uploads)
    assert await _concepts(db_session) == [("concept", "application/pdf", "not_scanned")]


def test_the_concept_pdf_is_a_whole_pdf_with_the_text_on_its_page() -> None:
    content = concept_pdf("Projektskizze: Größe (1)", ["Schülerinnen \\ Lehrkräfte"])
    assert content.startswith(b"%PDF-1.7\n")
    assert content.rstrip().endswith(b"%%EOF")
    # German in WinAnsiEncoding; parentheses and backslashes escaped inside the string.
    assert "(Projektskizze: Größe \\(1\\)) Tj".encode("cp1252") in content
    assert "(Schülerinnen \\\\ Lehrkräfte) '".encode("cp1252") in content
    offset = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert content[offset:].startswith(b"xref\n0 6\n")


async def _hashes(db_session: AsyncSession) -> dict[str, str]:
    async with db_session.begin():
        rows = await db_session.execute(sa.select(users_table.c.email, users_table.c.password_hash))
        return {r.email: r.password_hash for r in rows}


async def test_reset_gives_new_passwords_to_the_demo_accounts_only(
    db_session: AsyncSession,
    client: httpx.AsyncClient,
    registry: GuidelineRegistry,
    uploads: Uploads,
) -> None:
    seeded = await seed_demo(db_session, registry=registry, uploads=uploads)
    await create_staff_user(
        system_context(db_session),
        email="leitung@sab.example",
        display_name="Echte Leitung",
        password=STAFF_PASSWORD,
        roles=[StaffRole.PROGRAMME_MANAGER],
    )
    # Another domain that merely contains the demo's name is no demo account either.
    await create_staff_user(
        system_context(db_session),
        email="x@notdemo.grants.example",
        display_name="Kein Demo-Konto",
        password=STAFF_PASSWORD,
        roles=[StaffRole.EVALUATOR],
    )
    before = await _hashes(db_session)
    old = await headers_of(client, seeded, MANAGER_EMAIL)

    renewed = await reset_demo_passwords(db_session)

    assert sorted(a.email for a in renewed) == sorted(a.email for a in seeded)
    assert {a.email: a.role for a in renewed}[MANAGER_EMAIL] == "programme_manager"
    after = await _hashes(db_session)
    assert {e for e in after if after[e] != before[e]} == {a.email for a in seeded}
    assert after["leitung@sab.example"] == before["leitung@sab.example"]
    assert after["x@notdemo.grants.example"] == before["x@notdemo.grants.example"]
    # The old password and the old session are gone; the new password works.
    assert (await client.get("/api/me", headers=old)).status_code == 401
    login = {"email": MANAGER_EMAIL, "password": next(a.password for a in seeded)}
    assert (await client.post("/api/auth/login", json=login)).status_code == 401
    await headers_of(client, renewed, MANAGER_EMAIL)
    async with db_session.begin():
        audited = (
            await db_session.execute(
                sa.select(audit_table.c.actor_label, audit_table.c.after).where(
                    audit_table.c.action == "demo_password_reset"
                )
            )
        ).all()
    assert len(audited) == len(seeded)
    manager_entry = next(r for r in audited if r.after["email"] == MANAGER_EMAIL)
    assert (manager_entry.actor_label, manager_entry.after["sessions_ended"]) == (
        "cli:demo-reset-passwords",
        1,
    )


async def test_reset_of_named_accounts_refuses_any_other(
    db_session: AsyncSession, registry: GuidelineRegistry, uploads: Uploads
) -> None:
    await seed_demo(db_session, registry=registry, uploads=uploads)
    before = await _hashes(db_session)
    [one] = await reset_demo_passwords(db_session, emails=[" Programm@Demo.Grants.Example "])
    assert (one.email, one.role) == (MANAGER_EMAIL, "programme_manager")
    after = await _hashes(db_session)
    assert {e for e in after if after[e] != before[e]} == {MANAGER_EMAIL}

    with pytest.raises(InvalidInput) as foreign:
        await reset_demo_passwords(db_session, emails=[MANAGER_EMAIL, "leitung@sab.example"])
    assert [(p.field, p.rule) for p in foreign.value.problems] == [("email", "not_a_demo_account")]
    with pytest.raises(InvalidInput) as unknown:
        await reset_demo_passwords(db_session, emails=[f"niemand@{MANAGER_EMAIL.split('@')[1]}"])
    assert [(p.field, p.rule) for p in unknown.value.problems] == [("email", "unknown")]
    assert await _hashes(db_session) == after  # a refused request changes nothing
