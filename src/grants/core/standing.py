"""Where a released decision stands: notified or not, the objection period, finality
(*Bestandskraft*). Pure: computed from the recorded notices (dispatch, retrieval, proven
receipt, objection, …) and today, with the dates of ``core.legal_dates``; nothing of it is
stored, so a corrected record (a proven later receipt) corrects every date derived from it.

Readings (DOMAIN.md §3.6, §3.7, §3.7a):

- The latest dispatch counts: a portal document not retrieved in time was never notified
  and is made available (or posted) again.
- A decision is effective once notified (§ 43 Abs. 1 VwVfG), final the day after the
  objection period ends unless an objection was received in time.
- A late objection does not stop finality; it is kept on record for a person to judge
  (reinstatement, § 60 VwGO).
- A waiver of the legal remedy (*Rechtsbehelfsverzicht*) makes the decision final on the
  day it is received, if the decision was notified by then.
- After an objection decision (*Widerspruchsbescheid*) the action period is one month from
  its notification (§ 74 Abs. 1 VwGO), which the notice records as its date; final the day
  after, unless an action is recorded (the court tells the authority), which leaves it open.
- An objection withdrawn: final on the later of the withdrawal and the day after the period.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from grants.core.legal_dates import (
    Channel,
    NotificationResult,
    NotificationStatus,
    month_period_end,
    notification_date,
    objection_period_end,
)


class NoticeKind(StrEnum):
    DISPATCHED = "dispatched"  # posted, or made available on the portal (with its channel)
    RETRIEVED = "retrieved"  # portal: the addressee retrieved it
    PROVEN_RECEIPT = "proven_receipt"  # post: a later receipt proven (§ 41 Abs. 2 S. 3)
    REMEDY_NOTICE_DEFECTIVE = "remedy_notice_defective"  # § 58 Abs. 2 VwGO: one year
    REMEDY_WAIVED = "remedy_waived"  # Rechtsbehelfsverzicht received
    OBJECTION = "objection"  # Widerspruch received (on_date: the day of receipt)
    OBJECTION_WITHDRAWN = "objection_withdrawn"
    OBJECTION_GRANTED = "objection_granted"  # Abhilfe (§ 72 VwGO): a new decision follows
    OBJECTION_DECISION = "objection_decision"  # Widerspruchsbescheid notified on on_date
    ACTION_FILED = "action_filed"  # the court reports an action (Klage): nothing is final


class StandingStatus(StrEnum):
    NOT_DISPATCHED = "not_dispatched"
    AWAITING_RETRIEVAL = "awaiting_retrieval"  # portal: the ten days are running
    NOT_NOTIFIED = "not_notified"  # portal: not retrieved in time; dispatch again
    NOTIFIED = "notified"  # effective; the objection period runs (or notification lies ahead)
    OBJECTION_PENDING = "objection_pending"
    OBJECTION_GRANTED = "objection_granted"  # the authority remedies: an amending decision
    ACTION_PERIOD = "action_period"  # after the objection decision: one month for an action
    ACTION_PENDING = "action_pending"  # before the court
    FINAL = "final"  # bestandskräftig


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    on_date: date
    channel: Channel | None = None  # for DISPATCHED


@dataclass(frozen=True, slots=True)
class Standing:
    status: StandingStatus
    notification: NotificationResult | None
    notified_on: date | None
    effective: bool  # notified on or before today (§ 43 Abs. 1 VwVfG)
    remedy_notice_correct: bool
    objection_period_end: date | None
    objection_on: date | None  # received in time
    late_objection_on: date | None  # received after the period: for a person to judge
    final_on: date | None  # known or expected day of finality (None: open)


def _latest(notices: Sequence[Notice], kind: NoticeKind) -> Notice | None:
    """The latest notice of ``kind`` by its date; of one day, the one recorded last (the
    notices come in the order they were recorded)."""
    found = [(n.on_date, i, n) for i, n in enumerate(notices) if n.kind is kind]
    return max(found, key=lambda item: item[:2])[2] if found else None


def _notification(notices: Sequence[Notice], today: date) -> NotificationResult | None:
    dispatch = _latest(notices, NoticeKind.DISPATCHED)
    if dispatch is None or dispatch.channel is None:
        return None
    later = [n for n in notices if n.on_date >= dispatch.on_date]
    retrieved = _latest(later, NoticeKind.RETRIEVED) if dispatch.channel is Channel.PORTAL else None
    proven = _latest(later, NoticeKind.PROVEN_RECEIPT) if dispatch.channel is Channel.POST else None
    return notification_date(
        dispatch.channel,
        dispatch.on_date,
        today=today,
        retrieved_on=None if retrieved is None else retrieved.on_date,
        proven_receipt_on=None if proven is None else proven.on_date,
    )


def standing(notices: Sequence[Notice], *, today: date) -> Standing:  # noqa: PLR0911
    notification = _notification(notices, today)
    correct = _latest(notices, NoticeKind.REMEDY_NOTICE_DEFECTIVE) is None
    if notification is None:
        return Standing(
            StandingStatus.NOT_DISPATCHED, None, None, False, correct, None, None, None, None
        )
    if notification.status is not NotificationStatus.NOTIFIED or notification.notified_on is None:
        status = (
            StandingStatus.AWAITING_RETRIEVAL
            if notification.status is NotificationStatus.PENDING
            else StandingStatus.NOT_NOTIFIED
        )
        return Standing(status, notification, None, False, correct, None, None, None, None)
    notified = notification.notified_on
    period_end = objection_period_end(notified, remedy_notice_correct=correct)
    effective = notified <= today
    after = [n for n in notices if n.on_date >= notified]
    objection = _latest(after, NoticeKind.OBJECTION)
    in_time = objection if objection is not None and objection.on_date <= period_end else None
    late = objection if objection is not None and in_time is None else None

    def result(status: StandingStatus, final_on: date | None) -> Standing:
        return Standing(
            status,
            notification,
            notified,
            effective,
            correct,
            period_end,
            None if in_time is None else in_time.on_date,
            None if late is None else late.on_date,
            final_on,
        )

    waived = _latest(after, NoticeKind.REMEDY_WAIVED)
    if in_time is None:
        if waived is not None:
            return result(StandingStatus.FINAL, waived.on_date)
        expected = period_end + timedelta(days=1)
        return result(
            StandingStatus.FINAL if expected <= today else StandingStatus.NOTIFIED, expected
        )
    withdrawn = _latest(after, NoticeKind.OBJECTION_WITHDRAWN)
    if withdrawn is not None and withdrawn.on_date >= in_time.on_date:
        final = max(withdrawn.on_date, period_end + timedelta(days=1))
        return result(
            StandingStatus.FINAL if final <= today else StandingStatus.OBJECTION_PENDING, final
        )
    if _latest(after, NoticeKind.OBJECTION_GRANTED) is not None:
        return result(StandingStatus.OBJECTION_GRANTED, None)
    if _latest(after, NoticeKind.ACTION_FILED) is not None:
        return result(StandingStatus.ACTION_PENDING, None)
    decided = _latest(after, NoticeKind.OBJECTION_DECISION)
    if decided is not None:
        final = month_period_end(decided.on_date, 1) + timedelta(days=1)
        return result(
            StandingStatus.FINAL if final <= today else StandingStatus.ACTION_PERIOD, final
        )
    return result(StandingStatus.OBJECTION_PENDING, None)
