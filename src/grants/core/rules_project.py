"""Eligibility rules about who applies, where, when and for what (FRL LIfD Nr. 1–3, the
call, VV zu § 44 SäHO). Each takes the case and returns outcome, message and facts."""

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
        return (
            Outcome.FAIL,
            _t(f"{spec.label.de} ist nicht antragsberechtigt.", f"{spec.label.en} may not apply."),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"{spec.label.de} ist antragsberechtigt; es gelten die {spec.conditions}.",
            f"{spec.label.en} may apply; {spec.conditions} apply.",
        ),
        facts,
    )


def location_in_saxony(case: Case) -> Finding:
    key = case.proposal.municipality_key
    facts: Facts = {"municipality_key": key, "area_category": case.context.area_category}
    if len(key) == 8 and key.isdigit() and key.startswith("14"):
        return (
            Outcome.PASS,
            _t(f"Gemeinde {key} liegt in Sachsen.", f"Municipality {key} is in Saxony."),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Gemeindeschlüssel {key} liegt nicht in Sachsen (beginnt nicht mit 14).",
            f"Municipality key {key} is not in Saxony (does not start with 14).",
        ),
        facts,
    )


def not_started_before_receipt(case: Case) -> Finding:
    start = case.proposal.planned_start
    facts: Facts = {
        "planned_start": start.isoformat(),
        "received_on": case.received_on.isoformat(),
        "early_start_consented": case.proposal.early_start_consented,
    }
    if start >= case.received_on:
        return (
            Outcome.PASS,
            _t(
                f"Beginn am {format_date_de(start)}, nicht vor Antragseingang.",
                f"Starts on {start.isoformat()}, not before receipt.",
            ),
            facts,
        )
    if case.proposal.early_start_consented:
        return (
            Outcome.PASS,
            _t(
                "Beginn vor Antragseingang mit Zustimmung zum vorzeitigen Maßnahmebeginn.",
                "Starts before receipt with consent to an early start.",
            ),
            facts,
        )
    return (
        Outcome.FAIL,
        _t(
            f"Das Vorhaben beginnt am {format_date_de(start)}, vor dem Antragseingang am "
            f"{format_date_de(case.received_on)}; begonnene Vorhaben sind nicht förderfähig.",
            f"The project starts on {start.isoformat()}, before receipt on "
            f"{case.received_on.isoformat()}; projects already begun cannot be funded.",
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
    listed = ", ".join(sorted(set(chosen)))
    return Outcome.PASS, _t(f"Förderziele: {listed}.", f"Funding objectives: {listed}."), facts


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
                f"Der Aufruf {call.title.de} umfasst die Linie {line.label.de} nicht.",
                f"Call {call.title.en} does not include the line {line.label.en}.",
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
            _t("Das Ende liegt vor dem Beginn.", "The end is before the start."),
            facts,
        )
    if add_months(start, shortest) > after_end:
        return (
            Outcome.FAIL,
            _t(
                f"Laufzeit kürzer als {shortest} Monate.",
                f"Duration shorter than {shortest} months.",
            ),
            facts,
        )
    if after_end > add_months(start, longest):
        return (
            Outcome.FAIL,
            _t(f"Laufzeit länger als {longest} Monate.", f"Duration longer than {longest} months."),
            facts,
        )
    return (
        Outcome.PASS,
        _t(
            f"Laufzeit zwischen {shortest} und {longest} Monaten.",
            f"Duration between {shortest} and {longest} months.",
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
