"""Password reset by e-mail link.

``request_password_reset`` answers the same whether or not the address has an account (and
counts the request on the throttles either way, so not even a 429 tells them apart). For an
active account with a password it stores a single-use token (as its SHA-256) valid
``GRANTS_PASSWORD_RESET_MINUTES`` and queues the e-mail in the same transaction. Accounts
that sign in only through the OpenID Connect provider have no local password to reset.

``confirm_password_reset`` applies the password policy, sets the new hash, spends every open
reset link of the user, ends all their login sessions (their access and refresh tokens stop
working at once), clears their login-failure counters, tells the owner by e-mail and audits.
"""

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.notify import queue_password_changed, queue_password_reset
from grants.accounts.onetime import expired_token, invalid_token, new_token, token_hash, used_token
from grants.accounts.policy import AccountPolicy
from grants.accounts.registration import recipient_counter
from grants.accounts.schemas import AccountRequestAccepted
from grants.accounts.service import hash_checked_password, normalise_email
from grants.accounts.tables import auth_sessions_table, password_resets_table, users_table
from grants.accounts.throttle import (
    RESET_ADDRESS,
    Counter,
    clear_account_failures_everywhere,
    count_attempt,
)
from grants.context import Context
from grants.core.actors import Actor
from grants.core.audit_actions import AuditAction

_resets = password_resets_table
_users = users_table
_sessions = auth_sessions_table

RESET_ACCEPTED = AccountRequestAccepted(
    message=(
        "Wenn zu dieser Adresse ein Konto besteht, haben wir eine E-Mail mit einem Link zum "
        "Zurücksetzen des Passworts geschickt (if this address has an account, we have sent "
        "an e-mail with a link to reset the password)."
    )
)


async def request_password_reset(
    ctx: Context, email: str, *, client_address: str, policy: AccountPolicy
) -> AccountRequestAccepted:
    email = normalise_email(email)
    counters = [
        Counter(
            RESET_ADDRESS, client_address, policy.password_resets_per_address, policy.request_window
        ),
        recipient_counter(email, policy),
    ]
    async with ctx.session.begin():
        refusal = await count_attempt(ctx.session, counters, now=ctx.now)
        if refusal is None:
            user = (
                await ctx.session.execute(
                    sa.select(_users.c.id, _users.c.display_name).where(
                        _users.c.email == email,
                        _users.c.is_active,
                        _users.c.password_hash.is_not(None),
                    )
                )
            ).first()
            if user is not None:
                issued = new_token()
                expires_at = ctx.now + policy.password_reset_lifetime
                reset_id = (
                    await ctx.session.execute(
                        sa.insert(_resets)
                        .values(
                            user_id=user.id,
                            token_hash=issued.token_hash,
                            created_at=ctx.now,
                            expires_at=expires_at,
                        )
                        .returning(_resets.c.id)
                    )
                ).scalar_one()
                await queue_password_reset(
                    ctx.session,
                    reset_id=reset_id,
                    recipient=email,
                    display_name=user.display_name,
                    token=issued.token,
                    expires_at=expires_at,
                    policy=policy,
                    now=ctx.now,
                )
                await ctx.audit(
                    AuditAction.PASSWORD_RESET_REQUESTED,
                    object_type="user",
                    object_id=user.id,
                    after={
                        "reset_id": reset_id,
                        "expires_at": expires_at.isoformat(),
                        "client_address": client_address,
                    },
                )
    if refusal is not None:
        raise refusal
    return RESET_ACCEPTED


def _reset_query(token: str) -> sa.Select[Any]:
    return (
        sa.select(
            _resets.c.id,
            _resets.c.user_id,
            _resets.c.expires_at,
            _resets.c.used_at,
            _users.c.email,
            _users.c.display_name,
            _users.c.is_active,
        )
        .join(_users, _users.c.id == _resets.c.user_id)
        .where(_resets.c.token_hash == token_hash(token))
    )


async def _usable_reset(
    session: AsyncSession, token: str, ctx: Context, *, lock: bool
) -> sa.Row[Any]:
    query = _reset_query(token)
    row: sa.Row[Any] | None = (
        await session.execute(query.with_for_update(of=_resets) if lock else query)
    ).first()
    if row is None or not row.is_active:
        raise invalid_token()
    if row.used_at is not None:
        raise used_token()
    if row.expires_at <= ctx.now:
        raise expired_token()
    return row


async def confirm_password_reset(
    ctx: Context, token: str, password: str, *, policy: AccountPolicy
) -> None:
    async with ctx.session.begin():
        found = await _usable_reset(ctx.session, token, ctx, lock=False)
    email, display_name = str(found.email), str(found.display_name)
    password_hash = await hash_checked_password(
        password, field="password", context=(email, display_name)
    )
    async with ctx.session.begin():
        # Again under the row lock: two uses of one link, only one passes.
        reset = await _usable_reset(ctx.session, token, ctx, lock=True)
        await ctx.session.execute(
            sa.update(_users)
            .where(_users.c.id == reset.user_id)
            .values(password_hash=password_hash, updated_at=ctx.now)
        )
        await ctx.session.execute(
            sa.update(_resets)
            .where(_resets.c.user_id == reset.user_id, _resets.c.used_at.is_(None))
            .values(used_at=ctx.now)
        )
        ended = (
            await ctx.session.execute(
                sa.update(_sessions)
                .where(_sessions.c.user_id == reset.user_id, _sessions.c.revoked_at.is_(None))
                .values(revoked_at=ctx.now)
                .returning(_sessions.c.id)
            )
        ).all()
        await clear_account_failures_everywhere(ctx.session, email=email)
        await queue_password_changed(
            ctx.session,
            reset_id=reset.id,
            recipient=email,
            display_name=display_name,
            policy=policy,
            now=ctx.now,
        )
        # Whoever holds the link acts as the account's owner.
        owner = Actor(user_id=reset.user_id, label=email, request_id=ctx.request_id)
        await replace(ctx, actor=owner).audit(
            AuditAction.PASSWORD_RESET_COMPLETED,
            object_type="user",
            object_id=reset.user_id,
            after={"reset_id": reset.id, "sessions_ended": len(ended)},
        )
