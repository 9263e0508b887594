"""The submission snapshot: the legal record frozen when an application is submitted, and
hashed (``grants.core.canonical``) into the receipt.

Its shape is defined here, field by field, and versioned by ``SNAPSHOT_SCHEMA``; it is not
derived from any API model, so changing a response cannot change what new records say.
Schema 1 was first written by serialising the API's verdict and organisation models; this
module reproduces those bytes exactly (``tests/unit/core/test_snapshot.py`` pins them).
Schema 2 keeps every schema-1 member byte for byte and adds what the receipt and a later
proof need: the declarations' texts as shown (with their hashes), the granting authority, the
call's title and the line's label, and the applicant's acknowledgement of rules that failed.
A change that changes the bytes needs a new schema number; old snapshots keep verifying
against their stored JSON.

The receipt (Eingangsbestätigung) is read from a stored snapshot (``receipt_of``), so the
receipt given at submission and the one fetched years later are the same. Pure.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast
from uuid import UUID

from grants.core.canonical import JSONValue
from grants.core.deadlines import BERLIN, format_date_de
from grants.core.funding import CategoryFunding, FundingComputation
from grants.core.guideline import Authority, Call, Declaration, Guideline, Text
from grants.core.verdict import Facts, Outcome, RuleResult, Verdict

SNAPSHOT_SCHEMA = 2

JSONObject = dict[str, JSONValue]


@dataclass(frozen=True, slots=True)
class GuidelineRef:
    """The exact guideline a submission was judged by."""

    id: str
    version: str
    content_hash: str

    def record(self) -> JSONObject:
        return {"id": self.id, "version": self.version, "content_hash": self.content_hash}


@dataclass(frozen=True, slots=True)
class OrganisationRecord:
    """The applicant's master data at submission: what the grant notice will be addressed
    to, whatever the organisation's profile says later."""

    id: UUID
    customer_number: str
    legal_name: str
    legal_form: str
    applicant_type: str
    street: str
    postal_code: str
    city: str
    municipality_key: str

    def record(self) -> JSONObject:
        return {
            "id": str(self.id),
            "customer_number": self.customer_number,
            "legal_name": self.legal_name,
            "legal_form": self.legal_form,
            "applicant_type": str(self.applicant_type),  # a StrEnum member: its value
            "street": self.street,
            "postal_code": self.postal_code,
            "city": self.city,
            "municipality_key": self.municipality_key,
        }


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who pressed submit."""

    id: UUID
    email: str
    name: str

    def record(self) -> JSONObject:
        return {"id": str(self.id), "email": self.email, "name": self.name}


def citation_of(result: RuleResult) -> Text:
    """Where the guideline says what a rule checks, as users are shown it: the section if
    verified, else only the instrument, marked as unverified (never a bare unverified
    section number shown as fact)."""
    return result.citation


# What the applicant must acknowledge to submit anyway: a failing rule. It never blocks the
# submission (§ 24 Abs. 3 VwVfG); a person decides at the formal check. A rule the engine
# could not decide (needs_review) is shown beside it but asks nothing of the applicant: some
# rules can only be judged later (the early start, at the decision).
ACKNOWLEDGED_OUTCOMES = frozenset({Outcome.FAIL})


def to_acknowledge(verdict: Verdict) -> tuple[RuleResult, ...]:
    """The failing results the applicant must acknowledge, in the verdict's order."""
    return tuple(r for r in verdict.results if r.outcome in ACKNOWLEDGED_OUTCOMES)


def to_review(verdict: Verdict) -> tuple[RuleResult, ...]:
    """The results a person will review, listed for the applicant's information."""
    return tuple(r for r in verdict.results if r.outcome is Outcome.NEEDS_REVIEW)


def acknowledged_rule_record(result: RuleResult) -> JSONObject:
    """A rule as the applicant was shown it when acknowledging it."""
    return {
        "rule": result.rule_id,
        "outcome": result.outcome.value,
        "citation": _text(citation_of(result)),
        "title": _text(result.title),
        "message": _text(result.message),
    }


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The applicant's explicit confirmation to submit although rules fail: who, when (the
    receipt time: it is part of the submitting request), and each rule as it was shown. The
    formal check, a person, decides on them later."""

    confirmed_by: UUID
    confirmed_at: datetime
    rules: tuple[RuleResult, ...]

    @property
    def rule_ids(self) -> list[str]:
        return [r.rule_id for r in self.rules]

    def record(self) -> JSONObject:
        return {
            "confirmed_by": str(self.confirmed_by),
            "confirmed_at": self.confirmed_at.isoformat(),
            "rules": [acknowledged_rule_record(r) for r in self.rules],
        }


def declaration_record(declaration: Declaration) -> JSONObject:
    """A declaration's exact text as shown, with the hash of the guideline data it came from."""
    return {
        "key": declaration.key,
        "version": declaration.version,
        "title": _text(declaration.title),
        "text": _text(declaration.text),
        "items": [_text(item) for item in declaration.items],
        "sha256": declaration.sha256,
    }


