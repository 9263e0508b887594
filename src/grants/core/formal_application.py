"""The formal application (*Antrag*, stage two of FRL LIfD) and its completeness checks. Pure.

After the jury, an invited applicant turns the sketch into a formal application at the SAB:
the financing plan split by budget year (Haushaltsjahr = calendar year, § 4 SäHO; the
Bescheid carries annual amounts, DOMAIN.md § 3.12), the staff posts behind the personnel
costs (Besserstellungsverbot, ANBest-P Nr. 1.3), the project partners, the legal
representatives, the bank account and the organisation's register, tax and VAT facts, and
the undertakings linked to it for de minimis (Art. 2(2) Reg. (EU) 2023/2831).

The cost plan speaks the sketch's language: ``CostLine`` (category, description, amount) in
the guideline's cost categories, with requested grant, own funds and third-party funds.
Unlike the sketch, a fiscal year's plan holds only **eligible** costs (zuwendungsfähige
Ausgaben, net of recoverable input VAT): they are what the share financing applies to, and
the per-category totals over the years must equal the sketch's eligible costs carried over
(``sketch_totals``; ``sketch_totals_from`` derives them from the sketch's computation).

``check_formal_application`` returns every problem at once, each with a dotted field path,
a rule code and a German message with its English in parentheses; an empty tuple means
complete. It advises: a person decides at the formal check (§ 24 Abs. 3, § 25 VwVfG), so
nothing here refuses to accept an application. ``from_dict`` refuses only input that is not
an application at all (wrong types, floats for money, unknown members).

Two paths name derived rows rather than input fields: ``cost_plan.<category>`` (a
category's sum over the years) and ``totals.requested_grant`` (the grant over all years).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from schwifty import BIC, IBAN
from schwifty import exceptions as iban_errors

from grants.core.errors import FieldProblem, InvalidInput
from grants.core.funding import CostLine, FundingComputation, VatDeduction, category_rate
from grants.core.guideline import Guideline, Text
from grants.core.money import (
    CENT,
    ZERO,
    MoneyError,
    floor_to_euro,
    format_eur,
    format_eur_en,
    parse_amount,
)

FORMAL_APPLICATION_SCHEMA = 1  # of ``canonical_dict``: a change of its shape needs a new number

ONE = Decimal(1)
MONTHS_PER_YEAR = 12

# ---- value types -----------------------------------------------------------------------------


class VatStatus(StrEnum):
    """Whether the applicant may deduct input VAT (Vorsteuerabzug, § 15 UStG). Recoverable
    input VAT is not zuwendungsfähig, so with deduction the plan's amounts are net."""

    INPUT_TAX_DEDUCTION = "input_tax_deduction"
    PARTIAL = "partial"  # e.g. mixed use: a share is deductible (``vat_deductible_share``)
    NONE = "none"

    @property
    def deduction(self) -> VatDeduction:
        """The same answer in the sketch's terms."""
        return _VAT_DEDUCTION[self]


_VAT_DEDUCTION = {
    VatStatus.INPUT_TAX_DEDUCTION: VatDeduction.FULL,
    VatStatus.PARTIAL: VatDeduction.PARTIAL,
    VatStatus.NONE: VatDeduction.NONE,
}
_VAT_STATUSES = frozenset(VatStatus)


@dataclass(frozen=True, slots=True)
class SketchReference:
    """The submitted sketch this application continues: its receipt number (e.g.
    ``LIfD-2024-1-S-0042``), the SHA-256 of its submission snapshot (the exact content the
    jury judged) and its funding line, whose maximum grant caps the total."""

    reference_number: str
    snapshot_sha256: str
    funding_line: str


