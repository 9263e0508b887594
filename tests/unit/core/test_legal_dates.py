"""Legal dates, table-driven: each case's id says the legal reasoning. Weekdays are in the
ids so a reader can check them against a calendar."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.deadlines import add_months
from grants.core.legal_dates import (
    Channel,
    LegalDateError,
    NotificationStatus,
    final_on,
    final_report_due,
    interim_report_due,
    interim_reports_due,
    is_working_day,
    month_period_end,
    next_working_day,
    notification_date,
    notified_by_portal,
    notified_on_by_post,
    objection_period_end,
    portal_retrieval_deadline,
    post_fiction_days,
    saxon_holidays,
)

D = date
days = st.dates(min_value=D(1991, 1, 1), max_value=D(2099, 6, 30))


# --- Holidays and working days -------------------------------------------------------------


def test_saxony_has_reformation_day_and_repentance_day_but_not_corpus_christi() -> None:
    holidays_2025 = saxon_holidays(2025)
    assert holidays_2025[D(2025, 10, 31)] == "Reformationstag"
    assert holidays_2025[D(2025, 11, 19)] == "Buß- und Bettag"
    assert D(2025, 6, 19) not in holidays_2025  # Fronleichnam: Sorbian municipalities only
    assert list(holidays_2025) == sorted(holidays_2025)
    assert len(holidays_2025) == 11


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(D(2025, 3, 7), True, id="an ordinary Friday"),
        pytest.param(D(2025, 3, 8), False, id="Saturday is named beside Sunday in § 222 ZPO"),
        pytest.param(D(2025, 3, 9), False, id="Sunday"),
        pytest.param(D(2025, 4, 18), False, id="Good Friday"),
        pytest.param(D(2025, 6, 19), True, id="Corpus Christi is a working day at the SAB"),
        pytest.param(D(2025, 12, 24), True, id="Christmas Eve is no statutory holiday"),
        pytest.param(D(2025, 12, 31), True, id="New Year's Eve is no statutory holiday"),
        pytest.param(D(2025, 11, 19), False, id="Buß- und Bettag, Saxony only"),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_next_working_day_chains_over_easter() -> None:
    # Good Friday 2026-04-03, Saturday, Easter Sunday, Easter Monday: Tuesday.
    assert next_working_day(D(2026, 4, 3)) == D(2026, 4, 7)
    assert next_working_day(D(2026, 4, 7)) == D(2026, 4, 7)


@pytest.mark.parametrize("year", [1990, 2101])
def test_years_without_holiday_rules_are_refused_not_treated_as_holiday_free(year: int) -> None:
    with pytest.raises(LegalDateError, match="known for 1991-2100"):
        saxon_holidays(year)


def test_a_datetime_is_refused_so_the_server_clock_never_decides_the_day() -> None:
    with pytest.raises(LegalDateError, match="berlin_date"):
        is_working_day(datetime(2025, 3, 7, 12, 0))  # noqa: DTZ001


# --- Notification by post --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted_on", "move", "expected"),
    [
        pytest.param(
            D(2025, 3, 4), True, D(2025, 3, 10), id="Tue+4 is Saturday, moved to Monday (default)"
        ),
        pytest.param(
            D(2025, 3, 4), False, D(2025, 3, 8), id="Tue+4 stays Saturday when moving is off"
        ),
        pytest.param(
            D(2024, 12, 30), True, D(2025, 1, 2), id="posted before 2025: the 3rd day (old law)"
        ),
        pytest.param(
            D(2024, 12, 31), True, D(2025, 1, 3), id="posted on the last old-law day: 3rd day"
        ),
        pytest.param(
            D(2025, 1, 1), True, D(2025, 1, 6), id="posted 2025-01-01: 4th day, Sunday to Monday"
        ),
        pytest.param(
            D(2025, 4, 16), True, D(2025, 4, 22), id="4th day Easter Sunday, over Easter Monday"
        ),
        pytest.param(D(2025, 3, 3), True, D(2025, 3, 7), id="Mon+4 is a Friday: no move"),
    ],
)
def test_notified_on_by_post(posted_on: date, move: bool, expected: date) -> None:
    assert notified_on_by_post(posted_on, move_off_non_working_day=move) == expected


def test_the_posting_day_decides_the_old_or_new_law() -> None:
    assert post_fiction_days(D(2024, 12, 31)) == 3
    assert post_fiction_days(D(2025, 1, 1)) == 4


@pytest.mark.parametrize(
    ("proven", "expected"),
    [
        pytest.param(D(2025, 3, 12), D(2025, 3, 12), id="proven later receipt replaces fiction"),
        pytest.param(D(2025, 3, 5), D(2025, 3, 7), id="proven earlier receipt does not shorten"),
        pytest.param(D(2025, 3, 7), D(2025, 3, 7), id="receipt on the fictional day: fiction"),
    ],
)
def test_a_proven_receipt_only_counts_when_later(proven: date, expected: date) -> None:
    assert notified_on_by_post(D(2025, 3, 3), proven_receipt_on=proven) == expected


def test_a_proven_receipt_before_moved_fiction_keeps_the_moved_day() -> None:
    # Fiction Saturday 03-08, moved to Monday 03-10; a receipt on the Saturday is not later.
    assert notified_on_by_post(D(2025, 3, 4), proven_receipt_on=D(2025, 3, 8)) == D(2025, 3, 10)


def test_a_receipt_before_posting_is_an_input_error() -> None:
    with pytest.raises(LegalDateError, match="before posted_on"):
        notified_on_by_post(D(2025, 3, 3), proven_receipt_on=D(2025, 3, 2))


# --- Notification by portal ------------------------------------------------------------------

AVAILABLE = D(2025, 3, 3)  # Monday; the tenth day after is Thursday 2025-03-13


@pytest.mark.parametrize(
    ("retrieved", "today", "status", "notified"),
    [
        pytest.param(D(2025, 3, 6), D(2025, 3, 6), "notified", D(2025, 3, 7), id="day 3: next day"),
        pytest.param(
            D(2025, 3, 3), D(2025, 3, 3), "notified", D(2025, 3, 4), id="same day: next day"
        ),
        pytest.param(
            D(2025, 3, 13), D(2025, 3, 20), "notified", D(2025, 3, 14), id="day 10 still counts"
        ),
        pytest.param(
            D(2025, 3, 14), D(2025, 3, 14), "not_notified", None, id="day 11: not notified"
        ),
        pytest.param(None, D(2025, 3, 8), "pending", None, id="not retrieved on day 5: pending"),
        pytest.param(None, D(2025, 3, 13), "pending", None, id="not retrieved on day 10: pending"),
        pytest.param(None, D(2025, 3, 14), "not_notified", None, id="day 11 without retrieval"),
        pytest.param(
            D(2025, 3, 7), D(2025, 3, 7), "notified", D(2025, 3, 10), id="Fri: Sat moved to Mon"
        ),
    ],
)
def test_notified_by_portal(
    retrieved: date | None, today: date, status: str, notified: date | None
) -> None:
    result = notified_by_portal(AVAILABLE, retrieved, today=today)
    assert result.status == status
    assert result.notified_on == notified
    assert result.retrieval_deadline == D(2025, 3, 13)


def test_portal_fiction_is_not_moved_when_moving_is_off() -> None:
    result = notified_by_portal(AVAILABLE, D(2025, 3, 7), today=D(2025, 3, 7))
    unmoved = notified_by_portal(
        AVAILABLE, D(2025, 3, 7), today=D(2025, 3, 7), move_off_non_working_day=False
    )
    assert (result.notified_on, unmoved.notified_on) == (D(2025, 3, 10), D(2025, 3, 8))


def test_the_ten_days_are_not_moved_off_a_weekend() -> None:
    # Made available Wednesday 2025-03-05: day 10 is Saturday 03-15 and stays the deadline.
    assert portal_retrieval_deadline(D(2025, 3, 5)) == D(2025, 3, 15)
    late = notified_by_portal(D(2025, 3, 5), D(2025, 3, 17), today=D(2025, 3, 17))
    assert late.status == NotificationStatus.NOT_NOTIFIED


@pytest.mark.parametrize(
    ("retrieved", "today", "message"),
    [
        pytest.param(D(2025, 3, 2), D(2025, 3, 5), "before made_available_on", id="early"),
        pytest.param(D(2025, 3, 6), D(2025, 3, 5), "after today", id="future-retrieval"),
        pytest.param(None, D(2025, 3, 1), "today .* before made_available_on", id="early-today"),
    ],
)
def test_portal_inputs_are_checked(retrieved: date | None, today: date, message: str) -> None:
    with pytest.raises(LegalDateError, match=message):
        notified_by_portal(AVAILABLE, retrieved, today=today)


# --- The single entry point ------------------------------------------------------------------


def test_notification_date_by_post_explains_the_move() -> None:
    result = notification_date(Channel.POST, D(2025, 3, 4), today=D(2025, 3, 20))
    assert result.status == NotificationStatus.NOTIFIED
    assert (result.statutory_day, result.notified_on) == (D(2025, 3, 8), D(2025, 3, 10))
    assert result.moved_off_non_working_day
    assert not result.by_proven_receipt
    assert "08.03.2025" in result.reason.de
    assert "10.03.2025" in result.reason.de
    assert "2025-03-10" in result.reason.en


def test_notification_date_with_a_proven_later_receipt() -> None:
    result = notification_date(
        Channel.POST, D(2025, 3, 3), today=D(2025, 3, 20), proven_receipt_on=D(2025, 3, 12)
    )
    assert result.channel is Channel.POST
    assert result.notified_on == D(2025, 3, 12)
    assert result.statutory_day == D(2025, 3, 7)
    assert result.by_proven_receipt
    assert "§ 41 Abs. 2 Satz 3" in result.reason.de


def test_notification_date_by_portal() -> None:
    pending = notification_date(Channel.PORTAL, AVAILABLE, today=D(2025, 3, 8))
    assert (pending.status, pending.notified_on) == ("pending", None)
    missed = notification_date(Channel.PORTAL, AVAILABLE, today=D(2025, 3, 14))
    assert missed.status == "not_notified"
    assert "nicht bekannt gegeben" in missed.reason.de
    done = notification_date(
        Channel.PORTAL, AVAILABLE, today=D(2025, 3, 14), retrieved_on=D(2025, 3, 6)
    )
    assert (done.status, done.notified_on) == ("notified", D(2025, 3, 7))


@pytest.mark.parametrize(
    ("channel", "kwargs", "message"),
    [
        pytest.param(
            Channel.POST, {"retrieved_on": D(2025, 3, 4)}, "portal channel only", id="post"
        ),
        pytest.param(
            Channel.PORTAL,
            {"proven_receipt_on": D(2025, 3, 4)},
            "posted letters only",
            id="portal-proof",
        ),
        pytest.param(
            Channel.POST,
            {"proven_receipt_on": D(2025, 3, 25)},
            "cannot be proven before it happens",
            id="future-proof",
        ),
    ],
)
def test_notification_date_refuses_inputs_of_the_other_channel(
    channel: Channel, kwargs: dict[str, date], message: str
) -> None:
    with pytest.raises(LegalDateError, match=message):
        notification_date(channel, D(2025, 3, 3), today=D(2025, 3, 20), **kwargs)  # type: ignore[arg-type]


def test_notification_date_refuses_a_sending_after_today() -> None:
    with pytest.raises(LegalDateError, match="after today"):
        notification_date(Channel.POST, D(2025, 3, 21), today=D(2025, 3, 20))


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="fax"):
        notification_date("fax", D(2025, 3, 3), today=D(2025, 3, 20))  # type: ignore[arg-type]


# --- Objection period and finality -----------------------------------------------------------


@pytest.mark.parametrize(
    ("notified_on", "correct_notice", "end"),
    [
        pytest.param(
            D(2025, 1, 31), True, D(2025, 2, 28), id="31 Jan: no 31 Feb, month's last day (Fri)"
        ),
        pytest.param(D(2024, 1, 31), True, D(2024, 2, 29), id="31 Jan in a leap year: 29 Feb"),
        pytest.param(
            D(2025, 2, 8), True, D(2025, 3, 10), id="ends Saturday 8 Mar, moved to Monday"
        ),
        pytest.param(
            D(2025, 10, 19), True, D(2025, 11, 20), id="ends on Buß- und Bettag, moved to Thu"
        ),
        pytest.param(
            D(2026, 3, 3), True, D(2026, 4, 7), id="ends Good Friday, over Easter to Tuesday"
        ),
        pytest.param(
            D(2025, 11, 25), True, D(2025, 12, 29), id="ends 25 Dec: 26 Dec, weekend, to Monday"
        ),
        pytest.param(
            D(2026, 5, 4), True, D(2026, 6, 4), id="ends on Corpus Christi: a working day here"
        ),
        pytest.param(
            D(2024, 10, 31), False, D(2025, 11, 3), id="one year, ends on Reformationstag: Mon"
        ),
        pytest.param(
            D(2024, 2, 29), False, D(2025, 2, 28), id="one year from 29 Feb: 28 Feb (Friday)"
        ),
        pytest.param(D(2025, 3, 15), False, D(2026, 3, 16), id="one year, ends on Sunday: Monday"),
    ],
)
def test_objection_period_end(notified_on: date, correct_notice: bool, end: date) -> None:
    assert objection_period_end(notified_on, remedy_notice_correct=correct_notice) == end


def test_month_period_end_refuses_a_non_positive_length() -> None:
    with pytest.raises(LegalDateError, match="positive int"):
        month_period_end(D(2025, 1, 1), 0)


def test_final_on_is_the_day_after_the_period_unless_objected() -> None:
    assert final_on(D(2025, 2, 28), objection_recorded=False) == D(2025, 3, 1)
    assert final_on(D(2025, 2, 28), objection_recorded=True) is None


# --- Reports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "move", "due"),
    [
        pytest.param(2024, True, D(2025, 4, 30), id="four months after the year: 30 April (Wed)"),
        pytest.param(2027, True, D(2028, 5, 2), id="30 Apr 2028 Sunday, 1 May holiday: Tuesday"),
        pytest.param(2027, False, D(2028, 4, 30), id="a fixed day named under § 31(3) S. 2"),
    ],
)
def test_interim_report_due(year: int, move: bool, due: date) -> None:
    assert interim_report_due(year, move_off_non_working_day=move) == due


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            D(2024, 3, 1),
            D(2026, 6, 30),
            ((2024, D(2025, 4, 30)), (2025, D(2026, 4, 30))),
            id="three fiscal years: interim proofs for the first two, the final covers 2026",
        ),
        pytest.param(D(2024, 3, 1), D(2024, 12, 31), (), id="within one fiscal year: none"),
        pytest.param(
            D(2024, 12, 1), D(2025, 1, 15), ((2024, D(2025, 4, 30)),), id="two years: one"
        ),
    ],
)
def test_interim_reports_due(
    start: date, end: date, expected: tuple[tuple[int, date], ...]
) -> None:
    assert interim_reports_due(start, end) == expected


def test_interim_reports_refuse_an_inverted_approval_period() -> None:
    with pytest.raises(LegalDateError, match="before approval_start"):
        interim_reports_due(D(2025, 1, 1), D(2024, 12, 31))


@pytest.mark.parametrize(
    ("approval_end", "move", "due"),
    [
        pytest.param(
            D(2023, 8, 31), True, D(2024, 2, 29), id="31 Aug: month's end of Feb, leap (Thu)"
        ),
        pytest.param(D(2025, 8, 31), False, D(2026, 2, 28), id="31 Aug: 28 Feb, not moved"),
        pytest.param(D(2025, 8, 31), True, D(2026, 3, 2), id="28 Feb 2026 is Saturday: Monday"),
        pytest.param(D(2026, 6, 30), True, D(2026, 12, 31), id="30 Jun: 31 Dec, not 30 Dec"),
        pytest.param(D(2025, 3, 30), True, D(2025, 9, 30), id="30 Mar: period from 31 Mar, 30 Sep"),
        pytest.param(D(2025, 3, 15), True, D(2025, 9, 15), id="mid-month: same number (Mon)"),
    ],
)
def test_final_report_due(approval_end: date, move: bool, due: date) -> None:
    assert final_report_due(approval_end, move_off_non_working_day=move) == due


def test_final_report_is_due_earlier_when_the_purpose_is_achieved_earlier() -> None:
    assert final_report_due(D(2026, 6, 30), purpose_achieved_on=D(2026, 3, 15)) == D(2026, 9, 15)
    # Achieved after the approval period (late): the approval period's limit still holds.
    assert final_report_due(D(2026, 6, 30), purpose_achieved_on=D(2026, 8, 1)) == D(2026, 12, 31)


# --- Properties ----------------------------------------------------------------------------------


@given(days, st.booleans())
def test_an_objection_period_ends_on_a_working_day_after_notification(
    notified_on: date, correct_notice: bool
) -> None:
    end = objection_period_end(notified_on, remedy_notice_correct=correct_notice)
    raw = add_months(notified_on, 1 if correct_notice else 12)
    assert is_working_day(end)
    assert end > notified_on
    # The longest run of non-working days in Saxony is four (Good Friday to Easter Monday;
    # 25 December on a Thursday to the Sunday after).
    assert raw <= end <= raw + timedelta(days=4)


@given(days)
def test_a_posted_letter_is_notified_on_a_working_day_not_before_the_fiction(
    posted_on: date,
) -> None:
    literal = notified_on_by_post(posted_on, move_off_non_working_day=False)
    moved = notified_on_by_post(posted_on)
    assert literal == posted_on + timedelta(days=post_fiction_days(posted_on))
    assert is_working_day(moved)
    assert literal <= moved <= literal + timedelta(days=4)


@given(days, st.integers(min_value=0, max_value=15), st.integers(min_value=0, max_value=15))
def test_portal_status_depends_only_on_the_ten_days(
    available: date, retrieved_after: int, today_after: int
) -> None:
    today = available + timedelta(days=max(retrieved_after, today_after))
    retrieved = available + timedelta(days=retrieved_after)
    result = notified_by_portal(available, retrieved, today=today)
    if retrieved_after <= 10:
        assert result.status == NotificationStatus.NOTIFIED
        assert result.notified_on is not None
        assert result.notified_on > retrieved
    else:
        assert (result.status, result.notified_on) == (NotificationStatus.NOT_NOTIFIED, None)


@given(days)
def test_the_final_report_is_due_at_least_six_months_later(approval_end: date) -> None:
    due = final_report_due(approval_end, move_off_non_working_day=False)
    assert add_months(approval_end, 6) <= due <= add_months(approval_end, 6) + timedelta(days=3)
    assert is_working_day(final_report_due(approval_end))
