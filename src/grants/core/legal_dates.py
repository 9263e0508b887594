"""Dates as German administrative law counts them: when a decision counts as notified
(*Bekanntgabe*, § 41 VwVfG), when the objection period ends (*Widerspruchsfrist*, §§ 70, 58,
57 VwGO with § 222 ZPO and §§ 187-193 BGB), when the decision becomes final (*Bestandskraft*)
and when the proofs of use are due (*Zwischen-* and *Verwendungsnachweis*, ANBest-P Nr. 6).

Everything here works on calendar days (``date``): an instant is turned into its Berlin day
by :func:`grants.core.deadlines.berlin_date` before it gets here. Pure: the public holidays
come from the rules the ``holidays`` package ships for Saxony, nothing is read or fetched.

Whose holidays: a period ends at the end of the next working day *at the place where the act
has to be done* (§ 222 Abs. 2 ZPO, § 31 Abs. 3 VwVfG), i.e. at the SAB in Leipzig or Dresden,
so Saxony's holidays apply to every period end here, whatever the addressee's seat.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

import holidays
from holidays.countries.germany import Germany

from grants.core.deadlines import add_months, format_date_de
from grants.core.guideline import Text

ONE_DAY = timedelta(days=1)


class LegalDateError(ValueError):
    """An input a legal date cannot be computed from; the message says which and why."""


def _check_day(value: object, name: str) -> date:
    # A datetime is a date subclass: accepting one would silently judge the server's wall
    # clock instead of the Berlin day.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise LegalDateError(
            f"{name} must be a calendar day (datetime.date), got {type(value).__name__}; "
            "convert an instant with grants.core.deadlines.berlin_date first"
        )
    return value


# --- Working days ------------------------------------------------------------------------

# The years the holidays package has rules for Germany (1991-2100 in holidays 0.109). Outside
# them it returns *no* holidays, which would make every Good Friday a working day: refuse.
FIRST_HOLIDAY_YEAR: int = Germany.start_year
LAST_HOLIDAY_YEAR: int = Germany.end_year


@lru_cache(maxsize=256)  # a year's holidays are asked for at every period end of that year
def saxon_holidays(year: int) -> Mapping[date, str]:
    """Saxony's public holidays of ``year``, date to German name, in calendar order.

    Only the ``public`` category: New Year, Good Friday, Easter Monday, 1 May, Ascension, Whit
    Monday, 3 October, 31 October (Reformationstag), Buß- und Bettag (the Wednesday before
    23 November, a holiday in Saxony only), 25 and 26 December. Corpus Christi is a holiday
    only in some Sorbian municipalities (the package's ``catholic`` category), not at the
    authority's seat, so it is a working day here (DOMAIN §3.7a, §6 item 9). 24 and 31
    December are working days: no statute makes them holidays.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise LegalDateError(f"year must be an int, got {type(year).__name__}")
    if not FIRST_HOLIDAY_YEAR <= year <= LAST_HOLIDAY_YEAR:
        raise LegalDateError(
            f"Saxon public holidays are known for {FIRST_HOLIDAY_YEAR}-{LAST_HOLIDAY_YEAR} "
            f"only, not for {year}"
        )
    found = holidays.country_holidays(
        "DE", subdiv="SN", years=year, categories=(holidays.PUBLIC,), language="de"
    )
    return MappingProxyType(dict(sorted(found.items())))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Saxon public holiday. Saturday counts as a non-working day
    as § 222 Abs. 2 ZPO, § 193 BGB and § 31 Abs. 3 VwVfG name it beside Sunday."""
    day = _check_day(day, "day")
    return day.weekday() < 5 and day not in saxon_holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the first working day after it (Good
    Friday 2026-04-03 → Tuesday 2026-04-07: Saturday, Easter Sunday and Monday in between)."""
    day = _check_day(day, "day")
    while not is_working_day(day):
        day += ONE_DAY
    return day


# --- Notification (Bekanntgabe, § 41 VwVfG) -----------------------------------------------


class Channel(StrEnum):
    """How the decision reached the addressee."""

    POST = "post"  # § 41 Abs. 2 S. 1: a written decision posted within Germany
    PORTAL = "portal"  # § 41 Abs. 2a: made available for retrieval (SAB Förderportal)


class NotificationStatus(StrEnum):
    NOTIFIED = "notified"  # the notification day is settled (it may still lie ahead)
    PENDING = "pending"  # portal only: not retrieved yet, and the 10 days are still running
    NOT_NOTIFIED = "not_notified"  # portal only: not retrieved in time, so never notified


# PostModG (Postrechtsmodernisierungsgesetz) changed § 41 Abs. 2 S. 1 VwVfG from the third to
# the fourth day after posting for letters posted from 1 Jan 2025 on (DOMAIN §3.6, §6 item 7).
POSTMODG_IN_FORCE = date(2025, 1, 1)
POST_DAYS_BEFORE_2025 = 3
POST_DAYS = 4
# § 41 Abs. 2a VwVfG: not retrieved within ten days after the notice of availability was
# sent, the provision ends and the decision is not notified.
PORTAL_RETRIEVAL_DAYS = 10


def post_fiction_days(posted_on: date) -> int:
    """Days from posting to the statutory notification day: 4 for letters posted on or after
    2025-01-01, 3 before. The posting day decides, not the day the letter was dated."""
    posted_on = _check_day(posted_on, "posted_on")
    return POST_DAYS if posted_on >= POSTMODG_IN_FORCE else POST_DAYS_BEFORE_2025


@dataclass(frozen=True, slots=True)
class NotificationResult:
    """When a decision counts as notified, and why.

    ``statutory_day`` is the day the fiction itself names (the 4th day after posting, the day
    after retrieval) before it was moved off a non-working day; ``notified_on`` is the day
    that counts. Both are None while a portal document waits for, or missed, its retrieval.
    """

    channel: Channel
    status: NotificationStatus
    notified_on: date | None
    statutory_day: date | None
    moved_off_non_working_day: bool
    by_proven_receipt: bool
    reason: Text


def _moved(day: date, move: bool) -> date:
    return next_working_day(day) if move else day


def _post(
    posted_on: date, *, move_off_non_working_day: bool, proven_receipt_on: date | None
) -> tuple[date, NotificationResult]:
    """The day a posted letter counts as notified, and the result that explains it."""
    posted_on = _check_day(posted_on, "posted_on")
    days = post_fiction_days(posted_on)
    statutory = posted_on + timedelta(days=days)
    fiction = _moved(statutory, move_off_non_working_day)
    moved = fiction != statutory
    if proven_receipt_on is not None:
        proven = _check_day(proven_receipt_on, "proven_receipt_on")
        if proven < posted_on:
            raise LegalDateError(
                f"proven_receipt_on ({proven.isoformat()}) is before posted_on "
                f"({posted_on.isoformat()}): a letter cannot arrive before it was posted"
            )
        # § 41 Abs. 2 S. 3 VwVfG: the fiction yields only to a *later* receipt (in doubt the
        # authority proves receipt and its day). An earlier receipt never shortens the period.
        if proven > fiction:
            return proven, NotificationResult(
                Channel.POST,
                NotificationStatus.NOTIFIED,
                proven,
                statutory,
                moved,
                True,
                Text(
                    f"Zugang nachweislich erst am {format_date_de(proven)}, nach dem "
                    f"{days}. Tag nach Aufgabe zur Post (§ 41 Abs. 2 Satz 3 VwVfG)",
                    f"Proven receipt only on {proven.isoformat()}, after the {days}th day "
                    "after posting (§ 41 (2) sentence 3 VwVfG)",
                ),
            )
    if moved:
        reason = Text(
            f"{days}. Tag nach Aufgabe zur Post am {format_date_de(posted_on)} "
            f"(§ 41 Abs. 2 VwVfG) ist der {format_date_de(statutory)}, kein Werktag: "
            f"verschoben auf den {format_date_de(fiction)}",
            f"{days}th day after posting on {posted_on.isoformat()} (§ 41 (2) VwVfG) is "
            f"{statutory.isoformat()}, not a working day: moved to {fiction.isoformat()}",
        )
    else:
        reason = Text(
            f"{days}. Tag nach Aufgabe zur Post am {format_date_de(posted_on)} (§ 41 Abs. 2 VwVfG)",
            f"{days}th day after posting on {posted_on.isoformat()} (§ 41 (2) VwVfG)",
        )
    return fiction, NotificationResult(
        Channel.POST, NotificationStatus.NOTIFIED, fiction, statutory, moved, False, reason
    )


def notified_on_by_post(
    posted_on: date,
    *,
    move_off_non_working_day: bool = True,
    proven_receipt_on: date | None = None,
) -> date:
    """The day a posted decision counts as notified (§ 41 Abs. 2 S. 1 VwVfG): the 4th day
    after posting (3rd day for posting before 2025-01-01, PostModG).

    Whether the fictional day moves off a Saturday, Sunday or holiday is disputed; courts
    following the BFH (on the like § 122 Abs. 2 AO) move it, and that is the default here
    because it is the addressee-friendly reading: a later notification day can only make an
    objection timely, never late (DOMAIN §3.7a). ``move_off_non_working_day=False`` keeps the
    literal day. A ``proven_receipt_on`` later than that day replaces it (§ 41 Abs. 2 S. 3);
    an earlier one is ignored. Only letters posted within Germany are covered; electronic
    transmission (§ 41 Abs. 2 S. 2, e-mail) is not a channel here (whether PostModG moved it
    to the 4th day too is not verified, DOMAIN §3.6).
    """
    notified, _ = _post(
        posted_on,
        move_off_non_working_day=move_off_non_working_day,
        proven_receipt_on=proven_receipt_on,
    )
    return notified


@dataclass(frozen=True, slots=True)
class PortalNotification:
    notified_on: date | None
    status: NotificationStatus
    retrieval_deadline: date  # the last day a retrieval still notifies the decision


def portal_retrieval_deadline(made_available_on: date) -> date:
    """The last day on which retrieval still notifies: ``made_available_on`` + 10 days.

    Reading of "not retrieved within ten days after the notice of availability was sent"
    (§ 41 Abs. 2a VwVfG, DOMAIN §3.6): the day the notice was sent is not counted (§ 31
    Abs. 1 VwVfG with § 187 Abs. 1 BGB), so the ten days are the ten following days and a
    retrieval on the tenth of them still counts; one on the eleventh does not. The end is
    *not* moved off a weekend: the ten days limit how long the portal offers the document
    (after them the statute ends the provision), they are not a period in which the
    addressee must act, and a portal can be used on any day.
    """
    return _check_day(made_available_on, "made_available_on") + timedelta(
        days=PORTAL_RETRIEVAL_DAYS
    )


def _portal(
    made_available_on: date,
    retrieved_on: date | None,
    *,
    today: date,
    move_off_non_working_day: bool,
) -> NotificationResult:
    available = _check_day(made_available_on, "made_available_on")
    today = _check_day(today, "today")
    deadline = portal_retrieval_deadline(available)
    if today < available:
        raise LegalDateError(
            f"today ({today.isoformat()}) is before made_available_on ({available.isoformat()})"
        )
    if retrieved_on is None:
        if today <= deadline:
            return NotificationResult(
                Channel.PORTAL,
                NotificationStatus.PENDING,
                None,
                None,
                False,
                False,
                Text(
                    f"Noch nicht abgerufen; Abruf bis einschließlich {format_date_de(deadline)}"
                    " möglich (§ 41 Abs. 2a VwVfG)",
                    f"Not retrieved yet; retrieval possible up to and including "
                    f"{deadline.isoformat()} (§ 41 (2a) VwVfG)",
                ),
            )
        return _portal_not_notified(available, deadline)
    retrieved = _check_day(retrieved_on, "retrieved_on")
    if retrieved < available:
        raise LegalDateError(
            f"retrieved_on ({retrieved.isoformat()}) is before made_available_on "
            f"({available.isoformat()}): a document cannot be retrieved before it is provided"
        )
    if retrieved > today:
        raise LegalDateError(
            f"retrieved_on ({retrieved.isoformat()}) is after today ({today.isoformat()})"
        )
    if retrieved > deadline:
        return _portal_not_notified(available, deadline)
    statutory = retrieved + ONE_DAY
    notified = _moved(statutory, move_off_non_working_day)
    moved = notified != statutory
    suffix_de = f", kein Werktag: verschoben auf den {format_date_de(notified)}" if moved else ""
    suffix_en = f", not a working day: moved to {notified.isoformat()}" if moved else ""
    return NotificationResult(
        Channel.PORTAL,
        NotificationStatus.NOTIFIED,
        notified,
        statutory,
        moved,
        False,
        Text(
            f"Tag nach dem Abruf am {format_date_de(retrieved)} (§ 41 Abs. 2a VwVfG)" + suffix_de,
            f"Day after retrieval on {retrieved.isoformat()} (§ 41 (2a) VwVfG)" + suffix_en,
        ),
    )


def _portal_not_notified(available: date, deadline: date) -> NotificationResult:
    return NotificationResult(
        Channel.PORTAL,
        NotificationStatus.NOT_NOTIFIED,
        None,
        None,
        False,
        False,
        Text(
            f"Nicht bis zum {format_date_de(deadline)} abgerufen (zehn Tage nach der "
            f"Benachrichtigung vom {format_date_de(available)}): nicht bekannt gegeben, "
            "erneute Bereitstellung oder anderer Weg nötig (§ 41 Abs. 2a VwVfG)",
            f"Not retrieved by {deadline.isoformat()} (ten days after the notice of "
            f"{available.isoformat()}): not notified; provide it again or use another "
            "channel (§ 41 (2a) VwVfG)",
        ),
    )


def notified_by_portal(
    made_available_on: date,
    retrieved_on: date | None,
    *,
    today: date,
    move_off_non_working_day: bool = True,
) -> PortalNotification:
    """Notification by retrieval from the portal (§ 41 Abs. 2a VwVfG): on the day after the
    retrieval; not notified at all if not retrieved by :func:`portal_retrieval_deadline`.

    "pending": not retrieved and ``today`` still within the ten days. A retrieval after the
    deadline (a portal that failed to end the provision) does not notify either: the
    statute ends the provision, so such a retrieval is not the notification it provides for.
    The day after retrieval is a statutory fiction like the posting one, so it is moved off a
    non-working day by the same default (and flag) as :func:`notified_on_by_post`.
    """
    result = _portal(
        made_available_on,
        retrieved_on,
        today=today,
        move_off_non_working_day=move_off_non_working_day,
    )
    return PortalNotification(
        result.notified_on, result.status, portal_retrieval_deadline(made_available_on)
    )


def notification_date(
    channel: Channel,
    sent_or_available_on: date,
    *,
    today: date,
    retrieved_on: date | None = None,
    proven_receipt_on: date | None = None,
    move_off_non_working_day: bool = True,
) -> NotificationResult:
    """The one entry point: when a decision sent or provided on ``sent_or_available_on``
    counts as notified, as of ``today`` (the day posted or the notice of availability sent;
    neither may lie after ``today``).

    POST takes ``proven_receipt_on`` (a proven later receipt), never ``retrieved_on``;
    PORTAL takes ``retrieved_on``, never ``proven_receipt_on`` (the portal logs the
    retrieval, so there is no fiction for a proof to displace).
    """
    channel = Channel(channel)
    sent = _check_day(sent_or_available_on, "sent_or_available_on")
    today = _check_day(today, "today")
    if sent > today:
        raise LegalDateError(
            f"sent_or_available_on ({sent.isoformat()}) is after today ({today.isoformat()}); "
            "for a planned posting use notified_on_by_post"
        )
    if channel is Channel.POST:
        if retrieved_on is not None:
            raise LegalDateError("retrieved_on applies to the portal channel only")
        if proven_receipt_on is not None:
            proven = _check_day(proven_receipt_on, "proven_receipt_on")
            if proven > today:
                raise LegalDateError(
                    f"proven_receipt_on ({proven.isoformat()}) is after today "
                    f"({today.isoformat()}): a receipt cannot be proven before it happens"
                )
        _, result = _post(
            sent,
            move_off_non_working_day=move_off_non_working_day,
            proven_receipt_on=proven_receipt_on,
        )
        return result
    if proven_receipt_on is not None:
        raise LegalDateError(
            "proven_receipt_on applies to posted letters only; the portal logs the retrieval"
        )
    return _portal(
        sent, retrieved_on, today=today, move_off_non_working_day=move_off_non_working_day
    )


# --- Periods: objection, finality ----------------------------------------------------------

OBJECTION_MONTHS = 1  # § 70 Abs. 1 VwGO
OBJECTION_MONTHS_WITHOUT_NOTICE = 12  # § 58 Abs. 2 VwGO: one year


def month_period_end(event_on: date, months: int) -> date:
    """The last day of a period of ``months`` months started by an event on ``event_on``
    (a notification, a service): the event day is not counted (§ 187 Abs. 1 BGB), the period
    ends on the day of the last month with the event day's number (§ 188 Abs. 2 Alt. 1 BGB),
    or that month's last day where it has none (§ 188 Abs. 3 BGB: 31 Jan → 28/29 Feb), and
    moves to the next working day from a Saturday, Sunday or holiday (§ 222 Abs. 2 ZPO,
    § 193 BGB, § 31 Abs. 3 VwVfG). The same rule serves the action (§ 74 VwGO)."""
    event_on = _check_day(event_on, "event_on")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise LegalDateError(f"months must be a positive int, got {months!r}")
    return next_working_day(add_months(event_on, months))


def objection_period_end(notified_on: date, *, remedy_notice_correct: bool = True) -> date:
    """The last day to lodge an objection (*Widerspruch*) against a decision notified on
    ``notified_on``: one month (§ 70 Abs. 1 VwGO; counted by § 57 VwGO, § 222 ZPO and
    §§ 187, 188 BGB, see :func:`month_period_end`).

    With a missing or wrong legal-remedy notice (*Rechtsbehelfsbelehrung*) the period is one
    year instead (§ 58 Abs. 2 VwGO), counted and moved the same way (notified 2024-02-29 →
    2025-02-28). Not modelled: the exceptions of § 58 Abs. 2 S. 1 (force majeure, a notice
    that no remedy is available) and reinstatement (§ 60 VwGO); a person decides those.
    """
    months = OBJECTION_MONTHS if remedy_notice_correct else OBJECTION_MONTHS_WITHOUT_NOTICE
    return month_period_end(notified_on, months)


def final_on(period_end: date, *, objection_recorded: bool) -> date | None:
    """The day the decision becomes final (*bestandskräftig*): the day after the objection
    period ends, or None when an objection was lodged (then the objection decision, or a
    court, settles it). Reinstatement (§ 60 VwGO) can still undo a finality computed here."""
    period_end = _check_day(period_end, "period_end")
    return None if objection_recorded else period_end + ONE_DAY


# --- Reports (Zwischennachweis, Verwendungsnachweis) ---------------------------------------

INTERIM_REPORT_MONTHS = 4  # after the end of each fiscal year (DOMAIN §3.10)
FINAL_REPORT_MONTHS = 6  # after the purpose is achieved, at the latest after the approval period


def _months_after_end_of(last_day: date, months: int, *, move: bool) -> date:
    """The last day of a period of ``months`` months that runs *after* the day ``last_day``
    has passed ("innerhalb von sechs Monaten nach Ablauf des Bewilligungszeitraums").

    The period starts at the beginning of the next day, so that day counts (§ 187 Abs. 2
    S. 1 BGB) and the period ends with the day before the one with its number in the last
    month (§ 188 Abs. 2 Alt. 2 BGB), or that month's last day where it has no such day
    (§ 188 Abs. 3 BGB). So an approval period ending 30 June has its proof due 31 December,
    not 30 December; one ending 31 August, on 28/29 February.
    """
    start = last_day + ONE_DAY
    same_number = add_months(start, months)
    end = same_number if same_number.day != start.day else same_number - ONE_DAY
    return next_working_day(end) if move else end


def interim_report_due(fiscal_year: int, *, move_off_non_working_day: bool = True) -> date:
    """The interim proof of use for ``fiscal_year`` (the calendar year, § 4 SäHO): within
    four months after the year ends, i.e. 30 April of the next year.

    Moved off a Saturday, Sunday or holiday (30 April 2028 is a Sunday, 1 May a holiday:
    due Tuesday 2 May 2028). Reading: the ANBest set a period ("binnen vier Monaten") for
    an act of the recipient, and such a period ends on the next working day (§ 31 Abs. 1
    and 3 S. 1 VwVfG, § 193 BGB), even though it is not a period of procedural law. The
    exception is § 31 Abs. 3 S. 2 VwVfG: a decision that names a fixed last day with a
    reference to that rule keeps it: pass ``move_off_non_working_day=False`` then.
    """
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
        raise LegalDateError(f"fiscal_year must be an int, got {type(fiscal_year).__name__}")
    if not FIRST_HOLIDAY_YEAR <= fiscal_year < LAST_HOLIDAY_YEAR:
        raise LegalDateError(f"fiscal_year {fiscal_year} is outside the supported years")
    return _months_after_end_of(
        date(fiscal_year, 12, 31), INTERIM_REPORT_MONTHS, move=move_off_non_working_day
    )


def _check_approval_period(approval_start: date, approval_end: date) -> None:
    _check_day(approval_start, "approval_start")
    _check_day(approval_end, "approval_end")
    if approval_end < approval_start:
        raise LegalDateError(
            f"approval_end ({approval_end.isoformat()}) is before approval_start "
            f"({approval_start.isoformat()})"
        )


def interim_reports_due(
    approval_start: date, approval_end: date, *, move_off_non_working_day: bool = True
) -> tuple[tuple[int, date], ...]:
    """(fiscal year, due day) of every interim proof of use a project needs: one for each
    fiscal year of the approval period before its last one, whose money the final proof
    covers (2024-03-01..2026-06-30 → 2024 and 2025). A project within one year needs none.
    """
    _check_approval_period(approval_start, approval_end)
    return tuple(
        (year, interim_report_due(year, move_off_non_working_day=move_off_non_working_day))
        for year in range(approval_start.year, approval_end.year)
    )


def final_report_due(
    approval_end: date,
    *,
    purpose_achieved_on: date | None = None,
    move_off_non_working_day: bool = True,
) -> date:
    """The proof of use (*Verwendungsnachweis*): within six months after the purpose is
    achieved, at the latest six months after the approval period ends (ANBest-P, DOMAIN
    §3.10). ``approval_end`` is the period's last day.

    After the approval period: counted as in :func:`_months_after_end_of` (31 Aug →
    28/29 Feb; 30 Jun → 31 Dec). After the purpose was achieved (an event during a day):
    the event day is not counted (§ 187 Abs. 1 BGB), so 15 Mar → 15 Sep. The earlier of the
    two is due, moved off non-working days for the reason given at
    :func:`interim_report_due`.
    """
    approval_end = _check_day(approval_end, "approval_end")
    due = _months_after_end_of(approval_end, FINAL_REPORT_MONTHS, move=False)
    if purpose_achieved_on is not None:
        achieved = _check_day(purpose_achieved_on, "purpose_achieved_on")
        due = min(due, add_months(achieved, FINAL_REPORT_MONTHS))
    return next_working_day(due) if move_off_non_working_day else due
