"""When a failed job runs again: after the back-off of ``grants.core.backoff`` (30 s, 1, 2, 4 …
minutes, at most an hour), for ever. Nothing the queue carries may be dropped silently (a
mail, a malware scan); a person looks when the errors in the log say so."""

import asyncio
from datetime import UTC, datetime, timedelta

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.exceptions import JobAborted
from procrastinate.jobs import Job

from grants.core.backoff import BASE_DELAY, MAX_DELAY, retry_delay


class RetryAt(Exception):
    """Raised by a task that recorded its failure itself and chose the time of the next try
    (the outbox keeps each message's attempts and next attempt; the job follows it)."""

    def __init__(self, at: datetime, reason: str) -> None:
        if at.tzinfo is None:
            raise ValueError("the retry time must be timezone-aware")
        super().__init__(reason)
        self.at = at


class Backoff(BaseRetryStrategy):
    """procrastinate's retry strategy for every task here.

    ``RetryAt`` names its own time; any other exception waits ``retry_delay(n)`` after the
    n-th failed attempt of the job. A job cut off by a worker's shutdown runs again at once:
    it did not fail.
    """

    def __init__(self, *, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY) -> None:
        self.base = base
        self.cap = cap

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, RetryAt):
            return RetryDecision(retry_at=exception.at)
        now = datetime.now(UTC)
        if isinstance(exception, JobAborted | asyncio.CancelledError):
            return RetryDecision(retry_at=now)
        return RetryDecision(
            retry_at=now + retry_delay(job.attempts + 1, base=self.base, cap=self.cap)
        )
