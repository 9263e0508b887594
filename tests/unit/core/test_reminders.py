"""Which reminders are due on a day, and what is overdue (``core.reminders``)."""

from datetime import date

from grants.core.reminders import LEAD_DAYS, Duty, ReminderKind, overdue, reminders_due

DUE = date(2027, 4, 30)


def _duty(*, submitted: bool = False) -> Duty:
    return Duty(kind="interim", fiscal_year=2026, due_on=DUE, submitted=submitted)


def test_nothing_before_the_lead_time() -> None:
    assert reminders_due([_duty()], date(2027, 4, 15)) == []


def test_upcoming_from_the_lead_time_to_the_due_day() -> None:
    assert LEAD_DAYS == 14
    for day in (date(2027, 4, 16), DUE):
        assert reminders_due([_duty()], day) == [(_duty(), ReminderKind.UPCOMING)]


def test_overdue_from_the_day_after() -> None:
    assert reminders_due([_duty()], date(2027, 5, 1)) == [(_duty(), ReminderKind.OVERDUE)]
    assert overdue([_duty()], date(2027, 5, 1)) == [(_duty(), 1)]
    assert overdue([_duty()], DUE) == []


def test_a_submitted_report_is_never_reminded_nor_overdue() -> None:
    done = _duty(submitted=True)
    assert reminders_due([done], date(2027, 4, 20)) == []
    assert overdue([done], date(2028, 1, 1)) == []


def test_the_key_names_the_report() -> None:
    assert _duty().key == "interim:2026"
    assert Duty("final", None, DUE, False).key == "final:all"
