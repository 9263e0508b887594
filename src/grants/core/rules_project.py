"""Eligibility rules about who applies, where, when and for what (FRL LIfD, the call, VV zu
§ 44 SäHO). Each takes the case and returns outcome, message and facts."""

from datetime import timedelta
from functools import cache

from grants.core.deadlines import add_months, format_date_de
from grants.core.guideline import Call, CallStatus, Text
from grants.core.verdict import Case, Facts, Finding, Outcome

_t = Text


def applicant_type_eligible(case: Case) -> Finding:
    code = case.proposal.applicant_type
    spec = case.guideline.applicant_type(code)
    facts: Facts = {"applicant_type": code, "conditions": spec.conditions if spec else None}
    if spec is None:
        return (
            Outcome.FAIL,
            _t(f"Unbekannte Antragstellerart „{code}“.", f"Unknown applicant type '{code}'."),
            facts,
        )
    if not spec.eligible:
        reason = spec.reason or _t("", "")
        return (
            Outcome.FAIL,
            _t(
                f"{spec.label.de}: nicht antragsberechtigt. {reason.de}".rstrip(),
                f"{spec.label.en}: may not apply. {reason.en}".rstrip(),
            ),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"{spec.label.de}: antragsberechtigt; es gelten die {spec.conditions}.",
            f"{spec.label.en}: may apply; {spec.conditions} apply.",
        ),
        facts,
    )


def location_in_saxony(case: Case) -> Finding:
    """In Saxony means in the register of Saxony's municipalities: the prefix 14 alone would
    pass keys that name no municipality (e.g. 14999999)."""
    key = case.proposal.municipality_key
    known = case.context.municipality_known
    facts: Facts = {
        "field": "municipality_key",
        "municipality_key": key,
        "municipality_known": known,
        "area_category": case.context.area_category,
        "area_category_assumed": case.context.area_category_assumed,
    }
    if not (len(key) == 8 and key.isdigit() and key.startswith("14")):
        return (
            Outcome.FAIL,
            _t(
                f"Gemeindeschlüssel (municipality_key) {key} liegt nicht in Sachsen "
                "(sächsische Gemeindeschlüssel beginnen mit 14).",
                f"Municipality key (municipality_key) {key} is not in Saxony "
                "(Saxon keys start with 14).",
            ),
            facts,
        )
    if known is False:
        return (
            Outcome.FAIL,
            _t(
                f"Gemeindeschlüssel (municipality_key) {key} ist im Gemeindeverzeichnis Sachsen "
                "nicht enthalten.",
                f"Municipality key (municipality_key) {key} is not in the register of Saxony's "
                "municipalities.",
            ),
            facts,
        )
    if known is None:
        return (
            Outcome.NEEDS_REVIEW,
            _t(
                f"Gemeindeschlüssel {key}: nicht mit dem Gemeindeverzeichnis Sachsen abgeglichen.",
                f"Municipality key {key}: not checked against the register of Saxony's "
                "municipalities.",
            ),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"Gemeinde {key} ist im Gemeindeverzeichnis Sachsen enthalten.",
            f"Municipality {key} is in the register of Saxony's municipalities.",
        ),
        facts,
    )


# LEGAL-REVIEW §1b: the applicant is never told that a start after the receipt is fine; only
# the grant decision or the authority's written consent allows the project to start.
_START_WARNING = _t(
    "Mit dem Vorhaben darf erst nach Bekanntgabe des Zuwendungsbescheids oder nach "
    "schriftlicher Zustimmung zum vorzeitigen Maßnahmebeginn begonnen werden.",
    "The project may start only after the grant decision has been notified or after written "
    "consent to an early start.",
)


def not_started_before_receipt(case: Case) -> Finding:
    """Projects already begun cannot be funded. A start planned after the receipt is still
    before the decision (which the engine cannot know), so it needs review with the warning;
    only the authority's consent (a staff record, fed in as ``early_start_consented``)
    settles it before the decision."""
    start = case.proposal.planned_start
    consented = case.proposal.early_start_consented
    facts: Facts = {
        "planned_start": start.isoformat(),
        "received_on": case.received_on.isoformat(),
        "early_start_consented": consented,
    }
    if consented:
        return (
            Outcome.PASS,
            _t(
                "Die Bewilligungsstelle hat dem vorzeitigen Maßnahmebeginn schriftlich "
                "zugestimmt; die Zustimmung begründet keinen Anspruch auf die Zuwendung.",
                "The granting authority has consented in writing to an early start; the consent "
                "creates no entitlement to the grant.",
            ),
            facts,
        )
    if start >= case.received_on:
        return (
            Outcome.NEEDS_REVIEW,
            _t(
                f"Geplanter Beginn nach Eingang der Vorhabenidee. Hinweis: {_START_WARNING.de}",
                f"Planned start after receipt of the project idea. Note: {_START_WARNING.en}",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Geplanter Beginn am {format_date_de(start)}, vor dem Eingang am "
            f"{format_date_de(case.received_on)}: bereits begonnene Vorhaben sind nicht "
            f"zuwendungsfähig. {_START_WARNING.de}",
            f"Planned start on {start.isoformat()}, before receipt on "
            f"{case.received_on.isoformat()}: projects already begun cannot be funded. "
            f"{_START_WARNING.en}",
        ),
        facts,
    )


