"""The register's keys and area categories, held in memory for a few minutes: the anonymous
pre-check asks on every request, and the register changes only by import.

The whole register is loaded at once (a few hundred rows) rather than key by key: a key
missing from the snapshot is then known to be missing, without a query per random key, and
the memory used does not grow with the keys that clients make up."""

import asyncio
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.areas import AreaCategory
from grants.municipalities.service import (
    RegisterEntry,
    must_be_in_register,
    register_snapshot,
    unknown_municipality,
)


class AreaCategoryCache:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = session_factory
        self._ttl = ttl_seconds
        self._clock = clock
        self._snapshot: dict[str, RegisterEntry] = {}
        self._expires = float("-inf")
        self._lock = asyncio.Lock()  # one reload at a time; the others wait for its result

    async def _register(self) -> dict[str, RegisterEntry]:
        if self._clock() < self._expires:
            return self._snapshot
        async with self._lock:
            if self._clock() >= self._expires:  # not reloaded while we waited
                async with self._factory() as session:
                    self._snapshot = await register_snapshot(session)
                self._expires = self._clock() + self._ttl
        return self._snapshot

    async def entry(self, key: str) -> RegisterEntry | None:
        """The key's entry, or None if the register lacks it (distinct from a known key
        without a category: ``RegisterEntry(None)``)."""
        return (await self._register()).get(key)

    async def get(self, key: str) -> AreaCategory | None:
        """The key's category; None for an unknown key or one without a category."""
        entry = await self.entry(key)
        return None if entry is None else entry.area_category

    async def checked(self, key: str, *, field: str = "municipality_key") -> RegisterEntry | None:
        """Like ``entry``, but a key of Saxony the register lacks is refused (InvalidInput,
        422 naming ``field``); keys of other states pass (None), for the rules to judge."""
        entry = await self.entry(key)
        if entry is None and must_be_in_register(key):
            raise unknown_municipality(key, field=field)
        return entry
