"""Signing in: login with throttling, refresh-token rotation (throttled per login session
and, for failures, per client address), logout, and the principal behind an access token
(checked on every authenticated request, so kept to one query)."""

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from grants.accounts.passwords import hash_password, needs_rehash, verify_password
from grants.accounts.policy import AccountPolicy
from grants.accounts.schemas import TokenPair
from grants.accounts.service import normalise_email, principal_of_row, principal_query
from grants.accounts.tables import (
    auth_sessions_table,
    memberships_table,
    staff_roles_table,
    users_table,
)
from grants.accounts.throttle import (
    REFRESH_ADDRESS,
    REFRESH_SESSION,
    Counter,
    ThrottleLimits,
    clear_account_failures,
    count,
    count_attempt,
    ensure_below,
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
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.actors import Actor
from grants.core.audit_actions import AuditAction
from grants.core.errors import AuthenticationFailed
from grants.db.hot_reads import HotReads

_users = users_table
_memberships = memberships_table
_staff = staff_roles_table
_sessions = auth_sessions_table

_BAD_CREDENTIALS = "E-Mail oder Passwort ist falsch (wrong e-mail or password)."
_BAD_TOKEN = "Anmeldung abgelaufen oder ungültig (session expired or invalid)."  # noqa: S105


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    keys: TokenKeys
    access_lifetime: timedelta
    refresh_lifetime: timedelta
    browser_lifetime: timedelta


def _issue_pair(
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


@dataclass(frozen=True, slots=True)
class OpenedSession:
    user_id: uuid.UUID
    session_id: uuid.UUID
    refresh_jti: uuid.UUID


async def open_session(
    ctx: Context,
    *,
    email: str,
    password: str,
    client_address: str,
    lifetime: timedelta,
    limits: ThrottleLimits,
) -> OpenedSession:
    """Check e-mail and password (throttled) and open a new login session: the one way in,
    for the API's token pair and the portal's cookie alike. Every sign-in is a new session
    with a new id; nothing of an earlier one is reused."""
    email = normalise_email(email)
    async with ctx.session.begin():
        await ensure_login_allowed(
            ctx.session, email=email, address=client_address, now=ctx.now, limits=limits
        )
        row = (
            await ctx.session.execute(
                sa.select(_users.c.id, _users.c.password_hash, _users.c.is_active).where(
                    _users.c.email == email
                )
            )
        ).first()
    stored_hash = row.password_hash if row is not None and row.is_active else None
    # Always verify, against a dummy hash for unknown users: equal timing either way.
    valid = await asyncio.to_thread(verify_password, stored_hash, password)
    if not valid or row is None:
        async with ctx.session.begin():
            await record_login_failure(
                ctx.session, email=email, address=client_address, now=ctx.now, limits=limits
            )
        raise AuthenticationFailed(_BAD_CREDENTIALS)

    async with ctx.session.begin():
        await clear_account_failures(ctx.session, email=email, address=client_address)
        if stored_hash is not None and needs_rehash(stored_hash):
            new_hash = await asyncio.to_thread(hash_password, password)
            await ctx.session.execute(
                sa.update(_users).where(_users.c.id == row.id).values(password_hash=new_hash)
            )
        auth_session = (
            await ctx.session.execute(
                sa.insert(_sessions)
                .values(
                    user_id=row.id,
                    created_at=ctx.now,
                    expires_at=ctx.now + lifetime,
                    client_address=client_address[:64],
                )
                .returning(_sessions.c.id, _sessions.c.refresh_jti)
            )
        ).one()
        # The anonymous caller has become a known user: the entry names them.
        signed_in = replace(
            ctx, actor=Actor(user_id=row.id, label=email, request_id=ctx.request_id)
        )
        await signed_in.audit(
            AuditAction.USER_LOGGED_IN,
            object_type="auth_session",
            object_id=auth_session.id,
            after={"client_address": client_address},
        )
    return OpenedSession(row.id, auth_session.id, auth_session.refresh_jti)


async def confirm_password(
    ctx: UserContext,
    password: str,
    *,
    purpose: str,
    object_type: str,
    object_id: uuid.UUID,
    client_address: str,
    limits: ThrottleLimits,
) -> None:
    """A fresh confirmation: the signed-in user re-enters their password before a step that
    binds or pays money, so that an open session someone else got hold of cannot take it
    alone. Throttled as a sign-in is (the same counters), a failure counted; the
    confirmation is audited with what it was for."""
    email = normalise_email(ctx.principal.email)
    async with ctx.session.begin():
        await ensure_login_allowed(
            ctx.session, email=email, address=client_address, now=ctx.now, limits=limits
        )
        stored_hash = (
            await ctx.session.execute(
                sa.select(_users.c.password_hash).where(
                    _users.c.id == ctx.principal.user_id, _users.c.is_active.is_(True)
                )
            )
        ).scalar_one_or_none()
    valid = await asyncio.to_thread(verify_password, stored_hash, password)
    async with ctx.session.begin():
        if not valid:
            await record_login_failure(
                ctx.session, email=email, address=client_address, now=ctx.now, limits=limits
            )
        else:
            await ctx.audit(
                AuditAction.PASSWORD_CONFIRMED,
                object_type=object_type,
                object_id=object_id,
                after={"purpose": purpose, "client_address": client_address},
            )
    if not valid:
        raise AuthenticationFailed("Das Passwort stimmt nicht (the password does not match).")


async def login(
    ctx: Context,
    *,
    email: str,
    password: str,
    client_address: str,
    policy: TokenPolicy,
    limits: ThrottleLimits,
) -> TokenPair:
    opened = await open_session(
        ctx,
        email=email,
        password=password,
        client_address=client_address,
        lifetime=policy.refresh_lifetime,
        limits=limits,
    )
    return _issue_pair(
        policy,
        user_id=opened.user_id,
        session_id=opened.session_id,
        refresh_jti=opened.refresh_jti,
        now=ctx.now,
    )


async def browser_sign_in(
    ctx: Context,
    *,
    email: str,
    password: str,
    client_address: str,
    policy: TokenPolicy,
    limits: ThrottleLimits,
) -> IssuedToken:
    """The portal's sign-in: a new login session, as a token for the session cookie that
    lives as long as the session (``browser_lifetime``) and is good for nothing else."""
    opened = await open_session(
        ctx,
        email=email,
        password=password,
        client_address=client_address,
        lifetime=policy.browser_lifetime,
        limits=limits,
    )
    return issue_token(
        policy.keys,
        subject=str(opened.user_id),
        purpose=TokenPurpose.BROWSER,
        session_id=opened.session_id,
        now=ctx.now,
        lifetime=policy.browser_lifetime,
    )


async def refresh_tokens(
    ctx: Context,
    refresh_token: str,
    *,
    policy: TokenPolicy,
    client_address: str,
    limits: AccountPolicy,
) -> TokenPair:
    """Rotate the refresh token. A refresh token that was already used (a stolen copy, or
    the legitimate one after the thief used it) revokes the whole session.

    Throttled like login: failures per client address, and every attempt per session (the
    token family; counted only once the signature is verified, so nobody can throttle a
    session whose id they merely name)."""
    try:
        claims: TokenClaims | None = verify_token(
            refresh_token, policy.keys, purpose=TokenPurpose.REFRESH
        )
    except InvalidToken:
        claims = None
    failures = Counter(
        REFRESH_ADDRESS, client_address, limits.refresh_failures_per_address, limits.refresh_window
    )
    refusal = None
    async with ctx.session.begin():
        await ensure_below(ctx.session, [failures], now=ctx.now)
        if claims is not None:
            family = Counter(
                REFRESH_SESSION,
                str(claims.session_id),
                limits.refreshes_per_session,
                limits.refresh_window,
            )
            refusal = await count_attempt(ctx.session, [family], now=ctx.now)
    if refusal is not None:
        raise refusal
    if claims is None:
        async with ctx.session.begin():
            await count(ctx.session, [failures], now=ctx.now)
        raise AuthenticationFailed(_BAD_TOKEN)
    new_jti = uuid.uuid4()
    async with ctx.session.begin():
        rotated = (
            await ctx.session.execute(
                sa.update(_sessions)
                .where(
                    _sessions.c.id == claims.session_id,
                    _sessions.c.user_id == _as_uuid(claims.subject),
                    _sessions.c.refresh_jti == _as_uuid(claims.jti),
                    _sessions.c.revoked_at.is_(None),
                    _sessions.c.expires_at > ctx.now,
                    sa.exists().where(_users.c.id == _sessions.c.user_id, _users.c.is_active),
                )
                .values(refresh_jti=new_jti)
                .returning(_sessions.c.user_id)
            )
        ).first()
        if rotated is None:
            await ctx.session.execute(
                sa.update(_sessions)
                .where(_sessions.c.id == claims.session_id, _sessions.c.revoked_at.is_(None))
                .values(revoked_at=ctx.now)
            )
            await count(ctx.session, [failures], now=ctx.now)
    if rotated is None:
        raise AuthenticationFailed(_BAD_TOKEN)
    if claims.session_id is None:  # cannot happen: local tokens always carry one
        raise AuthenticationFailed(_BAD_TOKEN)
    return _issue_pair(
        policy,
        user_id=rotated.user_id,
        session_id=claims.session_id,
        refresh_jti=new_jti,
        now=ctx.now,
    )


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def logout(ctx: UserContext) -> None:
    if ctx.principal.session_id is None:
        return  # a token of the external provider: nothing of ours to revoke
    async with ctx.session.begin():
        revoked = await ctx.session.execute(
            sa.update(_sessions)
            .where(_sessions.c.id == ctx.principal.session_id, _sessions.c.revoked_at.is_(None))
            .values(revoked_at=ctx.now)
            .returning(_sessions.c.id)
        )
        if revoked.first() is not None:
            await ctx.audit(
                action=AuditAction.USER_LOGGED_OUT,
                object_type="auth_session",
                object_id=ctx.principal.session_id,
            )


# Built once: this runs on every authenticated request (the statement is a pure expression).
_PRINCIPAL_BY_SESSION = (
    principal_query()
    .join(_sessions, _sessions.c.user_id == _users.c.id)
    .where(
        _users.c.id == sa.bindparam("user_id", type_=sa.Uuid),
        _sessions.c.id == sa.bindparam("session_id", type_=sa.Uuid),
        _sessions.c.revoked_at.is_(None),
        _sessions.c.expires_at > sa.bindparam("now", type_=sa.DateTime(timezone=True)),
    )
)
_PRINCIPAL_BY_OIDC_SUBJECT = principal_query().where(
    _users.c.oidc_issuer == sa.bindparam("issuer"),
    _users.c.oidc_subject == sa.bindparam("subject"),
)


async def load_principal(
    reads: HotReads, claims: TokenClaims, *, now: datetime
) -> Principal | None:
    """The user behind a verified access token, in one round trip (a prepared statement on
    the hot-read pool); None when the session was revoked or expired, or the user is
    deactivated or unknown. Nothing is cached: a logout, a password change, a role change
    or a deactivation counts from the next request on."""
    if claims.is_local:
        user_id = _as_uuid(claims.subject)
        if user_id is None:
            return None
        query = _PRINCIPAL_BY_SESSION
        params: dict[str, Any] = {"user_id": user_id, "session_id": claims.session_id, "now": now}
    else:
        query = _PRINCIPAL_BY_OIDC_SUBJECT
        params = {"issuer": claims.issuer, "subject": claims.subject}
    rows = await reads.fetch(query, params)
    if not rows:
        return None
    return principal_of_row(rows[0], claims.session_id)
