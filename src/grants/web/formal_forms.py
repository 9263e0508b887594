"""The formal application (stage two) as one HTML form: the form's fields read into the
content the API's ``PUT …/formal-application`` takes (``core.formal_application`` reads and
judges it, so the page knows no rule of its own), the stored content written back into the
form, and the service's problems (paths such as ``fiscal_years.0.cost_lines.1.amount``) put
on the form's fields. Rows are numbered fields; a row left empty is dropped.

No I/O."""

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from grants.web.draft_forms import german_amount
from grants.web.forms import amount_text
from grants.web.templating import N_, translate

ORGANISATION = (
    "register_court",
    "register_number",
    "register_exemption",
    "tax_number",
    "vat_status",
    "vat_deductible_share",
    "nace_code",
)
# prefix → (content list, fields, a field that marks the row as filled when set)
REPRESENTATIVE = ("name", "function", "sole_power")
STAFF = ("title", "pay_group", "fte", "months", "monthly_employer_cost", "fiscal_year")
PARTNER = ("name", "role", "money_share", "in_kind")
LINKED = ("name", "single_undertaking")
YEAR = ("fiscal_year", "requested_grant", "own_funds", "third_party_funds")
LINE = ("category", "description", "amount")
AMOUNTS = {"requested_grant", "own_funds", "third_party_funds", "amount", "money_share"}
AMOUNTS |= {"monthly_employer_cost"}
INTEGERS = {"fiscal_year", "months"}
DECIMALS = {"fte", "vat_deductible_share"}  # written with a comma on the form
FLAGS = {"sole_power", "in_kind", "single_undertaking"}
COST_LINES_PER_YEAR = 3  # empty rows offered beyond the filled ones

LABELS = {
    "register_court": N_("Registergericht"),
    "register_number": N_("Registernummer"),
    "register_exemption": N_("Falls nicht eingetragen: warum nicht"),
    "tax_number": N_("Steuernummer"),
    "vat_status": N_("Vorsteuerabzug"),
    "vat_deductible_share": N_("Anteil des Vorsteuerabzugs"),
    "nace_code": N_("Wirtschaftszweig (NACE)"),
    "bank_holder": N_("Kontoinhaber"),
    "bank_iban": N_("IBAN"),
    "bank_bic": N_("BIC"),
    "form": N_("Angaben"),
}
PART_LABELS = {
    "name": N_("Name"),
    "function": N_("Funktion"),
    "sole_power": N_("allein vertretungsberechtigt"),
    "title": N_("Stelle"),
    "pay_group": N_("Entgeltgruppe"),
    "fte": N_("Stellenanteil"),
    "months": N_("Monate"),
    "monthly_employer_cost": N_("Arbeitgeberkosten je Monat"),
    "fiscal_year": N_("Haushaltsjahr"),
    "role": N_("Rolle"),
    "money_share": N_("Geldanteil"),
    "in_kind": N_("Sachleistung"),
    "single_undertaking": N_("einziges Unternehmen"),
    "requested_grant": N_("Beantragte Zuwendung"),
    "own_funds": N_("Eigenmittel"),
    "third_party_funds": N_("Drittmittel"),
    "category": N_("Kostenart"),
    "description": N_("Beschreibung"),
    "amount": N_("Betrag"),
}
ROW_LABELS = {
    "rep": N_("Vertretung %(n)s"),
    "staff": N_("Personalstelle %(n)s"),
    "fpartner": N_("Partner %(n)s"),
    "linked": N_("Verbundenes Unternehmen %(n)s"),
    "year": N_("Haushaltsjahr %(n)s"),
}


def label_of(field_id: str) -> str:
    """The error summary's name of a field, in the page's language (called while it renders)."""
    parts = field_id.split("-")
    if parts[0] in ROW_LABELS and len(parts) >= 3:
        row = translate(ROW_LABELS[parts[0]]) % {"n": parts[1]}
        if parts[2] == "cost" and len(parts) >= 5:
            line = translate(N_("Kostenzeile %(n)s")) % {"n": parts[3]}
            return f"{row}, {line}: {translate(PART_LABELS.get(parts[4], parts[4]))}"
        return f"{row}: {translate(PART_LABELS.get(parts[2], parts[2]))}"
    return translate(LABELS[field_id]) if field_id in LABELS else field_id


# --- the stored content as form values ---------------------------------------------------