@dataclass(frozen=True, slots=True)
class FiscalYearPlan:
    """One budget year of the financing plan: the eligible costs planned in it, by cost item
    in the guideline's categories, and how they are financed."""

    fiscal_year: int
    cost_lines: tuple[CostLine, ...]
    requested_grant: Decimal
    own_funds: Decimal
    third_party_funds: Decimal = ZERO

    @property
    def total_costs(self) -> Decimal:
        return sum((line.amount for line in self.cost_lines), ZERO)

    @property
    def financing(self) -> Decimal:
        return self.requested_grant + self.own_funds + self.third_party_funds

    def costs_by_category(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.cost_lines:
            totals[line.category] = totals.get(line.category, ZERO) + line.amount
        return totals


_PAY_GROUP = re.compile(r"^(?:EG?)\s*(\d{1,2})\s*(A|B|Ü|UE|U)?$", re.IGNORECASE)
# The TV-L pay groups (Entgeltgruppen) a comparable post can be in. E 9 was split into 9a and
# 9b on 1 Jan 2019 (§ 29b TVÜ-Länder), so "E 9" alone names no group of today's table.
TVL_PAY_GROUPS: tuple[str, ...] = (
    *(f"E {n}" for n in range(1, 9)),
    "E 9a",
    "E 9b",
    *(f"E {n}" for n in range(10, 16)),
    "E 15 Ü",
)
_TVL_PAY_GROUP_SET = frozenset(TVL_PAY_GROUPS)


def normalise_pay_group(text: str) -> str | None:
    """The TV-L pay group in its one spelling (``"E11"``, ``"e 11"``, ``"EG 11"`` → ``"E 11"``;
    ``"E15Ü"``, ``"E 15 Ue"`` → ``"E 15 Ü"``; ``"E9b"`` → ``"E 9b"``), or None if the text
    names none of ``TVL_PAY_GROUPS``."""
    match = _PAY_GROUP.match(text.strip())
    if match is None:
        return None
    number, suffix = int(match.group(1)), (match.group(2) or "").upper()
    umlaut = suffix in {"Ü", "UE", "U"}
    candidate = f"E {number} Ü" if umlaut else f"E {number}{suffix.lower()}"
    return candidate if candidate in _TVL_PAY_GROUP_SET else None


@dataclass(frozen=True, slots=True)
class StaffPost:
    """A post paid from the personnel costs of one fiscal year.

    ``pay_group`` is the comparable TV-L group (what the Besserstellungsverbot compares with,
    whatever scale the employer applies), normalised on creation where it names one.
    ``monthly_employer_cost`` is what the employer pays per month for this post at its
    ``fte`` (gross pay plus employer's social security), so ``months`` × it is the post's
    cost in the plan; a pay cap is per full-time post and is scaled by ``fte``."""

    title: str
    pay_group: str
    fte: Decimal  # 0 < fte ≤ 1
    months: int  # 1 … 12 within its fiscal year
    monthly_employer_cost: Decimal
    fiscal_year: int

    def __post_init__(self) -> None:
        normal = normalise_pay_group(self.pay_group)
        if normal is not None and normal != self.pay_group:
            object.__setattr__(self, "pay_group", normal)

    @property
    def cost(self) -> Decimal:
        return self.monthly_employer_cost * self.months


@dataclass(frozen=True, slots=True)
class Partner:
    """A project partner: its role, the money it contributes (part of the third-party funds)
    and whether it also contributes in kind (rooms, staff time: not money in the plan)."""

    name: str
    role: str
    money_share: Decimal
    in_kind: bool = False


@dataclass(frozen=True, slots=True)
class LegalRepresentative:
    """A person who represents the applicant (signs the application and accepts the
    Bescheid): alone (``sole_power``) or only jointly with another."""

    name: str
    function: str  # e.g. "Geschäftsführerin", "Vorsitzender", "Bürgermeisterin"
    sole_power: bool


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


@dataclass(frozen=True, slots=True)
class BankAccount:
    """The account the grant is paid into. IBAN and BIC are kept compact and upper case
    (``"de89 3704 …"`` → ``"DE8937040044…"``); ``formatted_iban`` groups them for print."""

    holder: str
    iban: str
    bic: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "iban", _compact(self.iban))
        if self.bic is not None:
            object.__setattr__(self, "bic", _compact(self.bic) or None)

    @property
    def formatted_iban(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


@dataclass(frozen=True, slots=True)
class LinkedUndertaking:
    """An undertaking linked to the applicant, and whether the two form a *single
    undertaking* (Art. 2(2) Reg. (EU) 2023/2831): then its de minimis aid counts too."""

    name: str
    single_undertaking: bool


@dataclass(frozen=True, slots=True)
class OrganisationFacts:
    """The applicant's legal and tax facts. ``applicant_type`` is a code of the guideline's
    applicant types (``frl-lifd-2023.yaml``); it decides whether a register entry is due
    (``REGISTER_REQUIREMENTS``). ``register_exemption`` states why an applicant of such a type
    has none (e.g. a foundation under civil law); ``vat_deductible_share`` only with
    ``VatStatus.PARTIAL``."""

    applicant_type: str
    register_court: str
    register_number: str
    tax_number: str
    vat_status: VatStatus
    nace_code: str
    vat_deductible_share: Decimal | None = None
    linked_undertakings: tuple[LinkedUndertaking, ...] = ()
    register_exemption: str = ""


@dataclass(frozen=True, slots=True)
class FormalApplication:
    sketch: SketchReference
    organisation: OrganisationFacts
    legal_representatives: tuple[LegalRepresentative, ...]
    bank_account: BankAccount
    fiscal_years: tuple[FiscalYearPlan, ...]
    staff: tuple[StaffPost, ...] = ()
    partners: tuple[Partner, ...] = ()

    @property
    def requested_grant(self) -> Decimal:
        return sum((y.requested_grant for y in self.fiscal_years), ZERO)

    @property
    def third_party_funds(self) -> Decimal:
        return sum((y.third_party_funds for y in self.fiscal_years), ZERO)

    def costs_by_category(self) -> dict[str, Decimal]:
        """Eligible costs per category over all fiscal years."""
        totals: dict[str, Decimal] = {}
        for year in self.fiscal_years:
            for code, amount in year.costs_by_category().items():
                totals[code] = totals.get(code, ZERO) + amount
        return totals


# ---- helpers for callers ---------------------------------------------------------------------


def approval_years(start: date, end: date) -> tuple[int, int]:
    """The calendar years (budget years) an approval period (Bewilligungszeitraum) touches,
    first and last: the ``approval_period_years`` of ``check_formal_application``."""
    if end < start:
        raise ValueError("the approval period ends before it starts")
    return start.year, end.year


def sketch_totals_from(funding: FundingComputation) -> dict[str, Decimal]:
    """The sketch's eligible costs per category (ineligible categories at zero, recoverable
    input VAT taken out): what the formal plan's years must add up to."""
    totals: dict[str, Decimal] = {}
    for category in funding.categories:
        totals[category.category] = totals.get(category.category, ZERO) + category.eligible_costs
    return totals


# ---- the register requirement ----------------------------------------------------------------


class RegisterRequirement(NamedTuple):
    registers: Text  # which registers the type's legal forms are entered in
    exemption: Text | None  # the forms of the type without a register; None: none has


# Applicant types (codes of frl-lifd-2023.yaml) whose legal forms are entered in a court
# register. Municipalities, other public bodies and freelancers have none. A GmbH, UG, AG or
# eG exists as a legal person only by its entry (§ 11 GmbHG, § 41 AktG, § 13 GenG), so a
# company cannot be exempt; an e. V. gains legal capacity by entry (§ 21 BGB), but a
# foundation under civil law is recognised, not registered (§ 80 BGB), and a GbR has legal
# capacity without entry in the Gesellschaftsregister (§§ 705, 707 BGB).
REGISTER_REQUIREMENTS: Mapping[str, RegisterRequirement] = {
    "company": RegisterRequirement(
        Text(
            "Handelsregister (GmbH, UG, AG) oder Genossenschaftsregister (eG)",
            "commercial register (GmbH, UG, AG) or register of cooperatives (eG)",
        ),
        None,
    ),
    "nonprofit": RegisterRequirement(
        Text(
            "Vereinsregister (e. V.) oder Handelsregister (gGmbH)",
            "register of associations (e. V.) or commercial register (gGmbH)",
        ),
        Text("rechtsfähige Stiftung bürgerlichen Rechts", "foundation under civil law"),
    ),
    "partnership": RegisterRequirement(
        Text(
            "Handelsregister (OHG, KG), Partnerschaftsregister (PartG) oder "
            "Gesellschaftsregister (eGbR)",
            "commercial register (OHG, KG), register of partnerships (PartG) or register of "
            "civil-law partnerships (eGbR)",
        ),
        Text("nicht eingetragene rechtsfähige GbR", "civil-law partnership not registered"),
    ),
}

# HRA/HRB: Handelsregister, VR: Vereinsregister, GnR/GenR: Genossenschaftsregister,
# PR: Partnerschaftsregister, GsR: Gesellschaftsregister; Berlin adds a letter ("HRB 1234 B").
_REGISTER_NUMBER = re.compile(r"^(?:HRA|HRB|VR|GNR|GENR|PR|GSR)\s?\d{1,7}(?:\s?[A-Z]{1,3})?$")
# A Steuernummer's separators differ by Land (Saxony "2xx/xxx/xxxxx", others "xx/xxx/xxxxx"
# or "xxx/xxxx/xxxx") beside the 13-digit federal format; the check-digit methods differ by
# Land too. A stricter pattern would refuse valid numbers: digits, slashes and spaces only.
_TAX_NUMBER = re.compile(r"^[\d/ ]+$")
# NACE Rev. 2: optional section letter, then division "dd", group "dd.d" or class "dd.dd".
# Only the format: no complete code list is installed, and NACE Rev. 2.1 (from 2025) moved
# section letters and classes, so existence is for the person checking.
_NACE = re.compile(r"^(?:[A-U]\s?)?\d{2}(?:\.\d{1,2})?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# ---- the checks ------------------------------------------------------------------------------


def _problem(field: str, rule: str, de: str, en: str) -> FieldProblem:
    return FieldProblem(field, rule, f"{de} ({en}).")


def _blank(text: str) -> bool:
    return not text.strip()


def check_formal_application(
    app: FormalApplication,
    *,
    guideline: Guideline,
    sketch_totals: Mapping[str, Decimal],
    approval_period_years: tuple[int, int],
    pay_caps: Mapping[str, Decimal] | None = None,
    rural: bool = False,
    staff_category: str = "personnel",
) -> tuple[FieldProblem, ...]:
    """Every problem of ``app``; empty when it is complete and consistent.

    ``sketch_totals``: eligible costs per category the years must add up to (the sketch's,
    ``sketch_totals_from``, or a plan the SAB agreed instead). ``approval_period_years``:
    first and last calendar year of the approval period (``approval_years``). ``pay_caps``:
    a verified monthly employer-cost cap per full-time TV-L pay group; None checks no cap
    (``besserstellung_check`` says so). ``rural``: for a guideline with a rural rate bonus.
    ``staff_category``: the category the staff posts itemise."""
    first, last = approval_period_years
    if first > last:
        raise ValueError("approval_period_years: the first year is after the last")
    problems: list[FieldProblem] = []
    problems += _check_sketch(app.sketch, guideline)
    problems += _check_organisation(app.organisation, guideline)
    problems += _check_representatives(app.legal_representatives)
    problems += _check_bank_account(app.bank_account)
    problems += _check_years(app.fiscal_years, guideline, (first, last), rural=rural)
    problems += _check_totals(app, guideline, sketch_totals, rural=rural)
    problems += _check_staff(app, guideline, staff_category)
    if pay_caps is not None:
        problems += besserstellung_check(app.staff, pay_caps).problems
    problems += _check_partners(app)
    return tuple(problems)


def _check_sketch(sketch: SketchReference, guideline: Guideline) -> list[FieldProblem]:
    problems = []
    if _blank(sketch.reference_number):
        problems.append(
            _problem(
                "sketch.reference_number",
                "sketch.reference_missing",
                "Die Eingangsnummer der Projektskizze fehlt",
                "the sketch's receipt number is missing",
            )
        )
    if not _SHA256.match(sketch.snapshot_sha256):
        problems.append(
            _problem(
                "sketch.snapshot_sha256",
                "sketch.snapshot_hash_format",
                "Kein SHA-256-Wert (64 Hexadezimalzeichen) des Skizzen-Snapshots",
                "not a SHA-256 (64 hex characters) of the sketch's snapshot",
            )
        )
    if guideline.line(sketch.funding_line) is None:
        problems.append(
            _problem(
                "sketch.funding_line",
                "sketch.funding_line_unknown",
                f"Unbekannte Förderlinie „{sketch.funding_line}“",
                f"unknown funding line '{sketch.funding_line}'",
            )
        )
    return problems


def _check_organisation(org: OrganisationFacts, guideline: Guideline) -> list[FieldProblem]:
    problems = []
    if guideline.applicant_type(org.applicant_type) is None:
        problems.append(
            _problem(
                "organisation.applicant_type",
                "applicant_type.unknown",
                f"Unbekannte Antragstellerart „{org.applicant_type}“",
                f"unknown applicant type '{org.applicant_type}'",
            )
        )
    problems += _check_register(org)
    tax = org.tax_number.strip()
    if not tax:
        problems.append(
            _problem(
                "organisation.tax_number",
                "tax_number.missing",
                "Die Steuernummer fehlt",
                "the tax number is missing",
            )
        )
    elif not _TAX_NUMBER.match(tax) or not any(c.isdigit() for c in tax):
        problems.append(
            _problem(
                "organisation.tax_number",
                "tax_number.format",
                "Die Steuernummer darf nur Ziffern, Schrägstriche und Leerzeichen enthalten",
                "the tax number may contain only digits, slashes and spaces",
            )
        )
    problems += _check_vat(org)
    nace = org.nace_code.strip()
    if not nace:
        problems.append(
            _problem(
                "organisation.nace_code",
                "nace.missing",
                "Der Wirtschaftszweig (NACE-Code) fehlt",
                "the NACE code is missing",
            )
        )
    elif not _NACE.match(nace):
        problems.append(
            _problem(
                "organisation.nace_code",
                "nace.format",
                "Kein NACE-Rev.-2-Code: optional Abschnittsbuchstabe A–U, dann „62“, „62.0“ "
                "oder „62.01“",
                "not a NACE Rev. 2 code: optional section letter A–U, then '62', '62.0' or '62.01'",
            )
        )
    seen: set[str] = set()
    for index, linked in enumerate(org.linked_undertakings):
        name = linked.name.strip()
        path = f"organisation.linked_undertakings.{index}.name"
        if not name:
            problems.append(
                _problem(
                    path,
                    "linked_undertakings.name_missing",
                    "Der Name des verbundenen Unternehmens fehlt",
                    "the linked undertaking's name is missing",
                )
            )
        elif name.casefold() in seen:
            problems.append(
                _problem(
                    path,
                    "linked_undertakings.duplicate",
                    f"„{name}“ ist doppelt genannt",
                    f"'{name}' is named twice",
                )
            )
        seen.add(name.casefold())
    return problems


def _check_register(org: OrganisationFacts) -> list[FieldProblem]:
    requirement = REGISTER_REQUIREMENTS.get(org.applicant_type)
    court, number = org.register_court.strip(), org.register_number.strip()
    exemption = org.register_exemption.strip()
    problems = []
    if requirement is not None and exemption and requirement.exemption is None:
        problems.append(
            _problem(
                "organisation.register_exemption",
                "register.exemption_not_allowed",
                f"Diese Rechtsformen entstehen erst mit der Eintragung: {requirement.registers.de}",
                f"these legal forms only come into being by entry: {requirement.registers.en}",
            )
        )
    exempt = requirement is not None and requirement.exemption is not None and bool(exemption)
    required = requirement is not None and not exempt
    # A register named at all must be named completely, whatever the type.
    if (required or number) and not court:
        problems.append(_register_missing("register_court", requirement))
    if (required or court) and not number:
        problems.append(_register_missing("register_number", requirement))
    if number and not _REGISTER_NUMBER.match(number.upper()):
        problems.append(
            _problem(
                "organisation.register_number",
                "register.number_format",
                "Registernummer mit Registerart angeben, z. B. „HRB 12345“ oder „VR 4711“",
                "give the register number with its register, e.g. 'HRB 12345' or 'VR 4711'",
            )
        )
    return problems


def _register_missing(member: str, requirement: RegisterRequirement | None) -> FieldProblem:
    what = (
        Text("Das Registergericht fehlt", "the register court is missing")
        if member == "register_court"
        else Text("Die Registernummer fehlt", "the register number is missing")
    )
    if requirement is None:
        de, en = what.de, what.en
    else:
        de = f"{what.de}: einzutragen im {requirement.registers.de}"
        en = f"{what.en}: entered in the {requirement.registers.en}"
        if requirement.exemption is not None:
            de += f"; ohne Eintragung ({requirement.exemption.de}) bitte den Grund angeben"
            en += f"; without an entry ({requirement.exemption.en}) state the reason"
    rule = "register.court_missing" if member == "register_court" else "register.number_missing"
    return _problem(f"organisation.{member}", rule, de, en)


def _check_vat(org: OrganisationFacts) -> list[FieldProblem]:
    if org.vat_status not in _VAT_STATUSES:
        return [
            _problem(
                "organisation.vat_status",
                "vat.status_unknown",
                "Vorsteuerabzug: „input_tax_deduction“, „partial“ oder „none“",
                "input VAT deduction: 'input_tax_deduction', 'partial' or 'none'",
            )
        ]
    share = org.vat_deductible_share
    if org.vat_status is VatStatus.PARTIAL and (share is None or not ZERO < share < ONE):
        return [
            _problem(
                "organisation.vat_deductible_share",
                "vat.share_range",
                "Bei teilweisem Vorsteuerabzug den abziehbaren Anteil zwischen 0 und 1 "
                "(ausschließlich) angeben",
                "with partial deduction, give the deductible share between 0 and 1 (exclusive)",
            )
        ]
    if org.vat_status is not VatStatus.PARTIAL and share is not None:
        return [
            _problem(
                "organisation.vat_deductible_share",
                "vat.share_unexpected",
                "Ein abziehbarer Anteil gehört nur zum teilweisen Vorsteuerabzug",
                "a deductible share belongs to partial deduction only",
            )
        ]
    return []


def _check_representatives(reps: Sequence[LegalRepresentative]) -> list[FieldProblem]:
    if not reps:
        return [
            _problem(
                "legal_representatives",
                "legal_representatives.missing",
                "Mindestens eine vertretungsberechtigte Person angeben",
                "name at least one legal representative",
            )
        ]
    problems = []
    for index, rep in enumerate(reps):
        if _blank(rep.name):
            problems.append(
                _problem(
                    f"legal_representatives.{index}.name",
                    "legal_representatives.name_missing",
                    "Der Name fehlt",
                    "the name is missing",
                )
            )
        if _blank(rep.function):
            problems.append(
                _problem(
                    f"legal_representatives.{index}.function",
                    "legal_representatives.function_missing",
                    "Die Funktion fehlt (z. B. Geschäftsführerin, Vorsitzender)",
                    "the function is missing (e.g. managing director, chair)",
                )
            )
    if len(reps) == 1 and not reps[0].sole_power:
        problems.append(
            _problem(
                "legal_representatives",
                "legal_representatives.joint_needs_two",
                "Ohne Einzelvertretungsbefugnis sind mindestens zwei gemeinsam vertretende "
                "Personen anzugeben",
                "without sole power of representation, name at least two joint representatives",
            )
        )
    return problems


_IBAN_ERRORS: tuple[tuple[type[Exception], str, Text], ...] = (
    (
        iban_errors.InvalidChecksumDigits,
        "iban.checksum",
        Text("Die Prüfziffern der IBAN stimmen nicht", "the IBAN's check digits are wrong"),
    ),
    (
        iban_errors.InvalidCountryCode,
        "iban.country",
        Text("Unbekannter Ländercode der IBAN", "unknown IBAN country code"),
    ),
    (
        iban_errors.InvalidLength,
        "iban.length",
        Text("Die IBAN hat für ihr Land die falsche Länge", "wrong IBAN length for its country"),
    ),
)


def _check_bank_account(account: BankAccount) -> list[FieldProblem]:
    problems = []
    if _blank(account.holder):
        problems.append(
            _problem(
                "bank_account.holder",
                "bank_account.holder_missing",
                "Die Kontoinhaberin oder der Kontoinhaber fehlt",
                "the account holder is missing",
            )
        )
    iban = _parse_iban(account.iban, problems)
    if account.bic is not None:
        _check_bic(account.bic, iban, problems)
    return problems


def _parse_iban(text: str, problems: list[FieldProblem]) -> IBAN | None:
    """The IBAN if schwifty accepts its country, length, national format and ISO 13616 check
    digits. A German IBAN is expected for a Saxon recipient, but any IBAN of the SEPA zone is
    accepted: a payer may not require the payee's account to be in a particular Member State
    (Art. 9(1) Reg. (EU) No 260/2012). Outside SEPA the SAB's credit transfer does not
    reach. The national check digits inside the account number are not verified: a valid
    IBAN check already catches every typo, and a wrong method would refuse a real account."""
    if not text:
        problems.append(
            _problem("bank_account.iban", "iban.missing", "Die IBAN fehlt", "the IBAN is missing")
        )
        return None
    try:
        iban = IBAN(text)
    except iban_errors.SchwiftyException as error:
        rule, message = (
            "iban.format",
            Text(
                "Die IBAN entspricht nicht dem Format ihres Landes",
                "the IBAN does not match its country's format",
            ),
        )
        for kind, code, text_ in _IBAN_ERRORS:
            if isinstance(error, kind):
                rule, message = code, text_
                break
        problems.append(_problem("bank_account.iban", rule, message.de, message.en))
        return None
    if not iban.in_sepa_zone:
        problems.append(
            _problem(
                "bank_account.iban",
                "iban.not_sepa",
                "Das Konto liegt außerhalb des SEPA-Raums; bitte ein Konto im SEPA-Raum angeben",
                "the account is outside the SEPA zone; give an account within it",
            )
        )
    return iban


def _check_bic(text: str, iban: IBAN | None, problems: list[FieldProblem]) -> None:
    """Optional (SEPA transfers need only the IBAN); if given, valid, and where schwifty's
    bank registry knows the IBAN's bank code, one of its BICs at bank and location level (the
    first 8 characters: the registry lists a bank's main BICs, not every branch code)."""
    try:
        bic = BIC(text)
    except iban_errors.SchwiftyException:
        problems.append(
            _problem(
                "bank_account.bic",
                "bic.invalid",
                "Keine gültige BIC (8 oder 11 Zeichen, z. B. COBADEFFXXX)",
                "not a valid BIC (8 or 11 characters, e.g. COBADEFFXXX)",
            )
        )
        return
    if iban is None:
        return
    try:
        candidates = BIC.candidates_from_bank_code(iban.country_code, iban.bank_code)
    except iban_errors.SchwiftyException:
        candidates = []
    if not candidates:
        return  # the registry does not know the bank: nothing to compare with
    if all(str(c)[:8] != str(bic)[:8] for c in candidates):
        known = ", ".join(str(c) for c in candidates[:3])
        problems.append(
            _problem(
                "bank_account.bic",
                "bic.mismatch",
                f"Die BIC passt nicht zur Bank der IBAN (erwartet: {known})",
                f"the BIC does not match the IBAN's bank (expected: {known})",
            )
        )


def _check_years(
    years: Sequence[FiscalYearPlan],
    guideline: Guideline,
    period: tuple[int, int],
    *,
    rural: bool,
) -> list[FieldProblem]:
    if not years:
        return [
            _problem(
                "fiscal_years",
                "fiscal_years.missing",
                "Mindestens ein Haushaltsjahr planen",
                "plan at least one fiscal year",
            )
        ]
    problems: list[FieldProblem] = []
    first, last = period
    seen: set[int] = set()
    for index, year in enumerate(years):
        path = f"fiscal_years.{index}"
        if year.fiscal_year in seen:
            problems.append(
                _problem(
                    f"{path}.fiscal_year",
                    "fiscal_years.duplicate",
                    f"Das Haushaltsjahr {year.fiscal_year} ist doppelt geplant",
                    f"fiscal year {year.fiscal_year} is planned twice",
                )
            )
        elif index > 0 and year.fiscal_year != years[index - 1].fiscal_year + 1:
            problems.append(
                _problem(
                    f"{path}.fiscal_year",
                    "fiscal_years.not_consecutive",
                    f"Auf {years[index - 1].fiscal_year} muss {years[index - 1].fiscal_year + 1} "
                    f"folgen, nicht {year.fiscal_year} (aufsteigend, ohne Lücke)",
                    f"{years[index - 1].fiscal_year} must be followed by "
                    f"{years[index - 1].fiscal_year + 1}, not {year.fiscal_year} (ascending, "
                    "no gap)",
                )
            )
        seen.add(year.fiscal_year)
        if not first <= year.fiscal_year <= last:
            problems.append(
                _problem(
                    f"{path}.fiscal_year",
                    "fiscal_years.outside_period",
                    f"{year.fiscal_year} liegt außerhalb des Bewilligungszeitraums "
                    f"({first}–{last})",
                    f"{year.fiscal_year} is outside the approval period ({first}–{last})",
                )
            )
        problems += _check_year(path, year, guideline, rural=rural)
    return problems


def _negative(path: str, amount: Decimal) -> list[FieldProblem]:
    if amount >= 0:
        return []
    return [_problem(path, "amount.negative", "Nicht negativ", "must not be negative")]


def _check_year(
    path: str, year: FiscalYearPlan, guideline: Guideline, *, rural: bool
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    fundable = ZERO  # exact: the rates apply to this year's eligible costs
    for index, line in enumerate(year.cost_lines):
        line_path = f"{path}.cost_lines.{index}"
        problems += _negative(f"{line_path}.amount", line.amount)
        spec = guideline.cost_category(line.category)
        if spec is None:
            problems.append(
                _problem(
                    f"{line_path}.category",
                    "cost_line.category_unknown",
                    f"Unbekannte Kostenkategorie „{line.category}“",
                    f"unknown cost category '{line.category}'",
                )
            )
        elif not spec.eligible:
            problems.append(
                _problem(
                    f"{line_path}.category",
                    "cost_line.category_ineligible",
                    f"{spec.label.de}: nicht zuwendungsfähig, gehört nicht in den Plan der "
                    "zuwendungsfähigen Ausgaben",
                    f"{spec.label.en}: not eligible, does not belong in the plan of eligible costs",
                )
            )
        elif line.amount > 0:
            fundable += line.amount * category_rate(spec, guideline.rural_bonus, rural=rural)
    problems += _negative(f"{path}.requested_grant", year.requested_grant)
    problems += _negative(f"{path}.own_funds", year.own_funds)
    problems += _negative(f"{path}.third_party_funds", year.third_party_funds)
    costs, financing = year.total_costs, year.financing
    if financing != costs:
        problems.append(
            _problem(
                f"{path}.own_funds",
                "financing.unbalanced",
                f"{year.fiscal_year}: Zuschuss, Eigen- und Drittmittel {format_eur(financing)} ≠ "
                f"zuwendungsfähige Ausgaben {format_eur(costs)} (Differenz "
                f"{format_eur(costs - financing)})",
                f"{year.fiscal_year}: grant, own and third-party funds "
                f"{format_eur_en(financing)} ≠ eligible costs {format_eur_en(costs)} "
                f"(difference {format_eur_en(costs - financing)})",
            )
        )
    if year.requested_grant > fundable:
        problems.append(
            _problem(
                f"{path}.requested_grant",
                "grant.above_rate",
                f"{year.fiscal_year}: beantragt {format_eur(year.requested_grant)}, nach den "
                f"Fördersätzen höchstens {format_eur(fundable)}",
                f"{year.fiscal_year}: requested {format_eur_en(year.requested_grant)}, at most "
                f"{format_eur_en(fundable)} at the category rates",
            )
        )
    return problems


def _check_totals(
    app: FormalApplication,
    guideline: Guideline,
    sketch_totals: Mapping[str, Decimal],
    *,
    rural: bool,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not app.fiscal_years:
        return problems
    planned = app.costs_by_category()
    for code in sorted(set(planned) | set(sketch_totals)):
        years_total = planned.get(code, ZERO)
        plan_total = sketch_totals.get(code, ZERO)
        if years_total == plan_total:
            continue
        spec = guideline.cost_category(code)
        label = spec.label if spec is not None else Text(code, code)
        problems.append(
            _problem(
                f"cost_plan.{code}",
                "cost_plan.category_total",
                f"{label.de}: Summe der Haushaltsjahre {format_eur(years_total)} ≠ Kostenplan "
                f"{format_eur(plan_total)}",
                f"{label.en}: sum over the fiscal years {format_eur_en(years_total)} ≠ cost "
                f"plan {format_eur_en(plan_total)}",
            )
        )
    line = guideline.line(app.sketch.funding_line)
    if line is None:
        return problems  # reported at sketch.funding_line
    exact = ZERO
    for code, amount in planned.items():
        spec = guideline.cost_category(code)
        if spec is not None and spec.eligible and amount > 0:
            exact += amount * category_rate(spec, guideline.rural_bonus, rural=rural)
    # As for the sketch: capped at the line's maximum, rounded down once, on the total.
    fundable = floor_to_euro(min(exact, line.max_grant))
    if app.requested_grant > fundable:
        problems.append(
            _problem(
                "totals.requested_grant",
                "grant.above_fundable",
                f"Beantragt insgesamt {format_eur(app.requested_grant)}, zuwendungsfähig "
                f"höchstens {format_eur(fundable)} (Höchstbetrag {format_eur(line.max_grant)}, "
                "auf volle Euro abgerundet)",
                f"requested in total {format_eur_en(app.requested_grant)}, at most "
                f"{format_eur_en(fundable)} fundable (maximum {format_eur_en(line.max_grant)}, "
                "rounded down to full euros)",
            )
        )
    return problems


def _check_staff(
    app: FormalApplication, guideline: Guideline, staff_category: str
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    years = {y.fiscal_year for y in app.fiscal_years}
    for index, post in enumerate(app.staff):
        path = f"staff.{index}"
        if _blank(post.title):
            problems.append(
                _problem(
                    f"{path}.title",
                    "staff.title_missing",
                    "Die Stellenbezeichnung fehlt",
                    "the post's title is missing",
                )
            )
        if normalise_pay_group(post.pay_group) is None:
            hint = (
                Text(" (E 9 ist seit 2019 geteilt: E 9a oder E 9b)", " (E 9 is split: 9a or 9b)")
                if re.fullmatch(r"EG?\s*9", post.pay_group.strip(), re.IGNORECASE)
                else Text("", "")
            )
            problems.append(
                _problem(
                    f"{path}.pay_group",
                    "staff.pay_group_format",
                    f"Keine Entgeltgruppe des TV-L (E 1 … E 15, E 9a, E 9b, E 15 Ü){hint.de}",
                    f"not a TV-L pay group (E 1 … E 15, E 9a, E 9b, E 15 Ü){hint.en}",
                )
            )
        if not ZERO < post.fte <= ONE:
            problems.append(
                _problem(
                    f"{path}.fte",
                    "staff.fte_range",
                    "Stellenanteil größer als 0 und höchstens 1 (Vollzeit)",
                    "full-time equivalent above 0 and at most 1",
                )
            )
        if post.months < 1:
            problems.append(
                _problem(
                    f"{path}.months",
                    "staff.months_minimum",
                    "Mindestens ein Monat",
                    "at least one month",
                )
            )
        elif post.months > MONTHS_PER_YEAR:
            problems.append(
                _problem(
                    f"{path}.months",
                    "staff.months_exceed_year",
                    "Höchstens 12 Monate in einem Haushaltsjahr; jedes Jahr eine eigene Zeile",
                    "at most 12 months in one fiscal year; one row per year",
                )
            )
        if post.monthly_employer_cost <= 0:
            problems.append(
                _problem(
                    f"{path}.monthly_employer_cost",
                    "staff.monthly_cost_positive",
                    "Monatliche Arbeitgeberkosten größer als 0",
                    "monthly employer cost above 0",
                )
            )
        if post.fiscal_year not in years:
            problems.append(
                _problem(
                    f"{path}.fiscal_year",
                    "staff.fiscal_year_unknown",
                    f"{post.fiscal_year} ist kein geplantes Haushaltsjahr",
                    f"{post.fiscal_year} is not a planned fiscal year",
                )
            )
    spec = guideline.cost_category(staff_category)
    if spec is None:
        return problems
    # The posts itemise the personnel costs: per year their cost is that year's category.
    for index, year in enumerate(app.fiscal_years):
        personnel = year.costs_by_category().get(staff_category, ZERO)
        posts = sum((p.cost for p in app.staff if p.fiscal_year == year.fiscal_year), ZERO)
        if posts != personnel:
            problems.append(
                _problem(
                    f"fiscal_years.{index}.cost_lines",
                    "staff.personnel_cost_mismatch",
                    f"{year.fiscal_year}: Stellen {format_eur(posts)} ≠ {spec.label.de} "
                    f"{format_eur(personnel)} (Monate × monatliche Arbeitgeberkosten)",
                    f"{year.fiscal_year}: posts {format_eur_en(posts)} ≠ {spec.label.en} "
                    f"{format_eur_en(personnel)} (months × monthly employer cost)",
                )
            )
    return problems


def _check_partners(app: FormalApplication) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for index, partner in enumerate(app.partners):
        path = f"partners.{index}"
        if _blank(partner.name):
            problems.append(
                _problem(
                    f"{path}.name",
                    "partners.name_missing",
                    "Der Name des Partners fehlt",
                    "the partner's name is missing",
                )
            )
        if _blank(partner.role):
            problems.append(
                _problem(
                    f"{path}.role",
                    "partners.role_missing",
                    "Die Rolle des Partners im Vorhaben fehlt",
                    "the partner's role in the project is missing",
                )
            )
        if partner.money_share < 0:
            problems.append(
                _problem(
                    f"{path}.money_share",
                    "partners.money_share_negative",
                    "Der Geldbeitrag darf nicht negativ sein",
                    "the money share must not be negative",
                )
            )
    shares = sum((p.money_share for p in app.partners if p.money_share > 0), ZERO)
    third = app.third_party_funds
    if shares > third:
        problems.append(
            _problem(
                "partners",
                "partners.shares_exceed_third_party",
                f"Geldbeiträge der Partner {format_eur(shares)} > Drittmittel "
                f"{format_eur(third)} im Finanzierungsplan",
                f"partners' money {format_eur_en(shares)} > third-party funds "
                f"{format_eur_en(third)} in the financing plan",
            )
        )
    return problems


# ---- Besserstellungsverbot -------------------------------------------------------------------


class BesserstellungStatus(StrEnum):
    CHECKED = "checked"  # every post compared with a cap
    PARTIAL = "partial"  # some posts could not be compared (pay group not in the table)
    NOT_CHECKED = "not_checked"  # no verified pay table: nothing compared


@dataclass(frozen=True, slots=True)
class BesserstellungResult:
    """What the Besserstellungsverbot check did. ``NOT_CHECKED`` and ``PARTIAL`` must be shown
    as such: an absent problem is no proof that staff are not paid better than Land staff."""

    status: BesserstellungStatus
    problems: tuple[FieldProblem, ...]
    unchecked: tuple[int, ...]  # indexes into the staff posts not compared
    note: Text

    @property
    def checked(self) -> bool:
        return self.status is BesserstellungStatus.CHECKED


_NOT_CHECKED = Text(
    "Besserstellungsverbot (ANBest-P Nr. 1.3) nicht geprüft: keine verifizierte "
    "Entgelttabelle (TV-L) hinterlegt. Bitte von Hand prüfen.",
    "Besserstellungsverbot (ANBest-P No. 1.3) not checked: no verified pay table (TV-L). "
    "Check by hand.",
)


def besserstellung_check(
    staff: Sequence[StaffPost], pay_caps: Mapping[str, Decimal] | None
) -> BesserstellungResult:
    """ANBest-P Nr. 1.3: staff may not be paid more than comparable employees of the Land
    (TV-L). ``pay_caps``: a verified monthly employer-cost cap per full-time pay group
    (normalised spelling, ``TVL_PAY_GROUPS``). No TV-L table is shipped as verified data, so
    without one nothing is compared and the result says "not checked" instead of passing.
    A post is compared as ``monthly_employer_cost ≤ cap × fte``."""
    if pay_caps is None:
        return BesserstellungResult(
            BesserstellungStatus.NOT_CHECKED, (), tuple(range(len(staff))), _NOT_CHECKED
        )
    caps = {normalise_pay_group(k) or k: v for k, v in pay_caps.items()}
    problems: list[FieldProblem] = []
    unchecked: list[int] = []
    for index, post in enumerate(staff):
        group = normalise_pay_group(post.pay_group)
        cap = caps.get(group) if group is not None else None
        if cap is None or not ZERO < post.fte <= ONE:
            unchecked.append(index)
            continue
        limit = cap * post.fte
        if post.monthly_employer_cost > limit:
            problems.append(
                _problem(
                    f"staff.{index}.monthly_employer_cost",
                    "staff.besserstellung",
                    f"{format_eur(post.monthly_employer_cost)} im Monat übersteigt "
                    f"{format_eur(limit)} für vergleichbare Landesbeschäftigte ({group}, "
                    f"Stellenanteil {post.fte}; ANBest-P Nr. 1.3)",
                    f"{format_eur_en(post.monthly_employer_cost)} a month exceeds "
                    f"{format_eur_en(limit)} for comparable Land employees ({group}, FTE "
                    f"{post.fte}; ANBest-P No. 1.3)",
                )
            )
    if not unchecked:
        status = BesserstellungStatus.CHECKED
        note = Text(
            "Besserstellungsverbot für alle Stellen geprüft.",
            "Besserstellungsverbot checked for every post.",
        )
    else:
        status = BesserstellungStatus.PARTIAL
        which = ", ".join(str(i) for i in unchecked)
        note = Text(
            f"Besserstellungsverbot nicht geprüft für Stellen {which}: Entgeltgruppe nicht in "
            "der Tabelle oder Angaben unvollständig. Bitte von Hand prüfen.",
            f"Besserstellungsverbot not checked for posts {which}: pay group not in the table "
            "or data incomplete. Check by hand.",
        )
    return BesserstellungResult(status, tuple(problems), tuple(unchecked), note)


# ---- canonical form and parsing --------------------------------------------------------------

JSONObject = dict[str, Any]


def _money(amount: Decimal) -> str:
    """Two places where the amount is whole cents; otherwise as it is (never rounded here:
    ``from_dict`` then refuses it, as it would refuse the input)."""
    cents = amount.quantize(CENT) if amount.is_finite() else amount
    return str(cents) if cents == amount else str(amount)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value.is_finite() else str(value)


def canonical_dict(app: FormalApplication) -> JSONObject:
    """The application as JSON-ready data for the snapshot: amounts as decimal strings with
    two places, shares as plain decimal strings, keys sorted (``canonical_json`` sorts too,
    this keeps the dict itself stable), lists in the applicant's order."""
    org = app.organisation
    data: JSONObject = {
        "schema": FORMAL_APPLICATION_SCHEMA,
        "sketch": {
            "funding_line": app.sketch.funding_line,
            "reference_number": app.sketch.reference_number,
            "snapshot_sha256": app.sketch.snapshot_sha256,
        },
        "organisation": {
            "applicant_type": org.applicant_type,
            "linked_undertakings": [
                {"name": u.name, "single_undertaking": u.single_undertaking}
                for u in org.linked_undertakings
            ],
            "nace_code": org.nace_code,
            "register_court": org.register_court,
            "register_exemption": org.register_exemption,
            "register_number": org.register_number,
            "tax_number": org.tax_number,
            "vat_deductible_share": (
                None if org.vat_deductible_share is None else _number(org.vat_deductible_share)
            ),
            "vat_status": str(org.vat_status),
        },
        "legal_representatives": [
            {"function": r.function, "name": r.name, "sole_power": r.sole_power}
            for r in app.legal_representatives
        ],
        "bank_account": {
            "bic": app.bank_account.bic,
            "holder": app.bank_account.holder,
            "iban": app.bank_account.iban,
        },
        "fiscal_years": [
            {
                "cost_lines": [
                    {
                        "amount": _money(c.amount),
                        "category": c.category,
                        "description": c.description,
                    }
                    for c in y.cost_lines
                ],
                "fiscal_year": y.fiscal_year,
                "own_funds": _money(y.own_funds),
                "requested_grant": _money(y.requested_grant),
                "third_party_funds": _money(y.third_party_funds),
            }
            for y in app.fiscal_years
        ],
        "staff": [
            {
                "fiscal_year": p.fiscal_year,
                "fte": _number(p.fte),
                "monthly_employer_cost": _money(p.monthly_employer_cost),
                "months": p.months,
                "pay_group": p.pay_group,
                "title": p.title,
            }
            for p in app.staff
        ],
        "partners": [
            {
                "in_kind": p.in_kind,
                "money_share": _money(p.money_share),
                "name": p.name,
                "role": p.role,
            }
            for p in app.partners
        ],
    }
    return _sorted_keys(data)


def _sorted_keys(data: JSONObject) -> JSONObject:
    return {key: _sorted(data[key]) for key in sorted(data)}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return _sorted_keys(value)
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


_T = TypeVar("_T")
_MISSING: Any = object()


_SCALARS: Mapping[type, tuple[str, str, str]] = {
    str: ("type.string", "Text erwartet", "string expected"),
    int: ("type.integer", "Ganze Zahl erwartet", "integer expected"),
    bool: ("type.boolean", "true oder false erwartet", "true or false expected"),
}


class _Reader:
    """Reads a JSON-like value, collecting a problem per malformed member instead of stopping
    at the first: the caller gets them all. A malformed value reads as a placeholder, never
    used since ``from_dict`` raises when there are problems."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, path: str, rule: str, de: str, en: str) -> None:
        self.problems.append(_problem(path, rule, de, en))

    def obj(
        self, value: object, path: str, required: Iterable[str], optional: Iterable[str] = ()
    ) -> Mapping[str, Any]:
        if value is _MISSING:
            return {}  # reported where it is missing
        if not isinstance(value, Mapping):
            self.fail(path, "type.object", "Objekt erwartet", "object expected")
            return {}
        required, allowed = tuple(required), {*required, *optional}
        prefix = f"{path}." if path else ""
        for key in required:
            if key not in value:
                self.fail(f"{prefix}{key}", "required", "Pflichtangabe fehlt", "required")
        for key in value:
            if key not in allowed:
                self.fail(f"{prefix}{key}", "unknown_field", "Unbekanntes Feld", "unknown field")
        return value

    def scalar(
        self, data: Mapping[str, Any], key: str, path: str, kind: type[_T], default: _T
    ) -> _T:
        """A string, integer or boolean member (JSON has no other scalar we take as is)."""
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return default  # a missing required member is reported by ``obj``
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return value
        rule, de, en = _SCALARS[kind]
        self.fail(path, rule, de, en)
        return default

    def text(self, data: Mapping[str, Any], key: str, path: str) -> str:
        return self.scalar(data, key, path, str, "")

    def optional_text(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        if data.get(key) is None:
            return None
        return self.scalar(data, key, path, str, "")

    def integer(self, data: Mapping[str, Any], key: str, path: str) -> int:
        return self.scalar(data, key, path, int, 0)

    def boolean(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        return self.scalar(data, key, path, bool, False)

    def amount(self, data: Mapping[str, Any], key: str, path: str) -> Decimal:
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return ZERO
        if isinstance(value, Decimal):
            value = str(value)
        try:
            return parse_amount(value)
        except MoneyError as error:
            self.fail(
                path,
                "amount.format",
                "Betrag als Dezimalzeichenkette mit höchstens zwei Nachkommastellen, z. B. "
                "„1234.50“",
                f"amount as a decimal string with at most two places, e.g. '1234.50': {error}",
            )
            return ZERO

    def decimal(
        self, data: Mapping[str, Any], key: str, path: str, *, optional: bool = False
    ) -> Decimal | None:
        """A share or fraction as a decimal string or integer; a float is refused, as for
        money (0.1 is not one tenth). ``null`` only where ``optional``."""
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and optional):
            return None
        if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite():
                return number
        self.fail(
            path,
            "decimal.format",
            "Dezimalzahl als Zeichenkette erwartet, z. B. „0.5“ (keine Gleitkommazahl)",
            "decimal number as a string expected, e.g. '0.5' (no float)",
        )
        return None

    def items(self, data: Mapping[str, Any], key: str, path: str) -> list[tuple[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(path, "type.array", "Liste erwartet", "array expected")
            return []
        return [(f"{path}.{i}", item) for i, item in enumerate(value)]


def from_dict(data: Mapping[str, Any]) -> FormalApplication:
    """A formal application from JSON-like data (an API body or ``canonical_dict``). Raises
    ``InvalidInput`` with every malformed member: wrong types, unknown or missing members,
    floats or more than two decimal places for amounts, an unknown VAT status. Whether the
    content is complete and consistent is ``check_formal_application``'s question."""
    r = _Reader()
    top = r.obj(
        data,
        "",
        ("sketch", "organisation", "legal_representatives", "bank_account", "fiscal_years"),
        ("schema", "staff", "partners"),
    )
    schema = top.get("schema", FORMAL_APPLICATION_SCHEMA)
    if schema != FORMAL_APPLICATION_SCHEMA or isinstance(schema, bool):
        r.fail(
            "schema",
            "schema.unsupported",
            f"Unbekannte Schemaversion, erwartet {FORMAL_APPLICATION_SCHEMA}",
            f"unknown schema version, expected {FORMAL_APPLICATION_SCHEMA}",
        )
    sketch = _read_sketch(r, top.get("sketch", _MISSING))
    organisation = _read_organisation(r, top.get("organisation", _MISSING))
    representatives = tuple(
        LegalRepresentative(
            name=r.text(rep, "name", f"{path}.name"),
            function=r.text(rep, "function", f"{path}.function"),
            sole_power=r.boolean(rep, "sole_power", f"{path}.sole_power"),
        )
        for path, item in r.items(top, "legal_representatives", "legal_representatives")
        for rep in [r.obj(item, path, ("name", "function", "sole_power"))]
    )
    bank = r.obj(top.get("bank_account", _MISSING), "bank_account", ("holder", "iban"), ("bic",))
    account = BankAccount(
        holder=r.text(bank, "holder", "bank_account.holder"),
        iban=r.text(bank, "iban", "bank_account.iban"),
        bic=r.optional_text(bank, "bic", "bank_account.bic"),
    )
    years = tuple(
        _read_year(r, path, item) for path, item in r.items(top, "fiscal_years", "fiscal_years")
    )
    staff = tuple(_read_post(r, path, item) for path, item in r.items(top, "staff", "staff"))
    partners = tuple(
        Partner(
            name=r.text(p, "name", f"{path}.name"),
            role=r.text(p, "role", f"{path}.role"),
            money_share=r.amount(p, "money_share", f"{path}.money_share"),
            in_kind=r.boolean(p, "in_kind", f"{path}.in_kind"),
        )
        for path, item in r.items(top, "partners", "partners")
        for p in [r.obj(item, path, ("name", "role", "money_share"), ("in_kind",))]
    )
    if r.problems:
        raise InvalidInput(
            "Formaler Antrag fehlerhaft (malformed formal application).",
            problems=tuple(r.problems),
        )
    return FormalApplication(
        sketch=sketch,
        organisation=organisation,
        legal_representatives=representatives,
        bank_account=account,
        fiscal_years=years,
        staff=staff,
        partners=partners,
    )


def _read_sketch(r: _Reader, value: object) -> SketchReference:
    data = r.obj(value, "sketch", ("reference_number", "snapshot_sha256", "funding_line"))
    return SketchReference(
        reference_number=r.text(data, "reference_number", "sketch.reference_number"),
        snapshot_sha256=r.text(data, "snapshot_sha256", "sketch.snapshot_sha256"),
        funding_line=r.text(data, "funding_line", "sketch.funding_line"),
    )


def _read_organisation(r: _Reader, value: object) -> OrganisationFacts:
    p = "organisation"
    data = r.obj(
        value,
        p,
        (
            "applicant_type",
            "register_court",
            "register_number",
            "tax_number",
            "vat_status",
            "nace_code",
        ),
        ("vat_deductible_share", "linked_undertakings", "register_exemption"),
    )
    status_text = r.text(data, "vat_status", f"{p}.vat_status")
    status = VatStatus.NONE
    if status_text in _VAT_STATUSES:
        status = VatStatus(status_text)
    elif "vat_status" in data and isinstance(data["vat_status"], str):
        r.fail(
            f"{p}.vat_status",
            "vat.status_unknown",
            "Vorsteuerabzug: „input_tax_deduction“, „partial“ oder „none“",
            "input VAT deduction: 'input_tax_deduction', 'partial' or 'none'",
        )
    linked = tuple(
        LinkedUndertaking(
            name=r.text(u, "name", f"{path}.name"),
            single_undertaking=r.boolean(u, "single_undertaking", f"{path}.single_undertaking"),
        )
        for path, item in r.items(data, "linked_undertakings", f"{p}.linked_undertakings")
        for u in [r.obj(item, path, ("name", "single_undertaking"))]
    )
    return OrganisationFacts(
        applicant_type=r.text(data, "applicant_type", f"{p}.applicant_type"),
        register_court=r.text(data, "register_court", f"{p}.register_court"),
        register_number=r.text(data, "register_number", f"{p}.register_number"),
        tax_number=r.text(data, "tax_number", f"{p}.tax_number"),
        vat_status=status,
        nace_code=r.text(data, "nace_code", f"{p}.nace_code"),
        vat_deductible_share=r.decimal(
            data, "vat_deductible_share", f"{p}.vat_deductible_share", optional=True
        ),
        linked_undertakings=linked,
        register_exemption=r.text(data, "register_exemption", f"{p}.register_exemption"),
    )


def _read_year(r: _Reader, path: str, value: object) -> FiscalYearPlan:
    data = r.obj(
        value,
        path,
        ("fiscal_year", "cost_lines", "requested_grant", "own_funds"),
        ("third_party_funds",),
    )
    lines = tuple(
        CostLine(
            category=r.text(line, "category", f"{line_path}.category"),
            description=r.text(line, "description", f"{line_path}.description"),
            amount=r.amount(line, "amount", f"{line_path}.amount"),
        )
        for line_path, item in r.items(data, "cost_lines", f"{path}.cost_lines")
        for line in [r.obj(item, line_path, ("category", "amount"), ("description",))]
    )
    return FiscalYearPlan(
        fiscal_year=r.integer(data, "fiscal_year", f"{path}.fiscal_year"),
        cost_lines=lines,
        requested_grant=r.amount(data, "requested_grant", f"{path}.requested_grant"),
        own_funds=r.amount(data, "own_funds", f"{path}.own_funds"),
        third_party_funds=r.amount(data, "third_party_funds", f"{path}.third_party_funds"),
    )


def _read_post(r: _Reader, path: str, value: object) -> StaffPost:
    keys = ("title", "pay_group", "fte", "months", "monthly_employer_cost", "fiscal_year")
    data = r.obj(value, path, keys)
    return StaffPost(
        title=r.text(data, "title", f"{path}.title"),
        pay_group=r.text(data, "pay_group", f"{path}.pay_group"),
        fte=r.decimal(data, "fte", f"{path}.fte") or ZERO,
        months=r.integer(data, "months", f"{path}.months"),
        monthly_employer_cost=r.amount(
            data, "monthly_employer_cost", f"{path}.monthly_employer_cost"
        ),
        fiscal_year=r.integer(data, "fiscal_year", f"{path}.fiscal_year"),
    )
