"""The wording of the e-mails: pure functions that build (subject, body) from plain values.

German first, as the programme speaks to its applicants in German, with a short English part
for readers who do not (English labels there, never internal codes). Times are shown in
Europe/Berlin, the zone of the deadlines. Text entered by people (titles, items) is copied as
it is: the body is plain text, so nothing in it can become markup; subjects are kept on one
line and short.

Every e-mail is signed by the granting authority (``guideline.authority``): an authority must
be identifiable. While the programme data names none, a neutral sender line stands in. A
status e-mail is neutral: it says that the state changed, never why (a reason belongs in the
written decision, with its legal-remedy notice, not in an e-mail).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from grants.core.deadlines import BERLIN, format_date_de
from grants.core.guideline import Authority
from grants.core.lifecycle import State
from grants.core.snapshot import RECEIPT_NUMBER_LABEL, ReceiptContent

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
    # The jury recommends; the authority decides.
    State.JURY_DECIDED: "Jury-Votum liegt vor",
    State.INVITED: "Zur Antragstellung aufgefordert",
    State.NOT_SELECTED: "Nicht ausgewählt",
    State.WITHDRAWN: "Zurückgezogen",
    State.DISCARDED: "Verworfener Entwurf",
    State.APPLICATION_DRAFT: "Antrag in Bearbeitung",
    State.APPLICATION_SUBMITTED: "Antrag eingereicht",
    State.APPLICATION_CHECK: "Antrag in Prüfung",
    State.APPLICATION_INFORMATION_REQUESTED: "Unterlagen zum Antrag nachgefordert",
    State.APPROVED: "Bewilligt",
    State.PARTIALLY_APPROVED: "Teilweise bewilligt",
    State.REJECTED: "Abgelehnt",
}

STATE_LABELS_EN: dict[State, str] = {
    State.DRAFT: "Draft",
    State.SUBMITTED: "Submitted",
    State.FORMAL_CHECK: "Formal check",
    State.INFORMATION_REQUESTED: "Further information requested",
    State.FORMALLY_REJECTED: "Rejected on formal grounds",
    State.IN_REVIEW: "Under evaluation",
    State.REVIEWED: "Evaluated",
    State.JURY_DECIDED: "Jury recommendation made",
    State.INVITED: "Invited to apply",
    State.NOT_SELECTED: "Not selected",
    State.WITHDRAWN: "Withdrawn",
    State.DISCARDED: "Discarded draft",
    State.APPLICATION_DRAFT: "Application being prepared",
    State.APPLICATION_SUBMITTED: "Application submitted",
    State.APPLICATION_CHECK: "Application under examination",
    State.APPLICATION_INFORMATION_REQUESTED: "Further information requested for the application",
    State.APPROVED: "Approved",
    State.PARTIALLY_APPROVED: "Partially approved",
    State.REJECTED: "Rejected",
}

SALUTATION = "Sehr geehrte Damen und Herren,"
# Stands in for the authority while the programme data names none: neutral, no portal brand.
NEUTRAL_SENDER = "Die Bewilligungsstelle des Förderprogramms"

_AUTOMATIC = (
    "-- \n"  # the signature delimiter of RFC 3676, dash dash space
    "Diese Nachricht wurde automatisch erstellt; bitte antworten Sie nicht auf diese E-Mail.\n"
    "This message was sent automatically; please do not reply to this e-mail."
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


def state_label_en(state: State) -> str:
    return STATE_LABELS_EN[state]


def one_line(text: str, limit: int = _SUBJECT_TITLE_CHARS) -> str:
    """Text for a header: whitespace (line breaks included) collapsed, cut with an ellipsis.

    A line break in a header would start a new header; the mail library refuses such values,
    so a title typed with a line break must not be able to stop a message from being sent.
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _link(portal_url: str | None) -> str:
    return f"\nIm Förderportal: {portal_url}\n" if portal_url else ""


def contact_lines(authority: Authority | None) -> list[str]:
    """How to reach the authority: phone, e-mail, website, as far as the data has them."""
    if authority is None:
        return []
    return [
        line
        for line in (
            f"Telefon: {authority.phone}" if authority.phone else "",
            f"E-Mail: {authority.email}" if authority.email else "",
            authority.website or "",
        )
        if line
    ]


