"""Area categories by municipality key, cached in memory for a few minutes: the anonymous
pre-check asks for one on every request, and the register changes only by import."""

import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.core.areas import AreaCategory
from grants.municipalities.service import area_category_of


class AreaCategoryCache:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        ttl_seconds: float = 300.0,
        max_entries: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = session_factory
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[AreaCategory | None, float]] = {}

    async def get(self, key: str) -> AreaCategory | None:
        now = self._clock()
        hit = self._entries.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        async with self._factory() as session:
            category = await area_category_of(session, key)
        if len(self._entries) >= self._max:
            self._entries.clear()  # crude, but bounded; a full register fits many times over
        self._entries[key] = (category, now + self._ttl)
        return category
