"""The formal check as an HTML checklist: per item confirmed or not (prefilled from the
proposal the frozen verdict makes) with a reason where the person deviates, the outcome,
its reason, and for a request for information what is asked for and by when — read into the
API's own ``FormalCheckRecord``; the service's problems mapped back to the fields.

No I/O."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from pydantic import ValidationError

from grants.core.errors import FieldProblem
from grants.evaluation.formal_check.schemas import ChecklistItemOut, FormalCheckRecord
from grants.http.validation_de import german
from grants.web.forms import FormErrors
from grants.web.templating import BERLIN, N_, translate

OUTCOMES = {
    "to_review": N_("Formal vollständig: zur Bewertung geben"),
    "information_requested": N_("Unterlagen oder Angaben nachfordern"),
    "formally_rejected": N_("Formal ablehnen (Vorschlag für den Bescheid)"),
}
LABELS = {
    "ergebnis": N_("Ergebnis der Formalprüfung"),
    "grund": N_("Begründung des Ergebnisses"),
    "unterlagen": N_("Nachgeforderte Unterlagen oder Angaben"),
    "nachricht": N_("Nachricht an die Antragstellerin"),
    "frist": N_("Frist der Nachforderung"),
    "form": N_("Formalprüfung"),
}


def confirmed_id(code: str) -> str:
    return f"bestaetigt-{code}"


def reason_id(code: str) -> str:
    return f"begruendung-{code}"


def values_of(
    items: Sequence[ChecklistItemOut], outcome: str | None, reason: str | None
) -> dict[str, str]:
    """The form prefilled: a recorded decision as it was recorded, else the proposal (a
    passed item confirmed, a failed one not; one that needs review left for the person)."""
    values: dict[str, str] = {"ergebnis": outcome or "", "grund": reason or ""}
    for item in items:
        if item.confirmed is not None:
            values[confirmed_id(item.code)] = "ja" if item.confirmed else "nein"
        else:
            values[confirmed_id(item.code)] = {"pass": "ja", "fail": "nein"}.get(item.proposed, "")
        values[reason_id(item.code)] = item.reason or ""
    return values


def _due_at(text: str) -> datetime | None:
    """A due date as people enter it (a date input: "2027-04-30") → the end of that day in
    Europe/Berlin, as deadlines are judged."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=BERLIN)


def parse(
    values: Mapping[str, str], items: Sequence[ChecklistItemOut]
) -> tuple[FormalCheckRecord | None, FormErrors]:
    errors = FormErrors()
    decisions = []
    for item in items:
        answer = values.get(confirmed_id(item.code), "")
        if answer not in {"ja", "nein"}:
            errors.add(confirmed_id(item.code), translate(N_("Bitte bestätigen oder verneinen.")))
            continue
        reason = values.get(reason_id(item.code), "").strip()
        decisions.append({"code": item.code, "confirmed": answer == "ja", "reason": reason or None})
    outcome = values.get("ergebnis", "")
    if outcome not in OUTCOMES:
        errors.add("ergebnis", translate(N_("Bitte wählen Sie ein Ergebnis.")))
    body: dict[str, object] = {
        "items": decisions,
        "outcome": outcome,
        "reason": values.get("grund", "").strip() or None,
    }
    if outcome == "information_requested":
        wanted = [
            line.strip() for line in values.get("unterlagen", "").splitlines() if line.strip()
        ]
        due = _due_at(values.get("frist", "").strip())
        if not wanted:
            errors.add(
                "unterlagen",
                translate(
                    N_("Bitte nennen Sie, was nachgereicht werden soll (eine Zeile je Punkt).")
                ),
            )
        if due is None:
            errors.add("frist", translate(N_("Bitte geben Sie die Frist als Datum an.")))
        body["information_request"] = {
            "items": wanted,
            "message": values.get("nachricht", "").strip(),
            "due_at": due.isoformat() if due else "",
        }
    if errors:
        return None, errors
    try:
        return FormalCheckRecord.model_validate(body), errors
    except ValidationError as error:
        for problem in error.errors():
            location = [str(part) for part in problem["loc"]]
            errors.add(
                _field_of(location, items),
                german(problem["type"], problem["msg"], problem.get("ctx")),
            )
        return None, errors


def _field_of(location: Sequence[str], items: Sequence[ChecklistItemOut]) -> str:
    if location[:1] == ["items"] and len(location) >= 3 and location[1].isdigit():
        code = items[int(location[1])].code if int(location[1]) < len(items) else ""
        return reason_id(code) if location[2] == "reason" else confirmed_id(code)
    if location[:1] == ["reason"]:
        return "grund"
    if location[:1] == ["information_request"]:
        part = location[1] if len(location) > 1 else "items"
        return {"items": "unterlagen", "message": "nachricht", "due_at": "frist"}.get(
            part, "unterlagen"
        )
    return "form"


def service_errors(problems: Sequence[FieldProblem]) -> FormErrors:
    """The service's problems (``items.K3.reason``, ``items.K3.confirmed``, ``reason``,
    ``information_request``) at the form's fields."""
    errors = FormErrors()
    for problem in problems:
        parts = problem.field.split(".")
        if parts[0] == "items" and len(parts) >= 3:
            target = reason_id(parts[1]) if parts[2] == "reason" else confirmed_id(parts[1])
        else:
            target = {"reason": "grund", "information_request": "unterlagen"}.get(parts[0], "form")
        errors.add(target, problem.message)
    return errors
