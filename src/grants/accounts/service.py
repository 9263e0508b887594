"""Use cases of the accounts feature. Each public function is one transaction: it takes the
session, the actor (where there is one) and ``now``, and writes its audit rows before commit."""

import asyncio
import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.passwords import hash_password
from grants.accounts.schemas import (
    MembershipPublic,
    MePublic,
    OrganisationPublic,
    OrganisationUpdate,
    RegistrationCreate,
    RegistrationPublic,
    UserPublic,
)
from grants.accounts.tables import (
    Membership,
    Organisation,
    StaffRoleGrant,
    User,
    customer_number_seq,
    memberships_table,
    organisations_table,
    staff_roles_table,
    users_table,
)
from grants.core.access import Principal, ensure_organisation_access
from grants.core.actors import Actor
from grants.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from grants.core.password_policy import password_problems
from grants.core.roles import OrganisationRole, StaffRole
from grants.db.audit import record_audit
from grants.http.fields import Page

_users = users_table
_orgs = organisations_table
_memberships = memberships_table
_staff = staff_roles_table


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _organisation_public(org: Organisation) -> OrganisationPublic:
    return OrganisationPublic.model_validate(org, from_attributes=True)


def _user_public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


async def _hash_checked_password(password: str, *, field: str, context: tuple[str, ...]) -> str:
    """Check the policy and hash in a worker thread: Argon2id costs ~50 ms of CPU (and frees
    the GIL), zxcvbn a few ms; neither may stall the event loop."""

    def check_and_hash() -> str:
        problems = password_problems(password, field=field, context=context)
        if problems:
            raise InvalidInput("Das Passwort erfüllt die Regeln nicht.", problems=problems)
        return hash_password(password)

    return await asyncio.to_thread(check_and_hash)


async def _email_taken(session: AsyncSession, email: str) -> bool:
    found = await session.execute(sa.select(_users.c.id).where(_users.c.email == email))
    return found.first() is not None


def _email_conflict(email: str) -> Conflict:
    return Conflict(
        "Diese E-Mail-Adresse ist bereits registriert (e-mail already registered).",
        problems=(FieldProblem("email", "unique", f"{email} ist bereits registriert."),),
    )


async def register_applicant(
    session: AsyncSession, data: RegistrationCreate, *, now: datetime, request_id: str | None
) -> RegistrationPublic:
    """Create an applicant user, its organisation and the admin membership, all or nothing."""
    email = normalise_email(str(data.email))
    password_hash = await _hash_checked_password(
        data.password, field="password", context=(email, data.display_name)
    )
    try:
        async with session.begin():
            if await _email_taken(session, email):
                raise _email_conflict(email)
            number = (
                await session.execute(sa.select(customer_number_seq.next_value()))
            ).scalar_one()
            org = Organisation(
                customer_number=str(number),
                created_at=now,
                updated_at=now,
                **data.organisation.model_dump(),
            )
            user = User(
                email=email,
                password_hash=password_hash,
                display_name=data.display_name,
                created_at=now,
                updated_at=now,
            )
            session.add_all([org, user])
            await session.flush()
            session.add(
                Membership(
                    user_id=user.id,
                    organisation_id=org.id,
                    role=OrganisationRole.ADMIN,
                    created_at=now,
                )
            )
            await session.flush()
            result = RegistrationPublic(
                user=_user_public(user), organisation=_organisation_public(org)
            )
            actor = Actor(user_id=user.id, label=email, request_id=request_id)
            await record_audit(
                session,
                actor=actor,
                action="organisation_registered",
                object_type="organisation",
                object_id=org.id,
                now=now,
                after=result.organisation.model_dump(),
            )
            await record_audit(
                session,
                actor=actor,
                action="user_registered",
                object_type="user",
                object_id=user.id,
                now=now,
                after={**result.user.model_dump(), "organisation_id": org.id, "role": "admin"},
            )
    except IntegrityError as exc:
        # Two registrations of one address raced past the check; the unique index decided.
        if "uq_users_email" in str(exc.orig):
            raise _email_conflict(email) from None
        raise
    return result


# One statement for the profile page: the user, left-joined to each organisation and role.
_ME = (
    sa.select(
        _users.c.id.label("user_id"),
        _users.c.email,
        _users.c.display_name,
        _users.c.created_at.label("user_created_at"),
        _memberships.c.role,
        *_orgs.c,
    )
    .select_from(_users)
    .outerjoin(_memberships, _memberships.c.user_id == _users.c.id)
    .outerjoin(_orgs, _orgs.c.id == _memberships.c.organisation_id)
    .where(_users.c.id == sa.bindparam("user_id", type_=sa.Uuid))
    .order_by(_orgs.c.legal_name)
)


