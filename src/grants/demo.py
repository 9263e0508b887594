"""Demo data for trying the system, made through the services as users would make it.

``seed_demo``: a programme manager, four evaluators in the pool and an applicant whose
organisation has a complete draft of the open ``demo`` call *with* its concept PDF (uploaded
through the real upload service and scanner; without a scanner it is ``not_scanned``, which
counts as received in development), so the applicant can submit at once. Running it again
creates only what is missing: existing accounts keep their passwords.

``reset_demo_passwords``: new passwords for the demo accounts, recognised by their address
under ``DEMO_DOMAIN`` and by nothing else; no other account is ever touched.

The scenario that fills the closed call ``2024-1`` (``grants demo seed --scenario``) is in
``grants.demo_scenario``.
"""

import secrets
import textwrap
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationCreate, RegistrationCreate
from grants.accounts.service import create_staff_user, hash_checked_password, register_applicant
from grants.accounts.tables import (
    auth_sessions_table,
    memberships_table,
    password_resets_table,
    staff_roles_table,
    users_table,
)
from grants.accounts.throttle import clear_account_failures_everywhere
from grants.applications.attachments.scanner import Scanner, scanner_from_settings
from grants.applications.attachments.service import list_attachments, upload_attachment
from grants.applications.attachments.storage import Storage, storage_from_settings
from grants.applications.drafts import create_application
from grants.applications.schemas import ApplicationCreate
from grants.applications.tables import applications_table
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.actors import Actor
from grants.core.attachments import AttachmentKind
from grants.core.audit_actions import AuditAction
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.lifecycle import State
from grants.core.roles import ApplicantType, StaffRole
from grants.evaluation.assignment.pool import upsert_profile
from grants.evaluation.assignment.schemas import ProfileUpsert
from grants.evaluation.tables import evaluator_profiles_table
from grants.guidelines.registry import GuidelineRegistry
from grants.settings import Settings

# Every demo account's address ends in this domain (RFC 2606: .example never delivers), and
# only such accounts are demo accounts: the password reset below touches nothing else.
DEMO_DOMAIN = "demo.grants.example"
MANAGER_EMAIL = f"programm@{DEMO_DOMAIN}"
APPLICANT_EMAIL = f"antrag@{DEMO_DOMAIN}"
DEMO_CALL = "demo"
_PASSWORD_BYTES = 12

# A complete, eligible Projektskizze of the demo call (the tests build on it too).
DEMO_DRAFT: dict[str, Any] = {
    "title": "MakerSpace Schneeberg",
    "summary": "Offene Werkstatt mit 3D-Druck, Lasercutter und Kursen für Schulen.",
    "concept": {
        "initial_situation": "Im Erzgebirge fehlt ein offener Ort für digitale Fertigung.",
        "goals": "Digitale Kompetenzen vermitteln und Unternehmen vernetzen.",
        "measures": "Ausstattung, Kursprogramm, offene Werkstattzeiten.",
        "target_groups": "Schülerinnen und Schüler, Handwerk, Kreative.",
        "sustainability": "Trägerverein und Mitgliedsbeiträge sichern den Betrieb.",
        "cooperation": "Gymnasium Schneeberg, Handwerkskammer.",
    },
    "objectives": ["a", "e"],
    "municipality_key": "14521530",
    "planned_start": "2027-09-01",
    "planned_end": "2029-08-31",
    "partners": [{"name": "Gymnasium Schneeberg", "type": "Schule", "role": "Kurse"}],
    "cost_lines": [
        {
            "category": "equipment",
            "description": "3D-Drucker und Lasercutter",
            "amount": "60000.00",
        },
        {"category": "personnel", "description": "Werkstattleitung 0,5 VZÄ", "amount": "70000.00"},
        {"category": "material", "description": "Verbrauchsmaterial", "amount": "20000.00"},
    ],
    "financing": {
        "requested_grant": "100000.00",
        "own_funds": "50000.00",
        "third_party_funds": "0.00",
    },
    "declarations": {
        "subsidy_relevant_facts_acknowledged": True,
        "not_started_declared": True,
        "de_minimis_declared": True,
        "de_minimis_prior_aid": [],
        "economic_activity": False,
        "vat_deduction": "none",
        "data_protection_acknowledged": True,
    },
}