def signature(authority: Authority | None) -> str:
    """Closing, the authority's name, unit, address and contact, then the automatic note."""
    if authority is None:
        sender = [NEUTRAL_SENDER]
    else:
        sender = [
            line
            for line in (
                authority.name,
                authority.on_behalf_of or "",
                authority.unit,
                authority.street,
                f"{authority.postal_code} {authority.city}".strip(),
                *contact_lines(authority),
            )
            if line
        ]
    return "Mit freundlichen Grüßen\n\n" + "\n".join(sender) + "\n\n" + _AUTOMATIC


def receipt(content: ReceiptContent, *, portal_url: str | None = None) -> Composed:
    """Eingangsbestätigung: the same content as the receipt the API gives (both are read
    from the stored snapshot): what was received from whom, when to the second, every
    document with its checksum and scan status, the rules acknowledged, and the notes."""
    number_label = RECEIPT_NUMBER_LABEL
    title = content.title or content.reference_number
    subject = f"Eingangsbestätigung {content.reference_number}: {one_line(title)}"
    version = (
        f"{content.submission_number} (ersetzt Fassung {content.replaces})"
        if content.replaces
        else str(content.submission_number)
    )
    documents = "\n".join(
        f"  {n}. {d.filename}\n     SHA-256: {d.sha256}\n     {d.scan_label.de}"
        for n, d in enumerate(content.documents, start=1)
    )
    acknowledged = ""
    if content.acknowledged:
        listed = "\n".join(
            f"  - {r.title.de} ({r.citation.de}): {r.outcome_label.de}.\n    {r.message.de}"
            for r in content.acknowledged
        )
        acknowledged = (
            "\nHinweise der Vorabprüfung, mit denen Sie die Vorhabenidee eingereicht haben:\n"
            f"{listed}\n"
        )
    notes_de = "\n".join(f"- {note.de}" for note in content.notes)
    notes_en = "\n".join(f"- {note.en}" for note in content.notes)
    acknowledged_en = ""
    if content.acknowledged:
        acknowledged_en = (
            "Points of the pre-check you submitted with:\n"
            + "\n".join(
                f"  - {r.title.en} ({r.citation.en}): {r.outcome_label.en}. {r.message.en}"
                for r in content.acknowledged
            )
            + "\n"
        )
    documents_en = "\n".join(
        f"  {n}. {d.filename}: {d.scan_label.en}" for n, d in enumerate(content.documents, start=1)
    )
    authority = content.authority
    receiver = (
        NEUTRAL_SENDER.removeprefix("Die ")
        if authority is None
        else ", ".join(part for part in (authority.name, authority.unit) if part)
    )
    body = (
        f"{SALUTATION}\n"
        "\n"
        "wir bestätigen den Eingang Ihrer Vorhabenidee.\n"
        "\n"
        f"Eingangsstelle:     {receiver}\n"
        f"{number_label.de}:     {content.reference_number}\n"
        f"Eingegangen am:     {content.received_at_local.de}\n"
        f"                    ({content.received_at.isoformat()})\n"
        f"Antragstellend:     {content.applicant.legal_name}\n"
        f"Vorhaben:           {content.title}\n"
        f"Förderaufruf:       {content.call_title.de}\n"
        f"Förderlinie:        {content.funding_line_label.de}\n"
        f"Fassung:            {version}\n"
        "\n"
        "Eingegangene Dokumente:\n"
        f"{documents or '  (keine)'}\n"
        "\n"
        "Prüfsumme (SHA-256) der eingereichten Fassung:\n"
        f"  {content.snapshot_sha256}\n"
        "\n"
        "Diese Bestätigung als PDF (PDF/A, im Förderportal angemeldet):\n"
        f"  /api/applications/{content.application_id}/submissions/"
        f"{content.submission_number}/receipt.pdf\n"
        f"{acknowledged}"
        "\n"
        "Bitte beachten Sie:\n"
        f"{notes_de}\n"
        f"{_link(portal_url)}"
        "\n"
        f"In English: we confirm receipt of your project outline ({number_label.en.lower()} "
        f"{content.reference_number}, version {content.submission_number}) from "
        f"{content.applicant.legal_name} on {content.received_at_local.en} (Berlin time), "
        f"call “{content.call_title.en}”, line “{content.funding_line_label.en}”.\n"
        "Documents received:\n"
        f"{documents_en or '  (none)'}\n"
        f"{acknowledged_en}"
        "Please note:\n"
        f"{notes_en}\n"
        "\n"
        f"{signature(content.authority)}\n"
    )
    return Composed(subject, body)


