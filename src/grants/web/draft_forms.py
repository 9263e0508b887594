"""The proposal as a multi-step HTML form: each step's fields read into the API's own patch
model (``DraftPatch``: the same limits and messages as ``PATCH /api/applications/{id}``), and
a stored draft written back into the form's values. Rows (cost lines, partners, earlier
de-minimis aid) are numbered fields, ``cost-3-amount``; a row left empty is dropped, so
removing a row without JavaScript is emptying it (or its "Entfernen" button).

No I/O: the route hands over the form and the stored draft, and renders what comes back."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from grants.applications.schemas import DraftContent, DraftPatch
from grants.http.validation_de import german
from grants.web.forms import FormErrors, amount_text
from grants.web.templating import N_, translate


@dataclass(frozen=True, slots=True)
class Step:
    slug: str
    title: str


STEPS = (
    Step("grunddaten", N_("Grunddaten")),
    Step("konzept", N_("Konzept")),
    Step("kosten", N_("Kosten- und Finanzierungsplan")),
    Step("partner", N_("Partner")),
    Step("erklaerungen", N_("Erklärungen")),
    Step("unterlagen", N_("Unterlagen")),
    Step("pruefen", N_("Prüfen und einreichen")),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}
# The steps whose form is a part of the draft (Unterlagen uploads files, Prüfen submits).
EDIT_STEPS = tuple(step.slug for step in STEPS if step.slug not in {"unterlagen", "pruefen"})

CONCEPT_FIELDS = {
    "initial_situation": N_("Ausgangslage"),
    "goals": N_("Ziele des Vorhabens"),
    "measures": N_("Maßnahmen und Zeitplan"),
    "target_groups": N_("Zielgruppen"),
    "sustainability": N_("Nachhaltigkeit und Verstetigung nach Förderende"),
    "cooperation": N_("Vernetzung und Partner"),
}
DECLARATION_BOXES = {
    "subsidy_relevant_facts": "subsidy_relevant_facts_acknowledged",
    "de_minimis": "de_minimis_declared",
    "data_protection": "data_protection_acknowledged",
    "not_started": "not_started_declared",
}
LABELS = {
    "title": N_("Titel des Vorhabens"),
    "summary": N_("Kurzbeschreibung"),
    "municipality_key": N_("Gemeinde des Vorhabens"),
    "planned_start": N_("Geplanter Beginn"),
    "planned_end": N_("Geplantes Ende"),
    "objectives": N_("Ziele"),
    "cost_amounts": N_("Beträge brutto oder netto"),
    "requested_grant": N_("Beantragte Zuwendung"),
    "own_funds": N_("Eigenmittel"),
    "third_party_funds": N_("Drittmittel"),
    "economic_activity": N_("Wirtschaftliche Tätigkeit"),
    "part_of_single_undertaking": N_("Teil eines einzigen Unternehmens"),
    "linked_undertakings": N_("Verbundene Unternehmen"),
    "vat_deduction": N_("Vorsteuerabzug"),
    "vat_deductible_share": N_("Anteil des Vorsteuerabzugs"),
    "form": N_("Angaben"),
    **CONCEPT_FIELDS,
    **dict.fromkeys(DECLARATION_BOXES.values(), "Erklärung"),
}
# Row kinds: form prefix, draft list, the row's fields and their labels.
ROWS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "cost": (
        "cost_lines",
        {"category": N_("Kostenart"), "description": N_("Beschreibung"), "amount": N_("Betrag")},
    ),
    "partner": (
        "partners",
        {"name": N_("Name"), "type": N_("Art"), "role": N_("Rolle im Vorhaben")},
    ),
    "aid": (
        "de_minimis_prior_aid",
        {"granted_on": N_("Datum"), "amount": N_("Betrag"), "provider": N_("Geber")},
    ),
}
ROW_TITLES = {
    "cost": N_("Kostenplan"),
    "partner": N_("Partner"),
    "aid": N_("Frühere De-minimis-Beihilfe"),
}
MIN_ROWS = {"cost": 3, "partner": 1, "aid": 1}


def label_of(field_id: str) -> str:
    prefix, _, rest = field_id.partition("-")
    if prefix in ROWS and "-" in rest:
        row, part = rest.split("-", 1)
        return translate(N_("%(rows)s, Zeile %(row)s: %(part)s")) % {
            "rows": translate(ROW_TITLES[prefix]),
            "row": row,
            "part": translate(ROWS[prefix][1].get(part, part)),
        }
    return translate(LABELS[field_id]) if field_id in LABELS else field_id


# --- the stored draft as form values -----------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, Decimal):
        return german_amount(value)
    return str(value)


def german_amount(value: Decimal) -> str:
    """12500.5 → "12.500,50": as the form shows amounts and reads them back."""
    whole, _, cents = f"{value:.2f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{'.'.join(groups) or '0'},{cents}"


def _row_values(prefix: str, items: Sequence[Any]) -> dict[str, str]:
    _, fields = ROWS[prefix]
    values = {}
    for number, item in enumerate(items, start=1):
        for name in fields:
            values[f"{prefix}-{number}-{name}"] = _text(getattr(item, name))
    return values


def values_of(draft: DraftContent) -> dict[str, str]:
    """Every step's fields, from the stored draft."""
    values: dict[str, str] = {
        "title": draft.title,
        "summary": draft.summary,
        "municipality_key": draft.municipality_key or "",
        "planned_start": _text(draft.planned_start),
        "planned_end": _text(draft.planned_end),
        "cost_amounts": _text(draft.cost_amounts.value if draft.cost_amounts else None),
        "objectives": ",".join(sorted(draft.objectives)),
    }
    values.update({name: getattr(draft.concept, name) for name in CONCEPT_FIELDS})
    if draft.financing is not None:
        for name in ("requested_grant", "own_funds", "third_party_funds"):
            values[name] = german_amount(getattr(draft.financing, name))
    values.update(_row_values("cost", draft.cost_lines))
    values.update(_row_values("partner", draft.partners))
    declarations = draft.declarations
    values.update(_row_values("aid", declarations.de_minimis_prior_aid))
    for box in DECLARATION_BOXES.values():
        values[box] = "ja" if getattr(declarations, box) else ""
    values["economic_activity"] = _text(declarations.economic_activity)
    values["part_of_single_undertaking"] = _text(declarations.part_of_single_undertaking)
    values["linked_undertakings"] = "\n".join(declarations.linked_undertakings)
    values["vat_deduction"] = _text(
        declarations.vat_deduction.value if declarations.vat_deduction else None
    )
    share = declarations.vat_deductible_share
    values["vat_deductible_share"] = "" if share is None else f"{share}".replace(".", ",")
    return values


