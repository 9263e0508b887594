"""Legal time: deadlines and dates are judged in Europe/Berlin, whatever the server's zone."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


@lru_cache(maxsize=1024)  # a batch re-check judges thousands of proposals at one instant
def berlin_date(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(BERLIN).date()


def in_time(received_at: datetime, deadline_at: datetime) -> bool:
    """Received at or before the deadline instant; one second later is late."""
    if received_at.tzinfo is None or deadline_at.tzinfo is None:
        raise ValueError("both instants must be timezone-aware")
    # As instants, in UTC: Python compares two datetimes that share a tzinfo by wall clock,
    # which in October's repeated hour puts 02:45 CEST after 02:30 CET.
    return received_at.astimezone(UTC) <= deadline_at.astimezone(UTC)


@lru_cache(maxsize=4096)  # the same receipt and start dates recur across a verdict's rules
def add_months(day: date, months: int) -> date:
    """Same day of the month ``months`` later, clamped to the month's end
    (31 Jan + 1 month = 28 or 29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def format_date_de(day: date) -> str:
    """German date notation, 01.03.2024 (about three times faster than strftime)."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


# The dates the engine judges. A project date outside this range is an input error (422):
# date arithmetic near the ends of Python's calendar (9999-12-31 plus a day) would overflow.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def in_date_range(*days: date) -> bool:
    return all(EARLIEST_DATE <= day <= LATEST_DATE for day in days)


# How long an evaluator has for an assignment when the manager gives no other period: ours,
# no source names one (an assumption, shown as such on the board).
DEFAULT_REVIEW_DAYS = 21


def review_due(assigned_at: datetime, days: int = DEFAULT_REVIEW_DAYS) -> datetime:
    """When an assignment's evaluation is due: the end (23:59:59, Europe/Berlin) of the day
    ``days`` calendar days after the day it was assigned, as deadlines are judged here."""
    day = berlin_date(assigned_at) + timedelta(days=days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=BERLIN)
