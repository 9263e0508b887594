"""Use cases of the accounts feature. Each public function is one transaction: it takes the
use-case context (session, actor, ``now``) and writes its audit rows before commit. Reads and
writes are SQLAlchemy Core statements on the ``*_table`` objects, as in the other features."""

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

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
    customer_number_seq,
    memberships_table,
    organisations_table,
    staff_roles_table,
    users_table,
)
from grants.context import Context, UserContext
from grants.core.access import Principal, ensure_organisation_access
from grants.core.actors import Actor
from grants.core.audit_actions import AuditAction
from grants.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from grants.core.password_policy import password_problems
from grants.core.roles import OrganisationRole, StaffRole
from grants.core.versions import ensure_version, parse_if_match
from grants.db.hot_reads import HotReads
from grants.http.fields import Page

_users = users_table
_orgs = organisations_table
_memberships = memberships_table
_staff = staff_roles_table


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _organisation_public(row: sa.Row[Any]) -> OrganisationPublic:
    """An ``organisations`` row (all its columns) as the API shows it."""
    return OrganisationPublic.model_validate(row._mapping)


def _user_public(row: sa.Row[Any]) -> UserPublic:
    return UserPublic.model_validate(row._mapping)


# What the API shows of a user: the columns of ``UserPublic`` (never the password hash).
_USER_PUBLIC = (_users.c.id, _users.c.email, _users.c.display_name, _users.c.created_at)


async def hash_checked_password(password: str, *, field: str, context: tuple[str, ...]) -> str:
    """Check the policy and hash in a worker thread: Argon2id costs ~50 ms of CPU (and frees
    the GIL), zxcvbn a few ms; neither may stall the event loop."""

    def check_and_hash() -> str:
        problems = password_problems(password, field=field, context=context)
        if problems:
            raise InvalidInput(
                "Das Passwort erfüllt die Regeln nicht (the password does not meet the rules).",
                problems=problems,
            )
        return hash_password(password)

    return await asyncio.to_thread(check_and_hash)


async def _email_taken(session: AsyncSession, email: str) -> bool:
    found = await session.execute(sa.select(_users.c.id).where(_users.c.email == email))
    return found.first() is not None


def _email_conflict(email: str) -> Conflict:
    return Conflict(
        "Diese E-Mail-Adresse ist bereits registriert (e-mail already registered).",
        problems=(
            FieldProblem(
                "email", "unique", f"{email} ist bereits registriert (already registered)."
            ),
        ),
    )


def is_email_conflict(exc: IntegrityError) -> bool:
    """Two writers of one address raced past the check; the unique index decided."""
    return "uq_users_email" in str(exc.orig)