async def describe_me(session: AsyncSession, principal: Principal) -> MePublic:
    async with session.begin():
        rows = (await session.execute(_ME, {"user_id": principal.user_id})).all()
    if not rows:
        raise NotFound("user not found")
    first = rows[0]
    user = UserPublic(
        id=first.user_id,
        email=first.email,
        display_name=first.display_name,
        created_at=first.user_created_at,
    )
    memberships = [
        MembershipPublic(
            role=row.role, organisation=OrganisationPublic.model_validate(row._mapping)
        )
        for row in rows
        if row.role is not None
    ]
    return MePublic(
        user=user,
        staff_roles=sorted(StaffRole(r) for r in principal.staff_roles),
        memberships=memberships,
    )


_ORG_STAFF = (StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN)


async def list_organisations(
    session: AsyncSession, *, limit: int, offset: int
) -> Page[OrganisationPublic]:
    """All organisations, by name (for staff; the route's guard says which)."""
    async with session.begin():
        total = (await session.execute(sa.select(sa.func.count()).select_from(_orgs))).scalar_one()
        rows = await session.execute(
            sa.select(_orgs).order_by(_orgs.c.legal_name, _orgs.c.id).limit(limit).offset(offset)
        )
        items = [OrganisationPublic.model_validate(row._mapping) for row in rows]
    return Page[OrganisationPublic](items=items, total=total, limit=limit, offset=offset)


async def get_organisation(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID
) -> OrganisationPublic:
    ensure_organisation_access(principal, organisation_id, staff_roles=_ORG_STAFF)
    async with session.begin():
        org = await session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("organisation not found")
    return _organisation_public(org)


async def update_organisation(
    session: AsyncSession,
    principal: Principal,
    organisation_id: uuid.UUID,
    changes: OrganisationUpdate,
    *,
    now: datetime,
    request_id: str | None,
) -> OrganisationPublic:
    ensure_organisation_access(principal, organisation_id, roles={OrganisationRole.ADMIN})
    values = changes.model_dump(exclude_unset=True, exclude={"version"})
    async with session.begin():
        org = await session.get(Organisation, organisation_id, with_for_update=True)
        if org is None:
            raise NotFound("organisation not found")
        if org.version != changes.version:
            raise Conflict(
                "Die Organisation wurde inzwischen geändert "
                f"(changed meanwhile: version {org.version}, not {changes.version}).",
                problems=(FieldProblem("version", "stale", "reload and apply your change again"),),
            )
        before = _organisation_public(org).model_dump()
        for name, value in values.items():
            setattr(org, name, value)
        org.version += 1
        org.updated_at = now
        await session.flush()
        after = _organisation_public(org)
        await record_audit(
            session,
            actor=principal.as_actor(request_id),
            action="organisation_updated",
            object_type="organisation",
            object_id=org.id,
            now=now,
            before=before,
            after=after.model_dump(),
        )
    return after


async def create_staff_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: Iterable[StaffRole],
    actor: Actor,
    now: datetime,
) -> tuple[uuid.UUID, bool]:
    """Create a staff user with ``roles``, or grant the roles to an existing user (whose
    password then stays as it is). Returns the user id and whether the user is new."""
    email = normalise_email(email)
    roles = sorted(set(roles))
    if not roles:
        raise InvalidInput(
            "at least one staff role is required",
            problems=(FieldProblem("role", "required", "give a role"),),
        )
    async with session.begin():
        existing = (
            await session.execute(sa.select(_users.c.id).where(_users.c.email == email))
        ).first()
    password_hash = None
    if existing is None:
        password_hash = await _hash_checked_password(
            password, field="password", context=(email, display_name)
        )
    async with session.begin():
        if existing is None:
            user = User(
                email=email,
                password_hash=password_hash,
                display_name=display_name,
                created_at=now,
                updated_at=now,
            )
            session.add(user)
            await session.flush()
            user_id = user.id
            await record_audit(
                session,
                actor=actor,
                action="user_created",
                object_type="user",
                object_id=user_id,
                now=now,
                after={"email": email, "display_name": display_name},
            )
        else:
            user_id = existing.id
        held = set(
            (
                await session.execute(sa.select(_staff.c.role).where(_staff.c.user_id == user_id))
            ).scalars()
        )
        for role in roles:
            if role in held:
                continue
            session.add(
                StaffRoleGrant(user_id=user_id, role=role, granted_at=now, granted_by=actor.label)
            )
            await session.flush()
            await record_audit(
                session,
                actor=actor,
                action="staff_role_granted",
                object_type="user",
                object_id=user_id,
                now=now,
                after={"role": role},
            )
    return user_id, existing is None


async def organisation_profile(
    session: AsyncSession, organisation_id: uuid.UUID
) -> OrganisationPublic:
    """Master data of an organisation, in the caller's transaction; for other features that
    have already checked access to an object the organisation owns (no check here)."""
    row = (await session.execute(sa.select(_orgs).where(_orgs.c.id == organisation_id))).one()
    return OrganisationPublic.model_validate(row, from_attributes=True)


async def contact_of(session: AsyncSession, user_id: uuid.UUID) -> tuple[str, str]:
    """(e-mail, display name) of a user, in the caller's transaction."""
    row = (
        await session.execute(
            sa.select(_users.c.email, _users.c.display_name).where(_users.c.id == user_id)
        )
    ).one()
    return row.email, row.display_name
