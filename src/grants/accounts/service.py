"""Use cases of the accounts feature. Each public function is one transaction: it takes the
session, the actor (where there is one) and ``now``, and writes its audit rows before commit."""

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.passwords import hash_password, needs_rehash, verify_password
from grants.accounts.schemas import (
    MembershipPublic,
    MePublic,
    OrganisationPublic,
    OrganisationUpdate,
    RegistrationCreate,
    RegistrationPublic,
    TokenPair,
    UserPublic,
)
from grants.accounts.tables import (
    AuthSession,
    Membership,
    Organisation,
    OrganisationRole,
    StaffRole,
    StaffRoleGrant,
    User,
    customer_number_seq,
)
from grants.accounts.throttle import (
    ThrottleLimits,
    clear_account_failures,
    ensure_login_allowed,
    record_login_failure,
)
from grants.accounts.tokens import (
    InvalidToken,
    IssuedToken,
    TokenClaims,
    TokenKeys,
    TokenPurpose,
    issue_token,
    verify_token,
)
from grants.core.access import Principal, ensure_organisation_access
from grants.core.actors import Actor
from grants.core.errors import AuthenticationFailed, Conflict, FieldProblem, InvalidInput, NotFound
from grants.core.password_policy import password_problems
from grants.db.audit import record_audit
from grants.page import Page

_users = User.__table__  # type: ignore[attr-defined]
_orgs = Organisation.__table__  # type: ignore[attr-defined]
_memberships = Membership.__table__  # type: ignore[attr-defined]
_staff = StaffRoleGrant.__table__  # type: ignore[attr-defined]
_sessions = AuthSession.__table__  # type: ignore[attr-defined]

_BAD_CREDENTIALS = "E-Mail oder Passwort ist falsch (wrong e-mail or password)."
_BAD_TOKEN = "Anmeldung abgelaufen oder ungültig (session expired or invalid)."  # noqa: S105


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    keys: TokenKeys
    access_lifetime: timedelta
    refresh_lifetime: timedelta


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


async def _issue_pair(
    policy: TokenPolicy,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    refresh_jti: uuid.UUID,
    now: datetime,
) -> TokenPair:
    access: IssuedToken = issue_token(
        policy.keys,
        subject=str(user_id),
        purpose=TokenPurpose.ACCESS,
        session_id=session_id,
        now=now,
        lifetime=policy.access_lifetime,
    )
    refresh = issue_token(
        policy.keys,
        subject=str(user_id),
        purpose=TokenPurpose.REFRESH,
        session_id=session_id,
        now=now,
        lifetime=policy.refresh_lifetime,
        jti=refresh_jti,
    )
    return TokenPair(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=int(policy.access_lifetime.total_seconds()),
        refresh_expires_in=int(policy.refresh_lifetime.total_seconds()),
    )


async def login(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    client_address: str,
    policy: TokenPolicy,
    limits: ThrottleLimits,
    now: datetime,
    request_id: str | None,
) -> TokenPair:
    email = normalise_email(email)
    async with session.begin():
        await ensure_login_allowed(
            session, email=email, address=client_address, now=now, limits=limits
        )
        row = (
            await session.execute(
                sa.select(_users.c.id, _users.c.password_hash, _users.c.is_active).where(
                    _users.c.email == email
                )
            )
        ).first()
    stored_hash = row.password_hash if row is not None and row.is_active else None
    # Always verify, against a dummy hash for unknown users: equal timing either way.
    valid = await asyncio.to_thread(verify_password, stored_hash, password)
    if not valid or row is None:
        async with session.begin():
            await record_login_failure(
                session, email=email, address=client_address, now=now, limits=limits
            )
        raise AuthenticationFailed(_BAD_CREDENTIALS)

    async with session.begin():
        await clear_account_failures(session, email=email, address=client_address)
        if stored_hash is not None and needs_rehash(stored_hash):
            new_hash = await asyncio.to_thread(hash_password, password)
            await session.execute(
                sa.update(_users).where(_users.c.id == row.id).values(password_hash=new_hash)
            )
        auth_session = AuthSession(
            user_id=row.id,
            created_at=now,
            expires_at=now + policy.refresh_lifetime,
            client_address=client_address[:64],
        )
        session.add(auth_session)
        await session.flush()
        await record_audit(
            session,
            actor=Actor(user_id=row.id, label=email, request_id=request_id),
            action="user_logged_in",
            object_type="auth_session",
            object_id=auth_session.id,
            now=now,
            after={"client_address": client_address},
        )
    return await _issue_pair(
        policy,
        user_id=row.id,
        session_id=auth_session.id,
        refresh_jti=auth_session.refresh_jti,
        now=now,
    )