@dataclass(frozen=True, slots=True)
class DemoStaff:
    role: StaffRole
    email: str
    name: str
    # What the evaluator knows about. The pool profile has no field for it (yet): it is shown
    # in the CLI's table and in the address, so that a manager can tell the four apart.
    expertise: str = ""


DEMO_STAFF = (
    DemoStaff(StaffRole.PROGRAMME_MANAGER, MANAGER_EMAIL, "Petra Programm"),
    DemoStaff(
        StaffRole.EVALUATOR,
        f"gutachter@{DEMO_DOMAIN}",
        "Gustav Gutachter",
        "Regionalentwicklung, ländlicher Raum",
    ),
    DemoStaff(
        StaffRole.EVALUATOR,
        f"gutachterin.bildung@{DEMO_DOMAIN}",
        "Dr. Bettina Bildung",
        "Digitale Bildung und Teilhabe",
    ),
    DemoStaff(
        StaffRole.EVALUATOR,
        f"gutachter.wirtschaft@{DEMO_DOMAIN}",
        "Wolfgang Wirtschaft",
        "Mittelstand und Digitalisierung",
    ),
    DemoStaff(
        StaffRole.EVALUATOR,
        f"gutachterin.technik@{DEMO_DOMAIN}",
        "Prof. Tanja Technik",
        "Fertigungstechnik und Maker-Kultur",
    ),
)
DEMO_EVALUATORS = tuple(s for s in DEMO_STAFF if s.role is StaffRole.EVALUATOR)
SEED_STEPS = len(DEMO_STAFF) + 1


@dataclass(frozen=True, slots=True)
class DemoAccount:
    role: str
    email: str
    password: str | None  # None: the account existed already, its password is not known
    detail: str = ""  # an evaluator's expertise, the applicant's draft


@dataclass(frozen=True, slots=True)
class Uploads:
    """Where uploaded files go and who scans them: what the upload service needs besides the
    request (the app holds the same, built from the same settings)."""

    storage: Storage
    scanner: Scanner
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "Uploads":
        return cls(
            storage_from_settings(settings),
            scanner_from_settings(settings),
            settings.attachment_max_bytes,
        )


def is_demo_address(email: str) -> bool:
    return email.strip().lower().endswith("@" + DEMO_DOMAIN)


def new_password() -> str:
    return secrets.token_urlsafe(_PASSWORD_BYTES)


# --- a concept PDF -------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (cp1252 covers German text)."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def concept_pdf(title: str, paragraphs: Sequence[str]) -> bytes:
    """A small, well-formed one-page PDF (A4, Helvetica) with the title and the paragraphs
    as visible text: what a Projektskizze attachment looks like, made without a library."""
    lines: list[bytes] = [b"/F1 16 Tf", _pdf_text(title) + b" Tj", b"/F1 10 Tf"]
    for paragraph in paragraphs:
        lines.append(b"T* T*" if len(lines) > 3 else b"T*")
        for row in textwrap.wrap(paragraph, 90) or [""]:
            lines.append(_pdf_text(row) + b" '")
    stream = b"BT 14 TL 56 780 Td\n" + b"\n".join(lines) + b"\nET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def draft_concept_pdf(draft: dict[str, Any]) -> bytes:
    concept = draft.get("concept", {})
    return concept_pdf(
        f"Projektskizze: {draft['title']}",
        [draft.get("summary", ""), *(str(text) for text in concept.values())],
    )


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def upload_concept(
    ctx: UserContext, application_id: uuid.UUID, draft: dict[str, Any], uploads: Uploads
) -> None:
    """The draft's concept PDF, through the upload service (typed, scanned, stored, audited)."""
    content = draft_concept_pdf(draft)
    await upload_attachment(
        ctx,
        application_id,
        kind=AttachmentKind.CONCEPT,
        filename=f"Projektskizze {draft['title']}.pdf",
        body=_chunks(content),
        declared_length=len(content),
        max_bytes=uploads.max_bytes,
        storage=uploads.storage,
        scanner=uploads.scanner,
        declared_type="application/pdf",
    )


# --- the seed ------------------------------------------------------------------------------


async def user_id_of(session: AsyncSession, email: str) -> uuid.UUID | None:
    async with session.begin():
        found = await session.execute(
            sa.select(users_table.c.id).where(users_table.c.email == email)
        )
        return found.scalar_one_or_none()