def row_count(prefix: str, values: Mapping[str, str], *, extra: int = 0) -> int:
    """How many rows to show: the highest filled row, at least the minimum, plus ``extra``."""
    filled = [
        int(key.split("-")[1])
        for key, value in values.items()
        if key.startswith(f"{prefix}-") and key.split("-")[1].isdigit() and value.strip()
    ]
    return max([MIN_ROWS[prefix], *filled]) + extra


# --- a step's form as a patch ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parsed:
    body: dict[str, Any]
    rows: Mapping[str, list[int]]  # prefix → the form's row numbers, in list order


def _filled_rows(form: Mapping[str, str], prefix: str, skip: int | None) -> list[int]:
    _, fields = ROWS[prefix]
    numbers = sorted(
        {
            int(key.split("-")[1])
            for key in form
            if key.startswith(f"{prefix}-") and key.split("-")[1].isdigit()
        }
    )
    return [
        n
        for n in numbers
        if n != skip and any(form.get(f"{prefix}-{n}-{name}", "").strip() for name in fields)
    ]


def _rows(
    form: Mapping[str, str], prefix: str, skip: int | None, convert: Callable[[str, str], Any]
) -> tuple[list[dict[str, Any]], list[int]]:
    _, fields = ROWS[prefix]
    numbers = _filled_rows(form, prefix, skip)
    items = [
        {name: convert(name, form.get(f"{prefix}-{n}-{name}", "").strip()) for name in fields}
        for n in numbers
    ]
    return items, numbers


def _choice(value: str | None) -> bool | None:
    return {"ja": True, "nein": False}.get(value or "")


def _money_or_text(name: str, value: str) -> Any:
    if name == "amount":
        return amount_text(value)
    if name == "granted_on":
        return value or None
    return value


