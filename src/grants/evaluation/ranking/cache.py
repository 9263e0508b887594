"""A per-process cache of a call's loaded and evaluated ranking, behind a change check of
everything the ranking reads — so a page of the ranking of 10,000 proposals does not reload
30,000 score sheets while nothing has changed, and is never stale when something has.

The check (``inputs_fingerprint``): for each table the ranking query reads — the call's
applications, their submitted versions, score sheets, assignments, conflicts and the jury's
decisions — the number of rows and the sum of their ``xmin`` (the id of the transaction that
wrote the row version). Any INSERT adds a row, any DELETE removes one, and any UPDATE, even
one that changes nothing, writes a new row version with a newer transaction id, so each
changes its table's pair (freezing by VACUUM changes it too: only a needless reload). The
pair is read *before* the data, so a cached result is never older than its fingerprint: a
change that lands between the two makes the next check differ and reload.

Scanning row headers is cheap next to loading (no JSONB is read); the benchmark
(``bench/ranking_db_bench.py``) prints both. The cache holds the last ``SIZE`` calls per
process; the guideline's content hash is part of the key, so a changed rubric reloads too.
"""

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

SIZE = 8

# Every table ``service.scores_query`` reads, by its link to the application (the call's own
# rows: ``a``). Extending the ranking query means extending this list; a test pins both.
INPUT_TABLES = (
    "application_submissions",
    "score_sheets",
    "assignments",
    "evaluator_conflicts",
    "jury_decisions",
)


def _count_and_xmin_sum(source: str) -> str:
    return f"(SELECT count(*) || ':' || coalesce(sum(t.xmin::text::bigint), 0) FROM {source})"  # noqa: S608


# Only constants (the table names above) go into the text; the call comes as parameters.
_FINGERPRINT = sa.text(
    "WITH a AS MATERIALIZED (SELECT id, xmin FROM applications "  # noqa: S608 (constants)
    "WHERE guideline_id = :guideline AND call_code = :call) SELECT "
    + ", ".join(
        [
            _count_and_xmin_sum("a t") + " AS applications",
            *(
                _count_and_xmin_sum(f"{table} t JOIN a ON t.application_id = a.id") + f" AS {table}"
                for table in INPUT_TABLES
            ),
        ]
    )
)


async def inputs_fingerprint(
    session: AsyncSession, guideline_id: str, call: str
) -> tuple[str, ...]:
    row = (await session.execute(_FINGERPRINT, {"guideline": guideline_id, "call": call})).one()
    return tuple(row)


@dataclass(frozen=True, slots=True)
class Cached:
    fingerprint: tuple[str, ...]
    value: Any


class RankingCache:
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, ...], Cached] = OrderedDict()

    def get(self, key: tuple[str, ...], fingerprint: tuple[str, ...]) -> Any | None:
        found = self._entries.get(key)
        if found is None or found.fingerprint != fingerprint:
            return None
        self._entries.move_to_end(key)
        return found.value

    def put(self, key: tuple[str, ...], fingerprint: tuple[str, ...], value: Any) -> None:
        self._entries[key] = Cached(fingerprint, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


CACHE = RankingCache()
