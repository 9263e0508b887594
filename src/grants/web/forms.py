"""The anonymous pre-check as an HTML form: the form's fields (query parameters of a GET form:
nothing is stored, so a result can be bookmarked and sent) read into the API's own request
model (``EligibilityCheckRequest``), so the form knows no rule of its own; validation errors
mapped back to the form's fields, in German with the English original.

No I/O: the route gives the query parameters and renders what comes back. An edge module
like a route (it speaks request parameters and the API's validation texts).
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from grants.guidelines.schemas import EligibilityCheckRequest
from grants.http.validation_de import german
from grants.web.templating import N_, translate

COST_ROWS = 8  # rows of the cost plan without JavaScript (more: a second check adds rows)
AID_ROWS = 3  # earlier de-minimis aid in the last three years

# Labels of the fields an error can name, for the error summary.
LABELS = {
    "call": N_("Förderaufruf"),
    "funding_line": N_("Förderlinie"),
    "applicant_type": N_("Art der Antragstellerin / des Antragstellers"),
    "municipality_key": N_("Gemeinde des Vorhabens"),
    "objectives": N_("Ziele des Vorhabens"),
    "planned_start": N_("Geplanter Beginn"),
    "planned_end": N_("Geplantes Ende"),
    "economic_activity": N_("Wirtschaftliche Tätigkeit"),
    "cost_amounts": N_("Beträge brutto oder netto"),
    "vat_deduction": N_("Vorsteuerabzug"),
    "vat_deductible_share": N_("Anteil des Vorsteuerabzugs"),
    "requested_grant": N_("Beantragte Zuwendung"),
    "own_funds": N_("Eigenmittel"),
    "third_party_funds": N_("Drittmittel"),
    "part_of_single_undertaking": N_("Teil eines einzigen Unternehmens"),
    "linked_undertakings": N_("Verbundene Unternehmen"),
}


@dataclass
class FormErrors:
    """Field id → message, in the order the summary lists them."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.by_field.setdefault(field_id, message)

    def __bool__(self) -> bool:
        return bool(self.by_field)


# "3.000", "1.250.000": dots in groups of three and no comma, as German amounts are written.
_GERMAN_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")


def amount_text(value: str) -> str:
    """A money amount as people type it on a German form ("12.500,50", "12500,5", "3.000")
    in the API's form ("12500.50"): with a comma, or in groups of three, dots are thousands
    separators. Anything else is passed on as typed, and the model's own rule names what is
    wrong with it (the API's "ambiguous amount" for "3.00,5", say)."""
    text = value.strip().replace(" ", "").replace("€", "")
    if "," in text or _GERMAN_THOUSANDS.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    return text


def _choice(value: str | None) -> bool | None:
    return {"ja": True, "nein": False}.get(value or "")


def _rows(params: Mapping[str, str], prefix: str, count: int, names: Sequence[str]) -> list[int]:
    """The numbers (1 …) of the rows with anything filled in."""
    return [
        i
        for i in range(1, count + 1)
        if any(params.get(f"{prefix}-{i}-{name}", "").strip() for name in names)
    ]


@dataclass
class Parsed:
    body: dict[str, Any]
    cost_rows: list[int]  # list index → row number of the form
    aid_rows: list[int]


def parse(params: Mapping[str, str], objectives: Sequence[str]) -> Parsed:
    """The form's values as the API's request body (not validated yet)."""
    cost_rows = _rows(params, "cost", COST_ROWS, ("category", "description", "amount"))
    aid_rows = _rows(params, "aid", AID_ROWS, ("granted_on", "amount"))
    body: dict[str, Any] = {
        "guideline": params.get("guideline", ""),
        "call": params.get("call", ""),
        "applicant_type": params.get("applicant_type", ""),
        "municipality_key": params.get("municipality_key", ""),
        "funding_line": params.get("funding_line", ""),
        "objectives": list(objectives),
        "planned_start": params.get("planned_start", "") or None,
        "planned_end": params.get("planned_end", "") or None,
        "economic_activity": _choice(params.get("economic_activity")),
        "cost_lines": [
            {
                "category": params.get(f"cost-{i}-category", ""),
                "description": params.get(f"cost-{i}-description", "").strip(),
                "amount": amount_text(params.get(f"cost-{i}-amount", "")),
            }
            for i in cost_rows
        ],
        "cost_amounts": params.get("cost_amounts") or None,
        "financing": {
            "requested_grant": amount_text(params.get("requested_grant", "")),
            "own_funds": amount_text(params.get("own_funds", "")),
            "third_party_funds": amount_text(params.get("third_party_funds", "") or "0"),
        },
        "prior_de_minimis": [
            {
                "granted_on": params.get(f"aid-{i}-granted_on", "") or None,
                "amount": amount_text(params.get(f"aid-{i}-amount", "")),
            }
            for i in aid_rows
        ],
        "part_of_single_undertaking": _choice(params.get("part_of_single_undertaking")),
        "linked_undertakings": [
            line.strip()
            for line in params.get("linked_undertakings", "").splitlines()
            if line.strip()
        ],
        "vat_deduction": params.get("vat_deduction") or None,
        "vat_deductible_share": amount_text(params.get("vat_deductible_share", "")) or None,
    }
    return Parsed(body, cost_rows, aid_rows)


def field_id(location: Sequence[Any], parsed: Parsed) -> str:
    """The form field an error's location names (``("cost_lines", 0, "amount")`` →
    ``cost-3-amount`` when the first filled row is the form's third)."""
    head = str(location[0]) if location else "form"
    if head == "cost_lines" and len(location) >= 2 and isinstance(location[1], int):
        row = parsed.cost_rows[location[1]] if location[1] < len(parsed.cost_rows) else 1
        return f"cost-{row}-{location[2] if len(location) > 2 else 'amount'}"
    if head == "prior_de_minimis" and len(location) >= 2 and isinstance(location[1], int):
        row = parsed.aid_rows[location[1]] if location[1] < len(parsed.aid_rows) else 1
        return f"aid-{row}-{location[2] if len(location) > 2 else 'amount'}"
    if head == "financing" and len(location) >= 2:
        return str(location[1])
    return head  # a field of its own id (objectives and linked_undertakings as a whole)


def validate(parsed: Parsed) -> tuple[EligibilityCheckRequest | None, FormErrors]:
    errors = FormErrors()
    try:
        return EligibilityCheckRequest.model_validate(parsed.body), errors
    except ValidationError as error:
        for item in error.errors(include_url=False):
            location = tuple(item["loc"])
            errors.add(
                field_id(location, parsed),
                german(item["type"], item["msg"], item.get("ctx")),
            )
        return None, errors


def label_of(field_id: str) -> str:
    """The summary's name of a field: its label, or the cost or aid row it is in."""
    if field_id.startswith("cost-"):
        _, row, part = field_id.split("-", 2)
        what = {
            "category": N_("Kostenart"),
            "description": N_("Beschreibung"),
            "amount": N_("Betrag"),
        }
        return translate(N_("Kostenplan, Zeile %(row)s: %(part)s")) % {
            "row": row,
            "part": translate(what.get(part, part)),
        }
    if field_id.startswith("aid-"):
        _, row, part = field_id.split("-", 2)
        what = {"granted_on": N_("Datum"), "amount": N_("Betrag")}
        return translate(N_("Frühere De-minimis-Beihilfe %(row)s: %(part)s")) % {
            "row": row,
            "part": translate(what.get(part, part)),
        }
    if field_id in LABELS:
        return translate(LABELS[field_id])
    return translate(N_("Angaben")) if field_id == "form" else field_id
