"""Reminders of what a recipient owes, and the overdue list, pure.

A **duty** is a report the decision requires (an interim proof of use per fiscal year, the
final one; ``core.legal_dates``) with the day it is due, and whether it has been submitted.
For each open duty the recipient is reminded twice at most before anyone acts by hand: once
:data:`LEAD_DAYS` before the due day (*Erinnerung*), and once the day after it passed
(*Mahnung*: overdue). Which reminders are due is a function of the day alone, so a daily job
that missed a day sends them the next one, and the outbox's dedupe key (the duty and the
reminder's kind) makes each one go out once, however often the job runs.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

LEAD_DAYS = 14  # an assumption: two weeks' notice before a report is due


class ReminderKind(StrEnum):
    UPCOMING = "upcoming"  # due within LEAD_DAYS
    OVERDUE = "overdue"  # the due day has passed


@dataclass(frozen=True, slots=True)
class Duty:
    kind: str  # interim | final
    fiscal_year: int | None
    due_on: date
    submitted: bool

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.fiscal_year or 'all'}"


def reminders_due(duties: Iterable[Duty], today: date) -> list[tuple[Duty, ReminderKind]]:
    """The reminders a recipient should have had by ``today``, for the open duties."""
    found = []
    for duty in duties:
        if duty.submitted:
            continue
        if today > duty.due_on:
            found.append((duty, ReminderKind.OVERDUE))
        elif today >= duty.due_on - timedelta(days=LEAD_DAYS):
            found.append((duty, ReminderKind.UPCOMING))
    return found


def overdue(duties: Iterable[Duty], today: date) -> list[tuple[Duty, int]]:
    """Open duties past their day, with the days since (1 the day after)."""
    return [
        (duty, (today - duty.due_on).days)
        for duty in duties
        if not duty.submitted and today > duty.due_on
    ]
