"""Login throttling with fixed-window failure counters in PostgreSQL.

Two counters per failed attempt: one for the pair (account, client address) and one for the
client address alone. Neither is per account across all addresses, so an attacker failing on
someone else's account from their own address cannot lock the owner out: the owner's
address has its own counter. The per-address counter bounds password spraying across many
accounts from one address.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import login_failures_table
from grants.core.errors import TooManyAttempts

_table = login_failures_table


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_account: int
    per_address: int
    window: timedelta


def counter_keys(email: str, address: str) -> tuple[str, str]:
    # The e-mail is hashed: counters exist for addresses nobody registered, too.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"acct:{digest}|{address}", f"addr:{address}"


async def ensure_login_allowed(
    session: AsyncSession, *, email: str, address: str, now: datetime, limits: ThrottleLimits
) -> None:
    account_key, address_key = counter_keys(email, address)
    rows = (
        await session.execute(
            sa.select(_table.c.key, _table.c.window_started_at, _table.c.failures).where(
                _table.c.key.in_([account_key, address_key]),
                _table.c.window_started_at > now - limits.window,
            )
        )
    ).all()
    for row in rows:
        limit = limits.per_account if row.key == account_key else limits.per_address
        if row.failures >= limit:
            reopens = row.window_started_at + limits.window - now
            raise TooManyAttempts(
                "Zu viele fehlgeschlagene Anmeldeversuche; bitte später erneut versuchen "
                "(too many failed sign-in attempts; try again later).",
                retry_after=math.ceil(reopens.total_seconds()),
            )


async def record_login_failure(
    session: AsyncSession, *, email: str, address: str, now: datetime, limits: ThrottleLimits
) -> None:
    window_expired = _table.c.window_started_at <= now - limits.window
    for key in counter_keys(email, address):
        statement = insert(_table).values(key=key, window_started_at=now, failures=1)
        statement = statement.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "window_started_at": sa.case(
                    (window_expired, now), else_=_table.c.window_started_at
                ),
                "failures": sa.case((window_expired, 1), else_=_table.c.failures + 1),
            },
        )
        await session.execute(statement)
    # Old windows are dead weight; sweep a few on each failure instead of running a job.
    stale = sa.select(_table.c.key).where(_table.c.window_started_at < now - limits.window * 10)
    await session.execute(sa.delete(_table).where(_table.c.key.in_(stale.limit(100))))


async def clear_account_failures(session: AsyncSession, *, email: str, address: str) -> None:
    account_key, _ = counter_keys(email, address)
    await session.execute(sa.delete(_table).where(_table.c.key == account_key))