async def refresh_tokens(
    session: AsyncSession, refresh_token: str, *, policy: TokenPolicy, now: datetime
) -> TokenPair:
    """Rotate the refresh token. A refresh token that was already used (a stolen copy, or
    the legitimate one after the thief used it) revokes the whole session."""
    try:
        claims = verify_token(refresh_token, policy.keys, purpose=TokenPurpose.REFRESH)
    except InvalidToken:
        raise AuthenticationFailed(_BAD_TOKEN) from None
    new_jti = uuid.uuid4()
    async with session.begin():
        rotated = (
            await session.execute(
                sa.update(_sessions)
                .where(
                    _sessions.c.id == claims.session_id,
                    _sessions.c.user_id == _as_uuid(claims.subject),
                    _sessions.c.refresh_jti == _as_uuid(claims.jti),
                    _sessions.c.revoked_at.is_(None),
                    _sessions.c.expires_at > now,
                    sa.exists().where(_users.c.id == _sessions.c.user_id, _users.c.is_active),
                )
                .values(refresh_jti=new_jti)
                .returning(_sessions.c.user_id)
            )
        ).first()
        if rotated is None:
            await session.execute(
                sa.update(_sessions)
                .where(_sessions.c.id == claims.session_id, _sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
    if rotated is None:
        raise AuthenticationFailed(_BAD_TOKEN)
    if claims.session_id is None:  # cannot happen: local tokens always carry one
        raise AuthenticationFailed(_BAD_TOKEN)
    return await _issue_pair(
        policy, user_id=rotated.user_id, session_id=claims.session_id, refresh_jti=new_jti, now=now
    )


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def logout(
    session: AsyncSession, principal: Principal, *, now: datetime, request_id: str | None
) -> None:
    if principal.session_id is None:
        return  # a token of the external provider: nothing of ours to revoke
    async with session.begin():
        revoked = await session.execute(
            sa.update(_sessions)
            .where(_sessions.c.id == principal.session_id, _sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(_sessions.c.id)
        )
        if revoked.first() is not None:
            await record_audit(
                session,
                actor=principal.as_actor(request_id),
                action="user_logged_out",
                object_type="auth_session",
                object_id=principal.session_id,
                now=now,
            )


def _principal_query() -> sa.Select[Any]:
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


# Built once: this runs on every authenticated request (the statement is a pure expression).
_PRINCIPAL_BY_SESSION = (
    _principal_query()
    .join(_sessions, _sessions.c.user_id == _users.c.id)
    .where(
        _users.c.id == sa.bindparam("user_id", type_=sa.Uuid),
        _sessions.c.id == sa.bindparam("session_id", type_=sa.Uuid),
        _sessions.c.revoked_at.is_(None),
        _sessions.c.expires_at > sa.bindparam("now", type_=sa.DateTime(timezone=True)),
    )
)
_PRINCIPAL_BY_OIDC_SUBJECT = _principal_query().where(
    _users.c.oidc_issuer == sa.bindparam("issuer"),
    _users.c.oidc_subject == sa.bindparam("subject"),
)


async def load_principal(
    session: AsyncSession, claims: TokenClaims, *, now: datetime
) -> Principal | None:
    """The user behind a verified access token, in one round trip; None when the session was
    revoked or expired, or the user is deactivated or unknown."""
    if claims.is_local:
        user_id = _as_uuid(claims.subject)
        if user_id is None:
            return None
        query = _PRINCIPAL_BY_SESSION
        params: dict[str, Any] = {"user_id": user_id, "session_id": claims.session_id, "now": now}
    else:
        query = _PRINCIPAL_BY_OIDC_SUBJECT
        params = {"issuer": claims.issuer, "subject": claims.subject}
    async with session.begin():
        row = (await session.execute(query, params)).first()
    if row is None:
        return None
    return Principal(
        user_id=row.id,
        email=row.email,
        display_name=row.display_name,
        staff_roles=frozenset(row.staff),
        memberships={uuid.UUID(k): v for k, v in row.orgs.items()},
        session_id=claims.session_id,
    )


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
