"""A short-lived, per-process memory of signed-in principals, so that a burst of requests on
one login session (a page and its API calls, a client's polling) checks the session in the
database once, not once per request.

How long a change can go unnoticed — the bound this module guarantees:

- a change made through this process (logout, password change or reset, role or membership
  change, deactivation: any successful write request) clears the whole memory before the
  next request is answered, so it counts at once here;
- a change made elsewhere (another process of the service, the command line, a job, a
  direct SQL statement) counts here after at most ``ttl_seconds`` (the setting
  ``principal_cache_seconds``, default 2; 0 turns the memory off).

A load that started before a clear never refills the memory (generation check), so a
principal read just before a change cannot outlive it. Only live principals are kept; a
refused token or a revoked session is looked up again on every request.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from grants.core.access import Principal

Key = tuple[str, str, uuid.UUID | None]  # issuer, subject, login session


@dataclass(slots=True)
class _Entry:
    principal: Principal
    loaded_at: float


class PrincipalCache:
    def __init__(
        self,
        ttl_seconds: float,
        *,
        size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._size = size
        self._clock = clock
        self._entries: dict[Key, _Entry] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Take before loading; hand to ``put``, which drops the load if a clear came since."""
        return self._generation

    def get(self, key: Key) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() - entry.loaded_at >= self.ttl_seconds:
            del self._entries[key]
            return None
        return entry.principal

    def put(self, key: Key, principal: Principal, generation: int, loaded_at: float) -> None:
        if self.ttl_seconds <= 0 or generation != self._generation:
            return
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = _Entry(principal, loaded_at)

    def now(self) -> float:
        return self._clock()

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