def authority_record(authority: Authority | None) -> JSONObject | None:
    """The authority the receipt names, field by field (None while the data has none)."""
    if authority is None:
        return None
    return {
        "name": authority.name,
        "unit": authority.unit,
        "street": authority.street,
        "postal_code": authority.postal_code,
        "city": authority.city,
        "phone": authority.phone,
        "email": authority.email,
        "website": authority.website,
        "on_behalf_of": authority.on_behalf_of,
        "assumption": authority.assumption,
    }


def build_snapshot(
    *,
    application_id: UUID,
    reference_number: str | None,
    submission_number: int,
    received_at: datetime,
    guideline: GuidelineRef,
    call: str,
    funding_line: str,
    organisation: OrganisationRecord,
    submitted_by: Submitter,
    content: Mapping[str, Any],
    attachments: Sequence[Mapping[str, Any]],
    verdict: Verdict,
    call_title: Text,
    funding_line_label: Text,
    authority: Authority | None,
    declarations: Sequence[Declaration],
    acknowledgement: Acknowledgement | None,
) -> JSONObject:
    """The snapshot as it is stored and hashed. ``reference_number`` is None until the first
    submission has drawn one (``with_reference_number``); ``content`` and ``attachments``
    are the JSON the draft and the attachment list are stored as, copied unchanged (each
    attachment with its scan status at receipt). ``acknowledgement`` is None when no rule
    failed."""
    return {
        "schema": SNAPSHOT_SCHEMA,
        "application_id": str(application_id),
        "reference_number": reference_number,
        "submission_number": submission_number,
        "received_at": received_at.isoformat(),
        "guideline": guideline.record(),
        "call": call,
        "funding_line": funding_line,
        "organisation": organisation.record(),
        "submitted_by": submitted_by.record(),
        "content": dict(content),
        "attachments": [dict(a) for a in attachments],
        "verdict": verdict_record(verdict),
        # schema 2
        "call_title": _text(call_title),
        "funding_line_label": _text(funding_line_label),
        "authority": authority_record(authority),
        "declarations": [declaration_record(d) for d in declarations],
        "acknowledgement": None if acknowledgement is None else acknowledgement.record(),
    }


def with_reference_number(snapshot: JSONObject, reference: str) -> JSONObject:
    """A copy with the number drawn at the first submission: the snapshot is prepared before
    the counter is locked, the number drawn afterwards."""
    return {**snapshot, "reference_number": reference}


_LINE_LETTERS = {"stationary": "S", "mobile": "M"}


def reference_number(guideline: Guideline, call: Call, line_code: str, number: int) -> str:
    """``LIfD-2024-1-S-0042`` (DOMAIN.md §5.8): programme, call, line, sequence per call
    and line."""
    programme = guideline.short_name.split()[-1]
    letter = _LINE_LETTERS.get(line_code, line_code[:1].upper())
    return f"{programme}-{call.code}-{letter}-{number:04d}"


# ---- the verdict record


def verdict_record(verdict: Verdict) -> JSONObject:
    """The engine's verdict as the snapshot keeps it: every rule's outcome, message and
    facts, and the funding computation (amounts as exact decimal strings)."""
    results: list[JSONValue] = []
    failed_rules: list[JSONValue] = []
    needs_review: list[JSONValue] = []
    for r in verdict.results:
        if r.outcome is Outcome.FAIL:
            failed_rules.append(r.rule_id)
        elif r.outcome is Outcome.NEEDS_REVIEW:
            needs_review.append(r.rule_id)
        results.append(
            {
                "rule": r.rule_id,
                "outcome": r.outcome.value,
                "section": r.section,
                # What the applicant was shown as the source, and whether that section and the
                # rule itself were verified or are assumptions: part of the legal record.
                "citation": _text(r.citation),
                "section_verified": r.section_verified,
                "assumption": r.assumption,
                "title": _text(r.title),
                "message": _text(r.message),
                "facts": _facts(r.facts),
            }
        )
    return {
        "guideline": GuidelineRef(
            verdict.guideline_id, verdict.guideline_version, verdict.guideline_hash
        ).record(),
        "call": verdict.call_code,
        "checked_at": rfc3339(verdict.received_at),
        "eligible": not failed_rules,
        "failed_rules": failed_rules,
        "needs_review": needs_review,
        "results": results,
        "funding": _funding(verdict.funding),
        "facts": _facts(verdict.facts),
    }