def funding_objective(case: Case) -> Finding:
    chosen = list(case.proposal.objectives)
    unknown = sorted(set(chosen) - case.guideline.objective_codes())
    facts: Facts = {"objectives": sorted(set(chosen)), "unknown": unknown}
    if unknown:
        listed = ", ".join(unknown)
        return (
            Outcome.FAIL,
            _t(f"Unbekannte Förderziele: {listed}.", f"Unknown funding objectives: {listed}."),
            facts,
        )
    if not chosen:
        return (
            Outcome.FAIL,
            _t(
                "Mindestens ein Förderziel (a–e) ist zu wählen.",
                "Choose at least one funding objective (a–e).",
            ),
            facts,
        )
    labels = {o.code: o.label for o in case.guideline.objectives}
    codes = sorted(set(chosen))
    listed_de = "; ".join(f"{code}) {labels[code].de}" for code in codes)
    listed_en = "; ".join(f"{code}) {labels[code].en}" for code in codes)
    return (
        Outcome.PASS,
        _t(f"Förderziele: {listed_de}.", f"Funding objectives: {listed_en}."),
        facts,
    )


def funding_line_offered(case: Case) -> Finding:
    code = case.proposal.funding_line
    line = case.guideline.line(code)
    call = case.context.call
    facts: Facts = {"funding_line": code, "call": call.code if call else None}
    if line is None:
        return (
            Outcome.FAIL,
            _t(f"Unbekannte Förderlinie „{code}“.", f"Unknown funding line '{code}'."),
            facts,
        )
    if call is not None and code not in call.lines:
        return (
            Outcome.FAIL,
            _t(
                f"Der Förderaufruf „{call.title.de}“ umfasst die Förderlinie "
                f"„{line.label.de}“ nicht.",
                f"The call “{call.title.en}” does not include the funding line “{line.label.en}”.",
            ),
            facts,
        )
    return (
        Outcome.PASS,
        _t(f"Förderlinie: {line.label.de}.", f"Funding line: {line.label.en}."),
        facts,
    )


@cache
def _call_dates(call: Call) -> tuple[str, str, str, str]:
    """Formatted once per call: strftime is slow and the values never change."""
    return (
        call.deadline_at.isoformat(),
        f"{format_date_de(call.deadline_at.date())} um {call.deadline_at:%H:%M:%S} Uhr",
        call.latest_end.isoformat(),
        f"{format_date_de(call.latest_end)}",
    )


def received_before_deadline(case: Case) -> Finding:
    call = case.context.call
    if call is None:
        return Outcome.NOT_APPLICABLE, _t("Kein Aufruf gewählt.", "No call chosen."), {}
    received = case.context.received_at
    deadline_iso, deadline_de, _, _ = _call_dates(call)
    facts: Facts = {"received_at": received.isoformat(), "deadline_at": deadline_iso}
    status = call.status(received)
    if status is CallStatus.UPCOMING:
        return (
            Outcome.FAIL,
            _t("Der Aufruf ist noch nicht veröffentlicht.", "The call has not been published yet."),
            facts,
        )
    if status is CallStatus.OPEN:
        return (
            Outcome.PASS,
            _t(
                f"Eingang vor Ablauf der Frist ({deadline_de}).",
                f"Received before the deadline ({deadline_iso}).",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Die Frist endete am {deadline_de}.",
            f"The deadline passed at {deadline_iso}.",
        ),
        facts,
    )


def duration_within_bounds(case: Case) -> Finding:
    """The applicant plans a Durchführungszeitraum; the Bewilligungszeitraum is what the
    decision later fixes. The 12–36 months are an assumption (flagged in the data)."""
    start, end = case.proposal.planned_start, case.proposal.planned_end
    shortest, longest = case.guideline.duration_months
    facts: Facts = {
        "planned_start": start.isoformat(),
        "planned_end": end.isoformat(),
        "min_months": shortest,
        "max_months": longest,
    }
    after_end = end + timedelta(days=1)  # the end day is part of the project
    if end < start:
        return (
            Outcome.FAIL,
            _t(
                "Das Ende des Durchführungszeitraums liegt vor dem Beginn.",
                "The end of the project period is before its start.",
            ),
            facts,
        )
    if add_months(start, shortest) > after_end:
        return (
            Outcome.FAIL,
            _t(
                f"Durchführungszeitraum kürzer als {shortest} Monate.",
                f"Project period shorter than {shortest} months.",
            ),
            facts,
        )
    if after_end > add_months(start, longest):
        return (
            Outcome.FAIL,
            _t(
                f"Durchführungszeitraum länger als {longest} Monate.",
                f"Project period longer than {longest} months.",
            ),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"Durchführungszeitraum zwischen {shortest} und {longest} Monaten.",
            f"Project period between {shortest} and {longest} months.",
        ),
        facts,
    )


def end_within_call(case: Case) -> Finding:
    call = case.context.call
    if call is None:
        return Outcome.NOT_APPLICABLE, _t("Kein Aufruf gewählt.", "No call chosen."), {}
    end = case.proposal.planned_end
    _, _, latest_iso, latest_de = _call_dates(call)
    facts: Facts = {"planned_end": end.isoformat(), "latest_end": latest_iso}
    if end <= call.latest_end:
        return (
            Outcome.PASS,
            _t(
                f"Ende bis spätestens {latest_de}.",
                f"Ends by {latest_iso}.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Das Vorhaben muss bis {latest_de} enden.",
            f"The project must end by {latest_iso}.",
        ),
        facts,
    )
