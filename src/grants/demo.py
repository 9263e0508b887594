"""Demo accounts for trying the system: one of each role, created through the services."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationCreate, RegistrationCreate
from grants.accounts.service import create_staff_user, register_applicant
from grants.accounts.tables import User
from grants.applications.drafts import create_application
from grants.applications.schemas import ApplicationCreate
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.actors import Actor
from grants.core.roles import ApplicantType, StaffRole
from grants.evaluation.assignment.pool import upsert_profile
from grants.evaluation.assignment.schemas import ProfileUpsert
from grants.guidelines.registry import GuidelineRegistry

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
        "de_minimis_declared": True,
        "de_minimis_prior_aid": [],
        "economic_activity": False,
        "vat_deductible": False,
        "data_protection_acknowledged": True,
    },
}


@dataclass(frozen=True, slots=True)
class DemoAccount:
    role: str
    email: str
    password: str | None  # None: the account existed already, its password is not known


async def _exists(session: AsyncSession, email: str) -> bool:
    async with session.begin():
        users = User.__table__  # type: ignore[attr-defined]
        found = await session.execute(sa.select(users.c.id).where(users.c.email == email))
        return found.first() is not None


async def seed_demo(
    session: AsyncSession,
    *,
    registry: GuidelineRegistry | None = None,
    on_step: Callable[[], None] = lambda: None,
) -> list[DemoAccount]:
    """The demo accounts; a new demo evaluator joins the evaluator pool (cap 60); with
    ``registry``, the new applicant also gets a complete draft of the demo call, ready to
    attach a concept PDF and submit."""
    ctx = Context(
        session=session,
        actor=Actor.system("cli:demo-seed"),
        now=datetime.now(UTC),
        guidelines=registry or GuidelineRegistry([]),
    )
    accounts: list[DemoAccount] = []
    for role, email, name in (
        (StaffRole.PROGRAMME_MANAGER, "programm@demo.grants.example", "Petra Programm"),
        (StaffRole.EVALUATOR, "gutachter@demo.grants.example", "Gustav Gutachter"),
    ):
        password = None if await _exists(session, email) else secrets.token_urlsafe(12)
        if password is not None:
            user_id, _ = await create_staff_user(
                ctx, email=email, display_name=name, password=password, roles=[role]
            )
            if role is StaffRole.EVALUATOR:
                await upsert_profile(ctx, user_id, ProfileUpsert(), if_match=None)
        accounts.append(DemoAccount(role.value, email, password))
        on_step()
    email = "antrag@demo.grants.example"
    password = None if await _exists(session, email) else secrets.token_urlsafe(12)
    if password is not None:
        registered = await register_applicant(
            ctx,
            RegistrationCreate(
                email=email,
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
        if registry is not None:
            applicant = Principal(
                user_id=registered.user.id,
                email=email,
                display_name="Anna Antrag",
                memberships={registered.organisation.id: "admin"},
            )
            await create_application(
                UserContext.of(session, applicant, now=ctx.now, guidelines=registry),
                ApplicationCreate.model_validate(
                    {"call": "demo", "funding_line": "stationary", **DEMO_DRAFT}
                ),
            )
    accounts.append(DemoAccount("applicant", email, password))
    on_step()
    return accounts