def rfc3339(instant: datetime) -> str:
    """An instant as schema 1 has always written ``checked_at`` (msgspec's encoding): ISO
    8601 like ``isoformat``, but ``Z`` for a zero offset and the offset in whole minutes,
    rounded half towards zero. Not ``received_at``'s rendering, which is ``isoformat``
    (``+00:00``): both stay as they were, since the snapshot's hash covers them."""
    offset = instant.utcoffset()
    local = instant.replace(tzinfo=None).isoformat()
    if offset is None:
        return local
    seconds = int(offset.total_seconds())
    minutes = (abs(seconds) + 29) // 60
    if minutes == 0:
        return local + "Z"
    sign = "-" if seconds < 0 else "+"
    return f"{local}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _text(text: Text) -> JSONObject:
    return {"de": text.de, "en": text.en}


def _facts(facts: Facts) -> JSONObject:
    return {key: _fact(value) for key, value in facts.items()}


_PLAIN = frozenset({str, int, bool, type(None)})


def _fact(value: object) -> JSONValue:
    """A fact as plain JSON. Facts are typed as JSON-ready already; this copies the lists
    (so that the record shares nothing with the verdict) and refuses anything else rather
    than guessing a rendering."""
    if type(value) in _PLAIN:  # the common case, and cheap: exact types (no Enum member)
        return cast("JSONValue", value)
    if isinstance(value, Enum):
        return _fact(value.value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_fact(v) for v in value]
    raise TypeError(f"cannot put {type(value).__name__} into a verdict record")


def _amount(value: Decimal) -> str:
    return str(value)  # exact: "100000.00" stays "100000.00", never a float


def _category(c: CategoryFunding) -> JSONObject:
    return {
        "category": c.category,
        "declared_costs": _amount(c.declared_costs),
        "eligible_costs": _amount(c.eligible_costs),
        "rate": _amount(c.rate),
        "grant": _amount(c.grant),
        "excluded_reason": None if c.excluded_reason is None else _text(c.excluded_reason),
        "recoverable_vat": _amount(c.recoverable_vat),
    }


def _funding(f: FundingComputation) -> JSONObject:
    return {
        "categories": [_category(c) for c in f.categories],
        "total_costs": _amount(f.total_costs),
        "eligible_costs": _amount(f.eligible_costs),
        "uncapped_grant": _amount(f.uncapped_grant),
        "cap": _amount(f.cap),
        "cap_applied": f.cap_applied,
        "fundable_grant": _amount(f.fundable_grant),
        "rounding_difference": _amount(f.rounding_difference),
        "requested_grant": None if f.requested_grant is None else _amount(f.requested_grant),
        "grant": _amount(f.grant),
        "third_party_funds": _amount(f.third_party_funds),
        "own_contribution": _amount(f.own_contribution),
    }


# ---- the receipt (Eingangsbestätigung), read from a stored snapshot

# The number the portal gives a received proposal. Not "Aktenzeichen": that is the
# authority's own file reference, given later.
RECEIPT_NUMBER_LABEL = Text("Eingangsnummer", "Receipt number")