async def _ensure_staff(ctx: Context, staff: DemoStaff) -> DemoAccount:
    """The staff account, and an evaluator's pool profile (cap 60) if it has none: an
    evaluator seeded by an older version may predate the profile."""
    user_id = await user_id_of(ctx.session, staff.email)
    password = None
    if user_id is None:
        password = new_password()
        user_id, _ = await create_staff_user(
            ctx, email=staff.email, display_name=staff.name, password=password, roles=[staff.role]
        )
    if staff.role is StaffRole.EVALUATOR:
        async with ctx.session.begin():
            profiled = (
                await ctx.session.execute(
                    sa.select(evaluator_profiles_table.c.user_id).where(
                        evaluator_profiles_table.c.user_id == user_id
                    )
                )
            ).first()
        if profiled is None:
            await upsert_profile(ctx, user_id, ProfileUpsert(), if_match=None)
    return DemoAccount(staff.role.value, staff.email, password, staff.expertise)


async def applicant_principal(session: AsyncSession, email: str) -> Principal | None:
    """The principal of an existing applicant account, as its login would load it."""
    async with session.begin():
        rows = (
            await session.execute(
                sa.select(
                    users_table.c.id,
                    users_table.c.display_name,
                    memberships_table.c.organisation_id,
                    memberships_table.c.role,
                )
                .join(memberships_table, memberships_table.c.user_id == users_table.c.id)
                .where(users_table.c.email == email)
            )
        ).all()
    if not rows:
        return None
    return Principal(
        user_id=rows[0].id,
        email=email,
        display_name=rows[0].display_name,
        memberships={row.organisation_id: str(row.role) for row in rows},
    )


async def _ensure_demo_draft(ctx: UserContext, uploads: Uploads | None) -> str:
    """The demo draft of the applicant's organisation, with its concept PDF: created if the
    organisation has no application in the demo call; a draft without a concept (seeded by an
    older version) gets one. A submitted application is left alone."""
    [organisation_id] = ctx.principal.memberships
    async with ctx.session.begin():
        existing = (
            await ctx.session.execute(
                sa.select(applications_table.c.id, applications_table.c.status)
                .where(
                    applications_table.c.organisation_id == organisation_id,
                    applications_table.c.call_code == DEMO_CALL,
                )
                .order_by(applications_table.c.created_at)
            )
        ).first()
    if existing is None:
        created = await create_application(
            ctx,
            ApplicationCreate.model_validate(
                {"call": DEMO_CALL, "funding_line": "stationary", **DEMO_DRAFT}
            ),
        )
        application_id, status = created.id, State.DRAFT.value
    else:
        application_id, status = existing.id, existing.status
    if status != State.DRAFT.value:
        return f"demo application {status}"
    if uploads is not None:
        async with ctx.session.begin():
            attached = await list_attachments(ctx, application_id)
        if not any(a.kind == AttachmentKind.CONCEPT for a in attached):
            await upload_concept(ctx, application_id, DEMO_DRAFT, uploads)
        return "demo draft with its concept PDF, ready to submit"
    return "demo draft (no concept PDF: no attachment store given)"


async def seed_demo(
    session: AsyncSession,
    *,
    registry: GuidelineRegistry | None = None,
    uploads: Uploads | None = None,
    on_step: Callable[[], None] = lambda: None,
    now: datetime | None = None,
) -> list[DemoAccount]:
    """The demo accounts (``SEED_STEPS`` steps, ``on_step`` after each). New evaluators join
    the pool (cap 60). With ``registry``, the applicant's organisation gets a complete draft
    of the demo call; with ``uploads`` too, its concept PDF, so that it can be submitted."""
    ctx = Context(
        session=session,
        actor=Actor.system("cli:demo-seed"),
        now=now or datetime.now(UTC),
        guidelines=registry or GuidelineRegistry([]),
    )
    accounts: list[DemoAccount] = []
    for staff in DEMO_STAFF:
        accounts.append(await _ensure_staff(ctx, staff))
        on_step()
    password = None
    if await user_id_of(session, APPLICANT_EMAIL) is None:
        password = new_password()
        await register_applicant(
            ctx,
            RegistrationCreate(
                email=APPLICANT_EMAIL,
                password=password,
                display_name="Anna Antrag",
                organisation=OrganisationCreate(
                    legal_name="MakerHub Erzgebirge e.V.",
                    legal_form="eingetragener Verein",
                    applicant_type=ApplicantType.NONPROFIT,
                    street="Markt 1",
                    postal_code="08289",
                    city="Schneeberg",
                    municipality_key="14521530",
                ),
            ),
        )
    detail = ""
    principal = await applicant_principal(session, APPLICANT_EMAIL)
    if registry is not None and principal is not None and len(principal.memberships) == 1:
        detail = await _ensure_demo_draft(
            UserContext.of(session, principal, now=ctx.now, guidelines=registry), uploads
        )
    accounts.append(DemoAccount("applicant", APPLICANT_EMAIL, password, detail))
    on_step()
    return accounts


