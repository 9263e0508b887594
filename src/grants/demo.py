"""Demo accounts for trying the system: one of each role, created through the services."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationCreate, RegistrationCreate
from grants.accounts.service import create_staff_user, register_applicant
from grants.accounts.tables import ApplicantType, StaffRole, User
from grants.core.actors import Actor


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
    session: AsyncSession, *, on_step: Callable[[], None] = lambda: None
) -> list[DemoAccount]:
    actor = Actor.system("cli:demo-seed")
    now = datetime.now(UTC)
    accounts: list[DemoAccount] = []
    for role, email, name in (
        (StaffRole.PROGRAMME_MANAGER, "programm@demo.grants.example", "Petra Programm"),
        (StaffRole.EVALUATOR, "gutachter@demo.grants.example", "Gustav Gutachter"),
    ):
        password = None if await _exists(session, email) else secrets.token_urlsafe(12)
        if password is not None:
            await create_staff_user(
                session,
                email=email,
                display_name=name,
                password=password,
                roles=[role],
                actor=actor,
                now=now,
            )
        accounts.append(DemoAccount(role.value, email, password))
        on_step()
    email = "antrag@demo.grants.example"
    password = None if await _exists(session, email) else secrets.token_urlsafe(12)
    if password is not None:
        await register_applicant(
            session,
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
            now=now,
            request_id=None,
        )
    accounts.append(DemoAccount("applicant", email, password))
    on_step()
    return accounts