async def create_applicant(
    ctx: Context,
    *,
    email: str,
    password_hash: str,
    display_name: str,
    organisation: dict[str, Any],
    audit_extra: dict[str, Any] | None = None,
) -> RegistrationPublic:
    """Insert the user, the organisation and the admin membership with their audit entries,
    in the caller's transaction (all or nothing with whatever else it writes)."""
    if await _email_taken(ctx.session, email):
        raise _email_conflict(email)
    number = (await ctx.session.execute(sa.select(customer_number_seq.next_value()))).scalar_one()
    org = (
        await ctx.session.execute(
            sa.insert(_orgs)
            .values(
                customer_number=str(number),
                created_at=ctx.now,
                updated_at=ctx.now,
                **organisation,
            )
            .returning(_orgs)
        )
    ).one()
    user = (
        await ctx.session.execute(
            sa.insert(_users)
            .values(
                email=email,
                password_hash=password_hash,
                display_name=display_name,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
            .returning(*_USER_PUBLIC)
        )
    ).one()
    await ctx.session.execute(
        sa.insert(_memberships).values(
            user_id=user.id,
            organisation_id=org.id,
            role=OrganisationRole.ADMIN,
            created_at=ctx.now,
        )
    )
    result = RegistrationPublic(user=_user_public(user), organisation=_organisation_public(org))
    # The new user registers themselves: they are the actor of both entries.
    registrant = replace(ctx, actor=Actor(user_id=user.id, label=email, request_id=ctx.request_id))
    await registrant.audit(
        action=AuditAction.ORGANISATION_REGISTERED,
        object_type="organisation",
        object_id=org.id,
        after=result.organisation.model_dump(),
    )
    await registrant.audit(
        action=AuditAction.USER_REGISTERED,
        object_type="user",
        object_id=user.id,
        after={
            **result.user.model_dump(),
            "organisation_id": org.id,
            "role": "admin",
            **(audit_extra or {}),
        },
    )
    return result


async def register_applicant(ctx: Context, data: RegistrationCreate) -> RegistrationPublic:
    """Create an applicant user, its organisation and the admin membership at once, all or
    nothing: for trusted callers that vouch for the address (the demo seed). The public
    registration confirms the address by e-mail first (``accounts.registration``)."""
    email = normalise_email(str(data.email))
    password_hash = await hash_checked_password(
        data.password, field="password", context=(email, data.display_name)
    )
    try:
        async with ctx.session.begin():
            result = await create_applicant(
                ctx,
                email=email,
                password_hash=password_hash,
                display_name=data.display_name,
                organisation=data.organisation.model_dump(),
            )
    except IntegrityError as exc:
        if is_email_conflict(exc):
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


async def describe_me(reads: HotReads, principal: Principal) -> MePublic:
    """One prepared statement on the hot-read pool: every client asks this on every start."""
    rows = await reads.fetch(_ME, {"user_id": principal.user_id})
    if not rows:
        raise NotFound("user not found")
    first = rows[0]
    user = UserPublic(
        id=first["user_id"],
        email=first["email"],
        display_name=first["display_name"],
        created_at=first["user_created_at"],
    )
    memberships = [
        MembershipPublic(
            role=row["role"], organisation=OrganisationPublic.model_validate(dict(row))
        )
        for row in rows
        if row["role"] is not None
    ]
    return MePublic(
        user=user,
        staff_roles=sorted(StaffRole(r) for r in principal.staff_roles),
        memberships=memberships,
    )


_ORG_STAFF = (StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN)


async def list_organisations(ctx: Context, *, limit: int, offset: int) -> Page[OrganisationPublic]:
    """All organisations, by name (for staff; the route's guard says which)."""
    async with ctx.session.begin():
        total = (
            await ctx.session.execute(sa.select(sa.func.count()).select_from(_orgs))
        ).scalar_one()
        rows = await ctx.session.execute(
            sa.select(_orgs).order_by(_orgs.c.legal_name, _orgs.c.id).limit(limit).offset(offset)
        )
        items = [_organisation_public(row) for row in rows]
    return Page[OrganisationPublic](items=items, total=total, limit=limit, offset=offset)


def _organisation_by_id(organisation_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(_orgs).where(_orgs.c.id == organisation_id)


async def get_organisation(ctx: UserContext, organisation_id: uuid.UUID) -> OrganisationPublic:
    ensure_organisation_access(ctx.principal, organisation_id, staff_roles=_ORG_STAFF)
    async with ctx.session.begin():
        org = (await ctx.session.execute(_organisation_by_id(organisation_id))).first()
    if org is None:
        raise NotFound("organisation not found")
    return _organisation_public(org)


async def update_organisation(
    ctx: UserContext,
    organisation_id: uuid.UUID,
    changes: OrganisationUpdate,
    *,
    if_match: str | None,
) -> OrganisationPublic:
    """Change the fields sent, based on the version named by ``if_match`` (428 without it,
    412 naming the current version when it is stale)."""
    ensure_organisation_access(ctx.principal, organisation_id, roles={OrganisationRole.ADMIN})
    expected = parse_if_match(if_match)
    values = changes.model_dump(exclude_unset=True)
    async with ctx.session.begin():
        org = (
            await ctx.session.execute(_organisation_by_id(organisation_id).with_for_update())
        ).first()
        if org is None:
            raise NotFound("organisation not found")
        ensure_version(org.version, expected)
        before = _organisation_public(org).model_dump()
        updated = (
            await ctx.session.execute(
                sa.update(_orgs)
                .where(_orgs.c.id == organisation_id)
                .values(version=org.version + 1, updated_at=ctx.now, **values)
                .returning(_orgs)
            )
        ).one()
        after = _organisation_public(updated)
        await ctx.audit(
            action=AuditAction.ORGANISATION_UPDATED,
            object_type="organisation",
            object_id=organisation_id,
            before=before,
            after=after.model_dump(),
        )
    return after


async def create_staff_user(
    ctx: Context, *, email: str, display_name: str, password: str, roles: Iterable[StaffRole]
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
    async with ctx.session.begin():
        existing = (
            await ctx.session.execute(sa.select(_users.c.id).where(_users.c.email == email))
        ).first()
    password_hash = None
    if existing is None:
        password_hash = await hash_checked_password(
            password, field="password", context=(email, display_name)
        )
    async with ctx.session.begin():
        if existing is None:
            user_id = (
                await ctx.session.execute(
                    sa.insert(_users)
                    .values(
                        email=email,
                        password_hash=password_hash,
                        display_name=display_name,
                        created_at=ctx.now,
                        updated_at=ctx.now,
                    )
                    .returning(_users.c.id)
                )
            ).scalar_one()
            await ctx.audit(
                action=AuditAction.USER_CREATED,
                object_type="user",
                object_id=user_id,
                after={"email": email, "display_name": display_name},
            )
        else:
            user_id = existing.id
        held = set(
            (
                await ctx.session.execute(
                    sa.select(_staff.c.role).where(_staff.c.user_id == user_id)
                )
            ).scalars()
        )
        for role in roles:
            if role in held:
                continue
            await ctx.session.execute(
                sa.insert(_staff).values(
                    user_id=user_id, role=role, granted_at=ctx.now, granted_by=ctx.actor.label
                )
            )
            await ctx.audit(
                action=AuditAction.STAFF_ROLE_GRANTED,
                object_type="user",
                object_id=user_id,
                after={"role": role},
            )
    return user_id, existing is None


async def organisation_profile(
    session: AsyncSession, organisation_id: uuid.UUID
) -> OrganisationPublic:
    """Master data of an organisation, in the caller's transaction; for other features that
    have already checked access to an object the organisation owns (no check here)."""
    row = (await session.execute(_organisation_by_id(organisation_id))).one()
    return _organisation_public(row)


async def contact_of(session: AsyncSession, user_id: uuid.UUID) -> tuple[str, str]:
    """(e-mail, display name) of a user, in the caller's transaction."""
    row = (
        await session.execute(
            sa.select(_users.c.email, _users.c.display_name).where(_users.c.id == user_id)
        )
    ).one()
    return row.email, row.display_name


def principal_query() -> sa.Select[Any]:
    """Id, e-mail, name, staff roles and memberships of active users: what a principal is
    made of (sign-in adds the login session's condition)."""
    staff = (
        sa.select(
            sa.func.coalesce(sa.func.array_agg(_staff.c.role), sa.literal([], sa.ARRAY(sa.String)))
        )
        .where(_staff.c.user_id == _users.c.id)
        .scalar_subquery()
    )
    memberships = (
        sa.select(
            sa.func.coalesce(
                sa.func.jsonb_object_agg(_memberships.c.organisation_id, _memberships.c.role),
                sa.text("'{}'::jsonb"),
            )
        )
        .where(_memberships.c.user_id == _users.c.id)
        .scalar_subquery()
    )
    return sa.select(
        _users.c.id,
        _users.c.email,
        _users.c.display_name,
        staff.label("staff"),
        memberships.label("orgs"),
    ).where(_users.c.is_active)


_PRINCIPAL_BY_USER = principal_query().where(_users.c.id == sa.bindparam("user_id", type_=sa.Uuid))


async def load_user_principal(session: AsyncSession, user_id: uuid.UUID) -> Principal | None:
    """An active user as a principal, without a login session: for work a person ordered
    that runs later in their name (a bulk release on the job queue). In the caller's
    transaction; None when the user is deactivated or unknown."""
    row = (await session.execute(_PRINCIPAL_BY_USER, {"user_id": user_id})).first()
    return None if row is None else principal_of_row(row._mapping)


def principal_of_row(row: Mapping[str, Any], session_id: uuid.UUID | None = None) -> Principal:
    """A principal from a row of ``principal_query``."""
    return Principal(
        user_id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        staff_roles=frozenset(row["staff"]),
        memberships={uuid.UUID(k): v for k, v in row["orgs"].items()},
        session_id=session_id,
    )
