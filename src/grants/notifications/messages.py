"""The wording of the e-mails: pure functions that build (subject, body) from plain values.

German first, as the programme speaks to its applicants in German, with one short English
line for readers who do not. Times are shown in Europe/Berlin, the zone of the deadlines.
Text entered by people (titles, reasons, items) is copied as it is: the body is plain text,
so nothing in it can become markup; subjects are kept on one line and short.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from grants.core.deadlines import BERLIN, format_date_de
from grants.core.lifecycle import State

# Mail clients show about 60-80 characters of a subject; the column holds 300.
_SUBJECT_TITLE_CHARS = 80

STATE_LABELS_DE: dict[State, str] = {
    State.DRAFT: "Entwurf",
    State.SUBMITTED: "Eingereicht",
    State.FORMAL_CHECK: "In formaler Prüfung",
    State.INFORMATION_REQUESTED: "Unterlagen nachgefordert",
    State.FORMALLY_REJECTED: "Aus formalen Gründen abgelehnt",
    State.IN_REVIEW: "In Bewertung",
    State.REVIEWED: "Bewertet",
    State.JURY_DECIDED: "Von der Jury entschieden",
    State.INVITED: "Zur Antragstellung aufgefordert",
    State.NOT_SELECTED: "Nicht ausgewählt",
    State.WITHDRAWN: "Zurückgezogen",
    State.APPLICATION_DRAFT: "Antrag in Bearbeitung",
    State.APPLICATION_SUBMITTED: "Antrag eingereicht",
    State.APPLICATION_CHECK: "Antrag in Prüfung",
    State.APPROVED: "Bewilligt",
    State.PARTIALLY_APPROVED: "Teilweise bewilligt",
    State.REJECTED: "Abgelehnt",
}

_SIGNATURE = (
    "Mit freundlichen Grüßen\n"
    "Ihr Förderportal\n"
    "\n"
    "-- \n"  # the signature delimiter of RFC 3676, dash dash space
    "Diese Nachricht wurde automatisch erstellt; bitte antworten Sie nicht darauf.\n"
    "This message was sent automatically; please do not reply."
)


class Composed(NamedTuple):
    subject: str
    body_text: str


def format_datetime_de(instant: datetime) -> str:
    """``25.11.2026, 21:30 Uhr`` in Europe/Berlin (summer or winter time as it was then)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    local = instant.astimezone(BERLIN)
    return f"{format_date_de(local.date())}, {local.hour:02d}:{local.minute:02d} Uhr"


def berlin_date_de(instant: datetime) -> str:
    """The Berlin calendar date of an instant, ``09.12.2026``."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return format_date_de(instant.astimezone(BERLIN).date())


def state_label_de(state: State) -> str:
    return STATE_LABELS_DE[state]


def one_line(text: str, limit: int = _SUBJECT_TITLE_CHARS) -> str:
    """Text for a header: whitespace (line breaks included) collapsed, cut with an ellipsis.

    A line break in a header would start a new header; the mail library refuses such values,
    so a title typed with a line break must not be able to stop a message from being sent.
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _link(portal_url: str | None) -> str:
    return f"\nIm Förderportal: {portal_url}\n" if portal_url else ""


def receipt(
    *,
    reference_number: str,
    received_at: datetime,
    snapshot_sha256: str,
    title: str,
    call: str,
    portal_url: str | None = None,
) -> Composed:
    """Eingangsbestätigung: what was received, when, and the fingerprint of what was sent."""
    subject = f"Eingangsbestätigung {reference_number}: {one_line(title)}"
    body = (
        "Guten Tag,\n"
        "\n"
        "wir bestätigen den Eingang Ihrer Einreichung.\n"
        "\n"
        f"Aktenzeichen:      {reference_number}\n"
        f"Eingegangen am:    {format_datetime_de(received_at)}\n"
        f"Vorhaben:          {title}\n"
        f"Aufruf:            {call}\n"
        f"Prüfsumme (SHA-256) der eingereichten Fassung:\n"
        f"  {snapshot_sha256}\n"
        "\n"
        "Bitte geben Sie das Aktenzeichen bei allen Rückfragen an. Mit der Prüfsumme können\n"
        "Sie jederzeit nachweisen, welche Fassung eingereicht wurde.\n"
        f"{_link(portal_url)}"
        "\n"
        f"In English: we received your submission {reference_number} "
        f"on {format_datetime_de(received_at).removesuffix(' Uhr')} (Berlin time).\n"
        "\n"
        f"{_SIGNATURE}\n"
    )
    return Composed(subject, body)


def information_request(
    *,
    reference_number: str,
    title: str,
    items: Sequence[str],
    due_at: datetime,
    message: str | None = None,
    portal_url: str | None = None,
) -> Composed:
    """Nachforderung: the items asked for, the due date and the programme manager's words."""
    if not items:
        raise ValueError("an information request names at least one item")
    due = format_datetime_de(due_at)
    listed = "\n".join(f"  {n}. {item.strip()}" for n, item in enumerate(items, start=1))
    note = f"\nHinweis der Bewilligungsstelle:\n{message.strip()}\n" if message else ""
    subject = f"Nachforderung zu {reference_number}: Antwort bis {berlin_date_de(due_at)}"
    body = (
        "Guten Tag,\n"
        "\n"
        f"zu Ihrer Einreichung {reference_number} („{title}“) benötigen wir\n"
        "folgende Angaben oder Unterlagen:\n"
        "\n"
        f"{listed}\n"
        f"{note}"
        "\n"
        f"Bitte reichen Sie diese bis zum {due} im Förderportal nach.\n"
        f"{_link(portal_url)}"
        "\n"
        f"In English: we need further information on {reference_number} "
        f"by {due.removesuffix(' Uhr')} (Berlin time); see the list above.\n"
        "\n"
        f"{_SIGNATURE}\n"
    )
    return Composed(subject, body)


def status_changed(
    *,
    reference_number: str,
    title: str,
    old: State,
    new: State,
    reason: str | None = None,
    portal_url: str | None = None,
) -> Composed:
    """Statusänderung: from which state to which, with the reason when one was given."""
    old_label, new_label = state_label_de(old), state_label_de(new)
    why = f"\nBegründung:\n{reason.strip()}\n" if reason and reason.strip() else ""
    subject = f"Statusänderung {reference_number}: {new_label}"
    body = (
        "Guten Tag,\n"
        "\n"
        f"der Status Ihrer Einreichung {reference_number} („{title}“) hat sich geändert:\n"
        "\n"
        f"  bisher: {old_label}\n"
        f"  jetzt:  {new_label}\n"
        f"{why}"
        f"{_link(portal_url)}"
        "\n"
        f"In English: the status of {reference_number} changed from "
        f"{old.value} to {new.value}.\n"
        "\n"
        f"{_SIGNATURE}\n"
    )
    return Composed(subject, body)