_SCAN_FINISHED = Text("auf Schadsoftware geprüft, unauffällig", "scanned for malware, clean")
_SCAN_RUNNING = Text(
    "Prüfung auf Schadsoftware noch nicht abgeschlossen", "malware scan not finished yet"
)
# Only a server without a scanner writes this (development and test settings only).
_SCAN_NONE = Text(
    "nicht auf Schadsoftware geprüft (kein Prüfprogramm eingerichtet)",
    "not scanned for malware (no scanner configured)",
)
_OUTCOME_LABELS = {
    Outcome.FAIL.value: Text("nicht erfüllt", "not met"),
    Outcome.NEEDS_REVIEW.value: Text("muss geprüft werden", "needs review"),
}
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def berlin_time(instant: datetime) -> Text:
    """The receipt time to the second in Europe/Berlin, with the zone in force then:
    ``15.03.2024, 23:59:41 Uhr (MEZ)`` / ``15 March 2024, 23:59:41 CET``. Seconds are cut,
    not rounded, as a clock shows them (a receipt at 23:59:59.7 is shown as 23:59:59)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    local = instant.astimezone(BERLIN)
    summer = bool(local.dst())
    clock = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    return Text(
        f"{format_date_de(local.date())}, {clock} Uhr ({'MESZ' if summer else 'MEZ'})",
        f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}, {clock} "
        f"{'CEST' if summer else 'CET'}",
    )


@dataclass(frozen=True, slots=True)
class ReceiptDocument:
    """A document received, with its scan status as it was at receipt."""

    id: str
    kind: str
    filename: str
    sha256: str
    size_bytes: int
    scan_status: str

    @property
    def scan_finished(self) -> bool:
        return self.scan_status == "clean"

    @property
    def scan_label(self) -> Text:
        if self.scan_status == "not_scanned":
            return _SCAN_NONE
        return _SCAN_FINISHED if self.scan_finished else _SCAN_RUNNING


@dataclass(frozen=True, slots=True)
class AcknowledgedRule:
    """A rule the applicant acknowledged, as it was shown at submission."""

    rule: str
    outcome: str
    citation: Text
    title: Text
    message: Text

    @property
    def outcome_label(self) -> Text:
        return _OUTCOME_LABELS.get(self.outcome, Text(self.outcome, self.outcome))


@dataclass(frozen=True, slots=True)
class ReceiptApplicant:
    legal_name: str
    legal_form: str
    customer_number: str


@dataclass(frozen=True, slots=True)
class ReceiptContent:
    """Everything the receipt says, in both languages where it is text."""

    application_id: str
    reference_number: str
    submission_number: int
    received_at: datetime
    received_at_local: Text
    snapshot_sha256: str
    guideline_hash: str
    authority: Authority | None
    applicant: ReceiptApplicant
    title: str
    call: str
    call_title: Text
    funding_line: str
    funding_line_label: Text
    documents: tuple[ReceiptDocument, ...]
    acknowledged: tuple[AcknowledgedRule, ...]
    notes: tuple[Text, ...]

    @property
    def replaces(self) -> int | None:
        """The version this one replaces (a resubmission), or None for the first."""
        return self.submission_number - 1 if self.submission_number > 1 else None

    @property
    def pending_documents(self) -> tuple[ReceiptDocument, ...]:
        return tuple(d for d in self.documents if not d.scan_finished)


def _text_of(record: Any, fallback: str) -> Text:
    if isinstance(record, Mapping) and "de" in record and "en" in record:
        return Text(str(record["de"]), str(record["en"]))
    return Text(fallback, fallback)


def _authority_of(record: Any) -> Authority | None:
    if not isinstance(record, Mapping):
        return None
    return Authority(
        name=str(record.get("name", "")),
        unit=str(record.get("unit", "")),
        street=str(record.get("street", "")),
        postal_code=str(record.get("postal_code", "")),
        city=str(record.get("city", "")),
        phone=record.get("phone"),
        email=record.get("email"),
        website=record.get("website"),
        on_behalf_of=record.get("on_behalf_of"),
        assumption=bool(record.get("assumption", False)),
    )


def _receipt_notes(
    reference: str, number: int, pending: int, acknowledged: int
) -> tuple[Text, ...]:
    notes = [
        Text(
            "Diese Bestätigung bescheinigt nur den Eingang Ihrer Vorhabenidee. Sie ist keine "
            "Entscheidung über Ihren Antrag und begründet keinen Anspruch auf eine Zuwendung.",
            "This confirms receipt only. It is no decision on your application and creates "
            "no entitlement to a grant.",
        ),
        Text(
            "Beginnen Sie mit dem Vorhaben nicht vor der Bekanntgabe des Zuwendungsbescheids "
            "oder einer schriftlichen Zustimmung der Bewilligungsstelle zum vorzeitigen "
            "Maßnahmebeginn: ein vorher begonnenes Vorhaben kann in der Regel nicht gefördert "
            "werden.",
            "Do not start the project before the grant decision (Zuwendungsbescheid) has been "
            "notified or the authority has consented in writing to an early start: a project "
            "begun earlier can as a rule not be funded.",
        ),
    ]
    if number > 1:
        notes.append(
            Text(
                f"Diese Fassung {number} ersetzt die zuvor eingereichte Fassung {number - 1}.",
                f"This version {number} replaces the version {number - 1} submitted before.",
            )
        )
    if pending:
        notes.append(
            Text(
                "Die Prüfung auf Schadsoftware ist für "
                f"{'ein Dokument' if pending == 1 else f'{pending} Dokumente'} noch nicht "
                "abgeschlossen. Maßgeblich für den Eingang ist der oben genannte Zeitpunkt; "
                "das Ergebnis der Prüfung sieht die Bewilligungsstelle bei der formalen "
                "Prüfung.",
                f"The malware scan of {pending} document{'' if pending == 1 else 's'} is not "
                "finished yet. The time of receipt above counts; the authority sees the "
                "result of the scan at the formal check.",
            )
        )
    if acknowledged:
        notes.append(
            Text(
                "Die automatische Vorabprüfung hat die unten genannten Hinweise ergeben; Sie "
                "haben bestätigt, die Vorhabenidee dennoch einzureichen. Ob die "
                "Voraussetzungen erfüllt sind, entscheidet die Bewilligungsstelle bei der "
                "formalen Prüfung.",
                "The automatic pre-check reported the points listed below, and you confirmed "
                "that you submit the project outline nonetheless. Whether the requirements "
                "are met is decided by the authority at the formal check.",
            )
        )
    notes += [
        Text(
            f"Bitte geben Sie bei Rückfragen die Eingangsnummer {reference} an.",
            f"Please quote the receipt number {reference} in all enquiries.",
        ),
        Text(
            "Die Prüfsumme (SHA-256) kennzeichnet die gespeicherte eingereichte Fassung: "
            "zusammen mit dieser Fassung, die Sie im Förderportal abrufen können, weist sie "
            "nach, was eingereicht wurde.",
            "The SHA-256 checksum identifies the stored submitted version: together with "
            "that version, which you can retrieve in the portal, it shows what was submitted.",
        ),
    ]
    return tuple(notes)


def receipt_of(snapshot: Mapping[str, Any], snapshot_sha256: str) -> ReceiptContent:
    """The receipt of a stored snapshot (any schema: what schema 1 lacks is left out or
    falls back to the codes). Raises ``ValueError`` for a snapshot without its number,
    which only a snapshot not yet stored can be."""
    reference = snapshot.get("reference_number")
    if not isinstance(reference, str):
        raise ValueError("a receipt needs a snapshot with its reference number")
    received_at = datetime.fromisoformat(str(snapshot["received_at"]))
    number = int(snapshot["submission_number"])
    organisation: Mapping[str, Any] = snapshot.get("organisation") or {}
    content: Mapping[str, Any] = snapshot.get("content") or {}
    call, line = str(snapshot.get("call", "")), str(snapshot.get("funding_line", ""))
    documents = tuple(
        ReceiptDocument(
            id=str(a.get("id", "")),
            kind=str(a.get("kind", "")),
            filename=str(a.get("filename", "")),
            sha256=str(a.get("sha256", "")),
            size_bytes=int(a.get("size_bytes", 0)),
            scan_status=str(a.get("scan_status", "")),
        )
        for a in snapshot.get("attachments") or []
    )
    acknowledgement: Mapping[str, Any] = snapshot.get("acknowledgement") or {}
    acknowledged = tuple(
        AcknowledgedRule(
            rule=str(r.get("rule", "")),
            outcome=str(r.get("outcome", "")),
            citation=_text_of(r.get("citation"), ""),
            title=_text_of(r.get("title"), str(r.get("rule", ""))),
            message=_text_of(r.get("message"), ""),
        )
        for r in acknowledgement.get("rules") or []
    )
    pending = sum(1 for d in documents if not d.scan_finished)
    return ReceiptContent(
        application_id=str(snapshot["application_id"]),
        reference_number=reference,
        submission_number=number,
        received_at=received_at,
        received_at_local=berlin_time(received_at),
        snapshot_sha256=snapshot_sha256,
        guideline_hash=str((snapshot.get("guideline") or {}).get("content_hash", "")),
        authority=_authority_of(snapshot.get("authority")),
        applicant=ReceiptApplicant(
            legal_name=str(organisation.get("legal_name", "")),
            legal_form=str(organisation.get("legal_form", "")),
            customer_number=str(organisation.get("customer_number", "")),
        ),
        title=str(content.get("title", "")),
        call=call,
        call_title=_text_of(snapshot.get("call_title"), call),
        funding_line=line,
        funding_line_label=_text_of(snapshot.get("funding_line_label"), line),
        documents=documents,
        acknowledged=acknowledged,
        notes=_receipt_notes(reference, number, pending, len(acknowledged)),
    )