def _shown(name: str, value: object) -> str:
    if value is None:
        return ""
    if name in FLAGS:
        return "ja" if value is True else ""
    if name in AMOUNTS:
        try:
            return german_amount(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if name in DECIMALS:
        return str(value).replace(".", ",")
    return str(value)


def _list(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def values_of(content: Mapping[str, Any]) -> dict[str, str]:
    values = _organisation_values(content)
    for prefix, key, names in (
        ("rep", "legal_representatives", REPRESENTATIVE),
        ("staff", "staff", STAFF),
        ("fpartner", "partners", PARTNER),
    ):
        for number, item in enumerate(_list(content.get(key)), start=1):
            for name in names:
                values[f"{prefix}-{number}-{name}"] = _shown(name, item.get(name))
    for number, year in enumerate(_list(content.get("fiscal_years")), start=1):
        for name in YEAR:
            values[f"year-{number}-{name}"] = _shown(name, year.get(name))
        for line_number, line in enumerate(_list(year.get("cost_lines")), start=1):
            for name in LINE:
                values[f"year-{number}-cost-{line_number}-{name}"] = _shown(name, line.get(name))
    return values


def _organisation_values(content: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    organisation = content.get("organisation")
    if isinstance(organisation, Mapping):
        for name in ORGANISATION:
            values[name] = _shown(name, organisation.get(name))
        for number, item in enumerate(_list(organisation.get("linked_undertakings")), start=1):
            for name in LINKED:
                values[f"linked-{number}-{name}"] = _shown(name, item.get(name))
    bank = content.get("bank_account")
    if isinstance(bank, Mapping):
        for name in ("holder", "iban", "bic"):
            values[f"bank_{name}"] = _shown(name, bank.get(name))
    return values


def rows(prefix: str, values: Mapping[str, str], *, at_least: int = 1, extra: int = 1) -> range:
    """The row numbers to show: every filled one, then ``extra`` empty ones."""
    filled = [
        int(key.split("-")[1])
        for key, value in values.items()
        if key.startswith(f"{prefix}-") and key.split("-")[1].isdigit() and value.strip()
    ]
    return range(1, max([at_least - extra, *filled, 0]) + extra + 1)


def cost_rows(year: int, values: Mapping[str, str]) -> range:
    return rows(f"year-{year}-cost", values, at_least=COST_LINES_PER_YEAR, extra=1)


# --- the form as content -----------------------------------------------------------------


def _value(name: str, text: str) -> Any:
    text = text.strip()
    if name in FLAGS:
        return text == "ja"
    if name in AMOUNTS:
        return amount_text(text) if text else None
    if name in INTEGERS:
        return int(text) if text.isdigit() else (text or None)
    if name in DECIMALS:
        return text.replace(",", ".") or None
    return text


def _numbers(form: Mapping[str, str], prefix: str) -> list[int]:
    found = {
        int(key[len(prefix) + 1 :].split("-")[0])
        for key in form
        if key.startswith(f"{prefix}-") and key[len(prefix) + 1 :].split("-")[0].isdigit()
    }
    return sorted(found)


def _rows(
    form: Mapping[str, str], prefix: str, names: Sequence[str]
) -> tuple[list[dict[str, Any]], list[int]]:
    items, numbers = [], []
    for number in _numbers(form, prefix):
        texts = {name: form.get(f"{prefix}-{number}-{name}", "") for name in names}
        if not any(texts[name].strip() for name in names if name not in FLAGS):
            continue  # an empty row (a ticked box alone does not fill it)
        items.append({name: _value(name, text) for name, text in texts.items()})
        numbers.append(number)
    return items, numbers


class Parsed:
    """The content for the API and where each list item came from on the form."""

    def __init__(self, content: dict[str, Any], numbers: dict[str, list[int]]) -> None:
        self.content = content
        self.numbers = numbers


def parse(form: Mapping[str, str]) -> Parsed:
    numbers: dict[str, list[int]] = {}
    representatives, numbers["rep"] = _rows(form, "rep", REPRESENTATIVE)
    staff, numbers["staff"] = _rows(form, "staff", STAFF)
    partners, numbers["fpartner"] = _rows(form, "fpartner", PARTNER)
    linked, numbers["linked"] = _rows(form, "linked", LINKED)
    years = []
    numbers["year"] = []
    for number in _numbers(form, "year"):
        lines, line_numbers = _rows(form, f"year-{number}-cost", LINE)
        head = {name: form.get(f"year-{number}-{name}", "") for name in YEAR}
        if not lines and not any(text.strip() for text in head.values()):
            continue
        year = {name: _value(name, text) for name, text in head.items()}
        year["cost_lines"] = lines
        if year.get("third_party_funds") is None:
            year["third_party_funds"] = "0.00"
        years.append(year)
        numbers["year"].append(number)
        numbers[f"year-{number}-cost"] = line_numbers
    organisation: dict[str, Any] = {name: _value(name, form.get(name, "")) for name in ORGANISATION}
    for optional in ("vat_deductible_share", "register_exemption"):
        if not organisation.get(optional):
            organisation.pop(optional)
    organisation["linked_undertakings"] = linked
    bank: dict[str, Any] = {
        "holder": form.get("bank_holder", "").strip(),
        "iban": form.get("bank_iban", "").strip(),
    }
    if form.get("bank_bic", "").strip():
        bank["bic"] = form["bank_bic"].strip()
    content = {
        "organisation": organisation,
        "legal_representatives": representatives,
        "bank_account": bank,
        "fiscal_years": years,
        "staff": staff,
        "partners": partners,
    }
    return Parsed(content, numbers)


_LISTS = {
    "legal_representatives": "rep",
    "staff": "staff",
    "partners": "fpartner",
    "fiscal_years": "year",
}


def field_id(path: str, parsed: Parsed) -> str:
    """The form field a problem's path names, ``form`` when it names none."""
    parts = path.split(".")
    if parts[0] in {"organisation", "bank_account"} and len(parts) >= 2:
        return _head_field(parts, parsed)
    prefix = _LISTS.get(parts[0])
    if prefix is None or len(parts) < 3 or not parts[1].isdigit():
        return "form"
    index = int(parts[1])
    if prefix == "year" and parts[2] == "cost_lines" and len(parts) >= 5 and parts[3].isdigit():
        year_numbers = parsed.numbers.get("year", [])
        if index >= len(year_numbers):
            return "form"
        year = year_numbers[index]
        return _row_field(f"year-{year}-cost", int(parts[3]), parts[4], parsed)
    return _row_field(prefix, index, parts[2], parsed)


def _head_field(parts: list[str], parsed: Parsed) -> str:
    if parts[0] == "bank_account":
        return f"bank_{parts[1]}"
    if parts[1] == "linked_undertakings" and len(parts) >= 4 and parts[2].isdigit():
        return _row_field("linked", int(parts[2]), parts[3], parsed)
    return parts[1] if parts[1] in ORGANISATION else "form"


def _row_field(prefix: str, index: int, name: str, parsed: Parsed) -> str:
    numbers = parsed.numbers.get(prefix, [])
    return f"{prefix}-{numbers[index]}-{name}" if index < len(numbers) else "form"