def information_request(
    *,
    reference_number: str,
    title: str,
    items: Sequence[str],
    due_at: datetime,
    message: str | None = None,
    authority: Authority | None = None,
    portal_url: str | None = None,
) -> Composed:
    """Nachforderung: the items asked for, the due date and what missing it may cost, that
    the date can be extended on request (§ 31 Abs. 7 VwVfG), whom to ask, and the
    programme manager's words."""
    if not items:
        raise ValueError("an information request names at least one item")
    due = format_datetime_de(due_at)
    listed = "\n".join(f"  {n}. {item.strip()}" for n, item in enumerate(items, start=1))
    note = f"\nHinweis der Bewilligungsstelle:\n{message.strip()}\n" if message else ""
    contact = contact_lines(authority)
    reach = (
        "Ihre Fragen beantwortet die Bewilligungsstelle:\n"
        + "\n".join(f"  {line}" for line in contact)
        + "\n"
        if contact
        else "Ihre Fragen beantwortet die Bewilligungsstelle (Kontakt im Förderportal).\n"
    )
    subject = f"Nachforderung zu {reference_number}: Antwort bis {berlin_date_de(due_at)}"
    body = (
        f"{SALUTATION}\n"
        "\n"
        f"zu Ihrer Vorhabenidee {reference_number} („{title}“) benötigen wir\n"
        "folgende Angaben oder Unterlagen:\n"
        "\n"
        f"{listed}\n"
        f"{note}"
        "\n"
        f"Bitte reichen Sie diese bis zum {due} im Förderportal nach.\n"
        "Gehen die Angaben oder Unterlagen nicht bis zu diesem Zeitpunkt ein, kann die\n"
        "Vorhabenidee ohne weitere Prüfung aus formalen Gründen abgelehnt werden.\n"
        "Die Frist kann auf Antrag verlängert werden (§ 31 Abs. 7 VwVfG); bitte wenden Sie\n"
        "sich dazu vor Fristablauf an die Bewilligungsstelle.\n"
        "\n"
        f"{reach}"
        f"{_link(portal_url)}"
        "\n"
        f"In English: we need further information on {reference_number} "
        f"by {due.removesuffix(' Uhr')} (Berlin time); see the list above. If it does not "
        "arrive in time, the project outline may be rejected on formal grounds without "
        "further examination. The date can be extended on request (§ 31(7) VwVfG); please "
        "contact the authority before it passes.\n"
        "\n"
        f"{signature(authority)}\n"
    )
    return Composed(subject, body)


def status_changed(
    *,
    reference_number: str,
    title: str,
    new: State,
    authority: Authority | None = None,
    portal_url: str | None = None,
    application_id: str | None = None,
) -> Composed:
    """Statusänderung, neutral for every state: the new state's label and that the
    authority decides by written notice. No reason: that goes in the decision letter. An
    invitation links its letter, which gives the due date of the formal application."""
    label_de, label_en = state_label_de(new), state_label_en(new)
    invitation = (
        "\nDie Aufforderung zur Antragstellung mit der Frist für Ihren Antrag als PDF (PDF/A, "
        "im Förderportal angemeldet):\n"
        f"  /api/applications/{application_id}/invitation.pdf\n"
        if new is State.INVITED and application_id
        else ""
    )
    subject = f"Statusänderung {reference_number}: {label_de}"
    body = (
        f"{SALUTATION}\n"
        "\n"
        f"zu Ihrem Vorhaben {reference_number} („{title}“):\n"
        "\n"
        f"Der Stand Ihres Vorhabens hat sich geändert: {label_de}. Über Ihren Antrag "
        "entscheidet die Bewilligungsstelle durch schriftlichen Bescheid.\n"
        f"{invitation}"
        f"{_link(portal_url)}"
        "\n"
        f"In English: the status of your project {reference_number} has changed: {label_en}. "
        "The granting authority decides on your application by written notice (Bescheid).\n"
        "\n"
        f"{signature(authority)}\n"
    )
    return Composed(subject, body)