# --- new passwords for the demo accounts ---------------------------------------------------


async def reset_demo_passwords(
    session: AsyncSession, *, emails: Sequence[str] = (), now: datetime | None = None
) -> list[DemoAccount]:
    """A new password for every demo account (or for the ``emails`` named, each of which
    must be one), as a completed password reset does it: the new hash, every login session
    ended, open reset links spent, login-failure counters cleared, one audit entry each.
    Accounts outside ``DEMO_DOMAIN`` are never selected, whatever ``emails`` says."""
    wanted = [e.strip().lower() for e in emails]
    foreign = [e for e in wanted if not is_demo_address(e)]
    if foreign:
        raise InvalidInput(
            f"Nur Demo-Konten (@{DEMO_DOMAIN}) (only demo accounts).",
            problems=tuple(
                FieldProblem("email", "not_a_demo_account", f"{e} ist kein Demo-Konto")
                for e in foreign
            ),
        )
    users = users_table
    query = (
        sa.select(users.c.id, users.c.email, users.c.display_name)
        .where(
            users.c.email.endswith("@" + DEMO_DOMAIN, autoescape=True),
            users.c.password_hash.is_not(None),
        )
        .order_by(users.c.email)
    )
    if wanted:
        query = query.where(users.c.email.in_(wanted))
    async with session.begin():
        found = (await session.execute(query)).all()
    unknown = sorted(set(wanted) - {row.email for row in found})
    if unknown:
        raise InvalidInput(
            "Kein solches Demo-Konto (no such demo account).",
            problems=tuple(
                FieldProblem("email", "unknown", f"{e} gibt es nicht (no account)") for e in unknown
            ),
        )
    # Hashing takes ~50 ms each: done before the transaction, which then only writes.
    fresh = []
    for row in found:
        password = new_password()
        hashed = await hash_checked_password(
            password, field="password", context=(row.email, row.display_name)
        )
        fresh.append((row, password, hashed))
    ctx = Context(
        session=session,
        actor=Actor.system("cli:demo-reset-passwords"),
        now=now or datetime.now(UTC),
        guidelines=GuidelineRegistry([]),
    )
    async with session.begin():
        for row, _, hashed in fresh:
            await session.execute(
                sa.update(users)
                .where(users.c.id == row.id)
                .values(password_hash=hashed, updated_at=ctx.now)
            )
            await session.execute(
                sa.update(password_resets_table)
                .where(
                    password_resets_table.c.user_id == row.id,
                    password_resets_table.c.used_at.is_(None),
                )
                .values(used_at=ctx.now)
            )
            ended = (
                await session.execute(
                    sa.update(auth_sessions_table)
                    .where(
                        auth_sessions_table.c.user_id == row.id,
                        auth_sessions_table.c.revoked_at.is_(None),
                    )
                    .values(revoked_at=ctx.now)
                    .returning(auth_sessions_table.c.id)
                )
            ).all()
            await clear_account_failures_everywhere(session, email=row.email)
            await ctx.audit(
                AuditAction.DEMO_PASSWORD_RESET,
                object_type="user",
                object_id=row.id,
                after={"email": row.email, "sessions_ended": len(ended)},
            )
    roles = await _roles_of(session, [row.id for row, _, _ in fresh])
    return [
        DemoAccount(roles.get(row.id, "applicant"), row.email, password)
        for row, password, _ in fresh
    ]


async def _roles_of(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    async with session.begin():
        rows = (
            await session.execute(
                sa.select(staff_roles_table.c.user_id, staff_roles_table.c.role)
                .where(staff_roles_table.c.user_id.in_(user_ids))
                .order_by(staff_roles_table.c.role)
            )
        ).all()
    roles: dict[uuid.UUID, list[str]] = {}
    for row in rows:
        roles.setdefault(row.user_id, []).append(str(row.role))
    return {user_id: ", ".join(names) for user_id, names in roles.items()}