def parse(
    step: str,
    form: Mapping[str, str],
    *,
    objectives: Sequence[str] = (),
    remove: tuple[str, int] | None = None,
) -> Parsed:
    """A step's fields as the body of a ``DraftPatch`` (not validated yet). ``objectives``
    are the ticked boxes (a field of many values); ``remove`` names a row whose "Entfernen"
    button was pressed."""
    skip = {remove[0]: remove[1]} if remove else {}
    rows: dict[str, list[int]] = {}
    body: dict[str, Any]
    if step == "grunddaten":
        body = {
            "title": form.get("title", "").strip(),
            "summary": form.get("summary", "").strip(),
            "municipality_key": form.get("municipality_key") or None,
            "planned_start": form.get("planned_start") or None,
            "planned_end": form.get("planned_end") or None,
            "objectives": list(objectives),
        }
    elif step == "konzept":
        body = {"concept": {name: form.get(name, "").strip() for name in CONCEPT_FIELDS}}
    elif step == "kosten":
        lines, rows["cost"] = _rows(form, "cost", skip.get("cost"), _money_or_text)
        money = {
            name: form.get(name, "").strip()
            for name in ("requested_grant", "own_funds", "third_party_funds")
        }
        financing = (
            None
            if not any(money.values())
            else {name: amount_text(value or "0") for name, value in money.items()}
        )
        body = {
            "cost_lines": lines,
            "cost_amounts": form.get("cost_amounts") or None,
            "financing": financing,
        }
    elif step == "partner":
        partners, rows["partner"] = _rows(form, "partner", skip.get("partner"), _money_or_text)
        body = {"partners": partners}
    elif step == "erklaerungen":
        aid, rows["aid"] = _rows(form, "aid", skip.get("aid"), _money_or_text)
        share = form.get("vat_deductible_share", "").strip()
        body = {
            "declarations": {
                **{box: form.get(box) == "ja" for box in DECLARATION_BOXES.values()},
                "de_minimis_prior_aid": aid,
                "economic_activity": _choice(form.get("economic_activity")),
                "part_of_single_undertaking": _choice(form.get("part_of_single_undertaking")),
                "linked_undertakings": [
                    line.strip()
                    for line in form.get("linked_undertakings", "").splitlines()
                    if line.strip()
                ],
                "vat_deduction": form.get("vat_deduction") or None,
                "vat_deductible_share": share.replace(",", ".") if share else None,
            }
        }
    else:
        raise ValueError(f"no form step {step!r}")
    return Parsed(body, rows)


def field_id(location: Sequence[Any], parsed: Parsed) -> str:
    """The form field an error's location names: ``("cost_lines", 0, "amount")`` →
    ``cost-3-amount`` when the first filled row is the form's third."""
    parts = [p for p in location if p not in ("declarations", "concept", "financing")]
    if not parts:
        return "form"
    head = parts[0]
    for prefix, (name, _) in ROWS.items():
        if head == name:
            numbers = parsed.rows.get(prefix, [])
            if len(parts) >= 2 and isinstance(parts[1], int) and parts[1] < len(numbers):
                part = parts[2] if len(parts) > 2 else next(iter(ROWS[prefix][1]))
                return f"{prefix}-{numbers[parts[1]]}-{part}"
            return "form"
    return str(head) if str(head) in LABELS else "form"


def validate(parsed: Parsed) -> tuple[DraftPatch | None, FormErrors]:
    errors = FormErrors()
    try:
        return DraftPatch.model_validate(parsed.body), errors
    except ValidationError as error:
        for item in error.errors(include_url=False):
            errors.add(
                field_id(tuple(item["loc"]), parsed),
                german(item["type"], item["msg"], item.get("ctx")),
            )
        return None, errors


def changed_fields(step: str, mine: Mapping[str, str], stored: Mapping[str, str]) -> list[str]:
    """The step's fields where the user's input and the newer stored version differ: what a
    conflict message names."""
    keys = sorted(set(mine) | set(stored))
    return [
        key
        for key in keys
        if _belongs(step, key) and mine.get(key, "").strip() != stored.get(key, "").strip()
    ]


def _belongs(step: str, key: str) -> bool:
    prefix = key.split("-", 1)[0]
    by_step = {
        "grunddaten": {
            "title",
            "summary",
            "municipality_key",
            "planned_start",
            "planned_end",
            "objectives",
        },
        "konzept": set(CONCEPT_FIELDS),
        "kosten": {"cost", "cost_amounts", "requested_grant", "own_funds", "third_party_funds"},
        "partner": {"partner"},
        "erklaerungen": {
            "aid",
            "economic_activity",
            "part_of_single_undertaking",
            "linked_undertakings",
            "vat_deduction",
            "vat_deductible_share",
            *DECLARATION_BOXES.values(),
        },
    }
    return key in by_step.get(step, set()) or prefix in by_step.get(step, set())
