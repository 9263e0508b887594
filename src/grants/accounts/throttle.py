"""Throttling with fixed-window counters in PostgreSQL (every app instance sees the same
counts), answered with 429 and ``Retry-After``.

**Login** counts failures, two counters per failed attempt: one for the pair (account, client
address) and one for the client address alone. Neither is per account across all addresses,
so an attacker failing on someone else's account from their own address cannot lock the
owner out: the owner's address has its own counter. The per-address counter bounds password
spraying across many accounts from one address.

**Anonymous account requests** count every attempt, because their outcome must not show
(registration and password reset answer the same whether or not an account exists): per
client address (``register:addr:…``, ``reset:addr:…``), and per recipient e-mail address
across all clients (``mail:…``, shared by registration and reset), which bounds the mails
anyone can make the portal send to one mailbox.

**Token refresh** counts attempts per login session (the token family, ``refresh:sid:…``;
only for tokens whose signature was verified, so a forged token cannot throttle someone
else's session) and failures per client address (``refresh:addr:…``).

The client address is the ASGI peer address (``http.dependencies.client_address``); request
headers such as ``X-Forwarded-For`` are never read here, so a client cannot reset its counter
by sending a different one. Behind a reverse proxy, uvicorn's ``--proxy-headers`` with
``--forwarded-allow-ips`` makes the peer address the real client's.

Each kind of counter sweeps only its own stale rows: one sweep with the shortest window would
delete the hour-long registration windows after ten minutes.
"""

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import login_failures_table
from grants.core.errors import TooManyAttempts

_table = login_failures_table

LOGIN_PREFIXES = ("acct:", "addr:")
REGISTER_ADDRESS = "register:addr:"
RESET_ADDRESS = "reset:addr:"
MAIL_RECIPIENT = "mail:"
REFRESH_SESSION = "refresh:sid:"
REFRESH_ADDRESS = "refresh:addr:"

TOO_MANY_REQUESTS = (
    "Zu viele Anfragen; bitte später erneut versuchen (too many requests; try again later)."
)


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_account: int
    per_address: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class Counter:
    """One fixed-window counter: its key (prefix + subject), its limit and window."""

    prefix: str
    subject: str
    limit: int
    window: timedelta

    @property
    def key(self) -> str:
        return f"{self.prefix}{self.subject}"


def email_digest(email: str) -> str:
    # The e-mail is hashed: counters exist for addresses nobody registered, too.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def counter_keys(email: str, address: str) -> tuple[str, str]:
    return f"acct:{email_digest(email)}|{address}", f"addr:{address}"


def _retry_after(window_started_at: datetime, window: timedelta, now: datetime) -> int:
    return math.ceil((window_started_at + window - now).total_seconds())


def _sweep(prefix: str, window: timedelta, now: datetime) -> sa.Delete:
    # Old windows are dead weight; sweep a few on each write instead of running a job.
    stale = sa.select(_table.c.key).where(
        _table.c.key.startswith(prefix, autoescape=True),
        _table.c.window_started_at < now - window * 10,
    )
    return sa.delete(_table).where(_table.c.key.in_(stale.limit(100)))


def _upsert(key: str, window: timedelta, now: datetime) -> sa.Insert:
    window_expired = _table.c.window_started_at <= now - window
    statement = insert(_table).values(key=key, window_started_at=now, failures=1)
    return statement.on_conflict_do_update(
        index_elements=[_table.c.key],
        set_={
            "window_started_at": sa.case((window_expired, now), else_=_table.c.window_started_at),
            "failures": sa.case((window_expired, 1), else_=_table.c.failures + 1),
        },
    )


async def ensure_below(
    session: AsyncSession,
    counters: Sequence[Counter],
    *,
    now: datetime,
    message: str = TOO_MANY_REQUESTS,
) -> None:
    """Raise ``TooManyAttempts`` when any counter has reached its limit in its window."""
    if not counters:
        return
    by_key = {c.key: c for c in counters}
    rows = (
        await session.execute(
            sa.select(_table.c.key, _table.c.window_started_at, _table.c.failures).where(
                _table.c.key.in_(list(by_key))
            )
        )
    ).all()
    for row in rows:
        counter = by_key[row.key]
        if row.window_started_at > now - counter.window and row.failures >= counter.limit:
            raise TooManyAttempts(
                message, retry_after=_retry_after(row.window_started_at, counter.window, now)
            )


async def count(session: AsyncSession, counters: Sequence[Counter], *, now: datetime) -> None:
    """Add one to each counter (a new window when its window has passed)."""
    for counter in counters:
        await session.execute(_upsert(counter.key, counter.window, now))
    for prefix, window in {(c.prefix, c.window) for c in counters}:
        await session.execute(_sweep(prefix, window, now))


async def count_attempt(
    session: AsyncSession,
    counters: Sequence[Counter],
    *,
    now: datetime,
    message: str = TOO_MANY_REQUESTS,
) -> TooManyAttempts | None:
    """Count this attempt on every counter and return the refusal if one is now past its
    limit. The caller commits *then* raises, so that refused attempts keep counting; the
    increment and the comparison are one statement per counter, so racing requests cannot
    slip past the limit together."""
    refusal: TooManyAttempts | None = None
    for counter in counters:
        row = (
            await session.execute(
                _upsert(counter.key, counter.window, now).returning(
                    _table.c.window_started_at, _table.c.failures
                )
            )
        ).one()
        if row.failures > counter.limit and refusal is None:
            refusal = TooManyAttempts(
                message, retry_after=_retry_after(row.window_started_at, counter.window, now)
            )
    for prefix, window in {(c.prefix, c.window) for c in counters}:
        await session.execute(_sweep(prefix, window, now))
    return refusal


def _login_counters(email: str, address: str, limits: ThrottleLimits) -> list[Counter]:
    account_key, address_key = counter_keys(email, address)
    return [
        Counter("acct:", account_key.removeprefix("acct:"), limits.per_account, limits.window),
        Counter("addr:", address_key.removeprefix("addr:"), limits.per_address, limits.window),
    ]


async def ensure_login_allowed(
    session: AsyncSession, *, email: str, address: str, now: datetime, limits: ThrottleLimits
) -> None:
    await ensure_below(
        session,
        _login_counters(email, address, limits),
        now=now,
        message=(
            "Zu viele fehlgeschlagene Anmeldeversuche; bitte später erneut versuchen "
            "(too many failed sign-in attempts; try again later)."
        ),
    )


async def record_login_failure(
    session: AsyncSession, *, email: str, address: str, now: datetime, limits: ThrottleLimits
) -> None:
    await count(session, _login_counters(email, address, limits), now=now)


async def clear_account_failures(session: AsyncSession, *, email: str, address: str) -> None:
    account_key, _ = counter_keys(email, address)
    await session.execute(sa.delete(_table).where(_table.c.key == account_key))


async def clear_account_failures_everywhere(session: AsyncSession, *, email: str) -> None:
    """After a password reset: the owner may sign in at once, from any address."""
    prefix = f"acct:{email_digest(email)}|"
    await session.execute(sa.delete(_table).where(_table.c.key.startswith(prefix, autoescape=True)))
