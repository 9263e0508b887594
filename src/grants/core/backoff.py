"""Retry delays for work that failed and must be tried again (mail delivery, first of all).

Exponential: 30 s after the first failure, then 1, 2, 4, 8, 16, 32 minutes, then at most one
hour between tries for as long as it takes. Nothing is ever given up: after
``ALERT_AFTER_ATTEMPTS`` failures the caller keeps retrying at the cap but should raise its
voice (log an error), because a person has to look.
"""

from datetime import timedelta

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
# About 14 hours of failures at the delays above: long enough that a mail server's outage
# over a night is not an alarm by itself, short enough to be noticed the next working day.
ALERT_AFTER_ATTEMPTS = 20


def retry_delay(
    attempts: int, *, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY
) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1 for the first failure)."""
    if attempts < 1:
        raise ValueError("attempts counts failures and starts at 1")
    if base <= timedelta(0) or cap < base:
        raise ValueError("need 0 < base <= cap")
    # Stop doubling once past the cap: 2**attempts for large counts would be a huge number
    # of microseconds and overflow timedelta long before it matters.
    delay = base
    for _ in range(attempts - 1):
        delay *= 2
        if delay >= cap:
            return cap
    return min(delay, cap)


def should_alert(attempts: int) -> bool:
    """Whether this many failures deserve an error in the log rather than a warning."""
    return attempts >= ALERT_AFTER_ATTEMPTS
