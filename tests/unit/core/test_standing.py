"""Where a released decision stands, from its notices: notification, objection period,
finality — each case with the reasoning in its id."""

from datetime import date

import pytest

from grants.core.legal_dates import Channel
from grants.core.standing import Notice, NoticeKind, StandingStatus, standing

K = NoticeKind
POSTED = Notice(K.DISPATCHED, date(2025, 3, 4), Channel.POST)  # Tuesday


def test_nothing_dispatched_is_not_notified() -> None:
    found = standing([], today=date(2025, 3, 4))
    assert found.status is StandingStatus.NOT_DISPATCHED
    assert not found.effective and found.final_on is None


def test_posted_letter_notified_on_the_fourth_day_moved_off_the_weekend() -> None:
    # 4th day after Tuesday 4 March 2025 is Saturday 8 March → Monday 10 March; one month
    # from then ends Thursday 10 April; final on Friday 11 April.
    before = standing([POSTED], today=date(2025, 3, 9))
    assert before.status is StandingStatus.NOTIFIED and before.notified_on == date(2025, 3, 10)
    assert not before.effective
    assert before.objection_period_end == date(2025, 4, 10)
    assert before.final_on == date(2025, 4, 11)
    after = standing([POSTED], today=date(2025, 4, 11))
    assert after.status is StandingStatus.FINAL and after.effective


def test_a_proven_later_receipt_moves_every_date() -> None:
    found = standing([POSTED, Notice(K.PROVEN_RECEIPT, date(2025, 3, 14))], today=date(2025, 3, 20))
    assert found.notified_on == date(2025, 3, 14)
    assert found.objection_period_end == date(2025, 4, 14)


def test_a_defective_remedy_notice_gives_one_year() -> None:
    found = standing(
        [POSTED, Notice(K.REMEDY_NOTICE_DEFECTIVE, date(2025, 3, 20))], today=date(2025, 4, 20)
    )
    assert not found.remedy_notice_correct
    assert found.objection_period_end == date(2026, 3, 10)
    assert found.status is StandingStatus.NOTIFIED


def test_an_objection_in_time_keeps_it_open_a_late_one_does_not() -> None:
    in_time = standing([POSTED, Notice(K.OBJECTION, date(2025, 4, 10))], today=date(2025, 5, 1))
    assert in_time.status is StandingStatus.OBJECTION_PENDING and in_time.final_on is None
    assert in_time.objection_on == date(2025, 4, 10)
    late = standing([POSTED, Notice(K.OBJECTION, date(2025, 4, 11))], today=date(2025, 5, 1))
    assert late.status is StandingStatus.FINAL and late.late_objection_on == date(2025, 4, 11)


@pytest.mark.parametrize(
    ("notice", "status", "final_on"),
    [
        pytest.param(
            Notice(K.OBJECTION_WITHDRAWN, date(2025, 5, 2)),
            StandingStatus.FINAL,
            date(2025, 5, 2),
            id="withdrawn after the period: final on withdrawal",
        ),
        pytest.param(
            Notice(K.OBJECTION_GRANTED, date(2025, 5, 2)),
            StandingStatus.OBJECTION_GRANTED,
            None,
            id="remedied: a new decision follows",
        ),
        pytest.param(
            Notice(K.OBJECTION_DECISION, date(2025, 5, 31)),
            StandingStatus.ACTION_PERIOD,
            date(2025, 7, 1),
            id="objection decision notified Sat 31 May: action period to Mon 30 Jun",
        ),
    ],
)
def test_after_an_objection(notice: Notice, status: StandingStatus, final_on: date | None) -> None:
    found = standing(
        [POSTED, Notice(K.OBJECTION, date(2025, 4, 1)), notice], today=date(2025, 6, 1)
    )
    assert found.status is status and found.final_on == final_on


def test_an_action_leaves_it_open() -> None:
    notices = [
        POSTED,
        Notice(K.OBJECTION, date(2025, 4, 1)),
        Notice(K.OBJECTION_DECISION, date(2025, 5, 2)),
        Notice(K.ACTION_FILED, date(2025, 5, 20)),
    ]
    found = standing(notices, today=date(2025, 8, 1))
    assert found.status is StandingStatus.ACTION_PENDING and found.final_on is None


def test_a_waiver_makes_it_final_at_once() -> None:
    found = standing([POSTED, Notice(K.REMEDY_WAIVED, date(2025, 3, 12))], today=date(2025, 3, 12))
    assert found.status is StandingStatus.FINAL and found.final_on == date(2025, 3, 12)


def test_portal_waits_ten_days_then_needs_a_new_dispatch() -> None:
    offered = Notice(K.DISPATCHED, date(2025, 3, 3), Channel.PORTAL)
    waiting = standing([offered], today=date(2025, 3, 8))
    assert waiting.status is StandingStatus.AWAITING_RETRIEVAL and not waiting.effective
    missed = standing([offered], today=date(2025, 3, 20))
    assert missed.status is StandingStatus.NOT_NOTIFIED
    again = Notice(K.DISPATCHED, date(2025, 3, 21), Channel.PORTAL)
    retrieved = Notice(K.RETRIEVED, date(2025, 3, 24))  # Monday: notified Tuesday
    found = standing([offered, again, retrieved], today=date(2025, 3, 26))
    assert found.notified_on == date(2025, 3, 25) and found.effective
