"""Fixed-window request counters shared by every app process (migration 0035).

One statement counts and answers: the upsert starts a new window when the old one has
passed, adds one otherwise, and returns the count with the window's start, so racing
requests in several processes cannot slip past a limit together. The table is UNLOGGED (no
WAL, no flush at commit); a crash empties it, which starts fresh windows.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Field, SQLModel


class RequestCounter(SQLModel, table=True):
    __tablename__ = "request_counters"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    key: str = Field(primary_key=True, max_length=200)
    window_started_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    count: int


counters_table: sa.Table = RequestCounter.__table__  # type: ignore[attr-defined]
_t = counters_table

_now = sa.bindparam("now", type_=sa.DateTime(timezone=True))
_expired = _t.c.window_started_at <= sa.bindparam(
    "window_start_limit", type_=sa.DateTime(timezone=True)
)
# Module-level constants: compiled once (``db.hot_reads``), then a prepared statement.
BUMP = (
    insert(_t)
    .values(key=sa.bindparam("key"), window_started_at=_now, count=1)
    .on_conflict_do_update(
        index_elements=[_t.c.key],
        set_={
            "window_started_at": sa.case((_expired, _now), else_=_t.c.window_started_at),
            "count": sa.case((_expired, 1), else_=_t.c.count + 1),
        },
    )
    .returning(_t.c.count, _t.c.window_started_at)
)
SWEEP = sa.delete(_t).where(
    _t.c.key.in_(
        sa.select(_t.c.key)
        .where(
            _t.c.window_started_at < sa.bindparam("stale_before", type_=sa.DateTime(timezone=True))
        )
        .limit(500)
        .scalar_subquery()
    )
)
