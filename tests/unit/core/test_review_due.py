"""When an assignment's evaluation is due: the end of a day in Europe/Berlin, counted in
Berlin days (an assignment made late in the evening UTC already belongs to the next day),
through a change of daylight saving time."""

from datetime import UTC, datetime

from grants.core.deadlines import BERLIN, DEFAULT_REVIEW_DAYS, review_due


def test_the_end_of_the_day_so_many_days_later_in_berlin() -> None:
    due = review_due(datetime(2027, 3, 10, 9, 0, tzinfo=UTC), 21)
    # 21 days after 10 March is 31 March, after the switch to summer time (28 March).
    assert due.astimezone(BERLIN).isoformat() == "2027-03-31T23:59:59+02:00"


def test_the_day_is_berlins_not_utcs() -> None:
    # 23:30 UTC on 1 June is 01:30 on 2 June in Berlin: the count starts on 2 June.
    due = review_due(datetime(2027, 6, 1, 23, 30, tzinfo=UTC), 1)
    assert due.astimezone(BERLIN).isoformat() == "2027-06-03T23:59:59+02:00"


def test_the_default_period() -> None:
    assigned = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert review_due(assigned) == review_due(assigned, DEFAULT_REVIEW_DAYS)
    assert review_due(assigned).astimezone(BERLIN).date().isoformat() == "2027-01-25"
