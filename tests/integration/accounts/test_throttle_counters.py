"""The throttle counters on real PostgreSQL: windows, limits, Retry-After, and each kind of
counter sweeping only its own stale rows."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import login_failures_table
from grants.accounts.throttle import (
    REGISTER_ADDRESS,
    Counter,
    ThrottleLimits,
    count_attempt,
    record_login_failure,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def _keys(session: AsyncSession) -> set[str]:
    return set((await session.execute(sa.select(login_failures_table.c.key))).scalars())


async def test_attempts_past_the_limit_are_refused_until_the_window_passes(
    db_session: AsyncSession,
) -> None:
    counter = Counter(REGISTER_ADDRESS, "203.0.113.9", 2, HOUR)
    async with db_session.begin():
        assert await count_attempt(db_session, [counter], now=NOW) is None
        assert await count_attempt(db_session, [counter], now=NOW + timedelta(minutes=10)) is None
        refused = await count_attempt(db_session, [counter], now=NOW + timedelta(minutes=20))
        assert refused is not None
        assert refused.retry_after == 40 * 60  # the window opened at NOW
        assert await count_attempt(db_session, [counter], now=NOW + HOUR) is None


async def test_a_login_failure_sweeps_no_live_registration_window(
    db_session: AsyncSession,
) -> None:
    """Login's window is a minute: its sweep (older than ten windows) must not reach the
    hour-long registration windows, or registrations would be unthrottled after 10 min."""
    registration = Counter(REGISTER_ADDRESS, "203.0.113.10", 20, HOUR)
    login_limits = ThrottleLimits(per_account=5, per_address=20, window=timedelta(minutes=1))
    async with db_session.begin():
        await count_attempt(db_session, [registration], now=NOW)
        await record_login_failure(
            db_session, email="a@example.org", address="198.51.100.1", now=NOW, limits=login_limits
        )
        later = NOW + timedelta(minutes=30)
        await record_login_failure(
            db_session,
            email="b@example.org",
            address="198.51.100.2",
            now=later,
            limits=login_limits,
        )
        keys = await _keys(db_session)
    assert registration.key in keys
    # Login's own stale rows (30 windows old) were swept.
    assert "addr:198.51.100.1" not in keys
    assert "addr:198.51.100.2" in keys
