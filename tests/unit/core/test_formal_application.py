"""The formal application (stage two): one complete example passes, and each rule is broken
on its own, so a failing rule names its code and the field the applicant has to fix. The
canonical form is what a snapshot freezes: it must read back to the same application."""

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.core.canonical import canonical_json
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.formal_application import (
    TVL_PAY_GROUPS,
    BankAccount,
    BesserstellungStatus,
    FiscalYearPlan,
    FormalApplication,
    LegalRepresentative,
    LinkedUndertaking,
    OrganisationFacts,
    Partner,
    SketchReference,
    StaffPost,
    VatStatus,
    approval_years,
    besserstellung_check,
    canonical_dict,
    check_formal_application,
    from_dict,
    normalise_pay_group,
    sketch_totals_from,
)
from grants.core.funding import CostLine, VatDeduction, compute_funding
from grants.core.guideline import Guideline
from tests.unit.core.guideline_fixtures import lifd

D = Decimal
PERIOD = (2025, 2026)
# What the sketch carried over: eligible costs per category.
SKETCH_TOTALS: Mapping[str, Decimal] = {
    "equipment": D("60000.00"),
    "personnel": D("90000.00"),
    "material": D("30000.00"),
}
GERMAN_IBAN = "DE89 3704 0044 0532 0130 00"  # the Bundesbank's sample account (Commerzbank)


def application() -> FormalApplication:
    """Complete and consistent. 2025: 60,000 × 80 % + 30,000 × 60 % + 10,000 × 60 % = 72,000
    fundable, 70,000 requested; 2026: 60,000 × 60 % + 20,000 × 60 % = 48,000, all of it. The
    one post (E 11, 0.75 FTE, 5,000 a month) is the personnel cost of both years."""
    return FormalApplication(
        sketch=SketchReference(
            reference_number="LIfD-2024-1-S-0042",
            snapshot_sha256="ab" * 32,
            funding_line="stationary",
        ),
        organisation=OrganisationFacts(
            applicant_type="nonprofit",
            register_court="Amtsgericht Chemnitz",
            register_number="VR 4711",
            tax_number="222/140/12345",
            vat_status=VatStatus.NONE,
            nace_code="R 90.04",
        ),
        legal_representatives=(LegalRepresentative("Anna Beispiel", "Vorsitzende", True),),
        bank_account=BankAccount("KulturWerk Schneeberg e. V.", GERMAN_IBAN, "COBADEFFXXX"),
        fiscal_years=(
            FiscalYearPlan(
                fiscal_year=2025,
                cost_lines=(
                    CostLine("equipment", "3D-Drucker, VR-Brillen", D("60000.00")),
                    CostLine("personnel", "Community-Management", D("30000.00")),
                    CostLine("material", "Workshops", D("10000.00")),
                ),
                requested_grant=D("70000.00"),
                own_funds=D("25000.00"),
                third_party_funds=D("5000.00"),
            ),
            FiscalYearPlan(
                fiscal_year=2026,
                cost_lines=(
                    CostLine("personnel", "Community-Management", D("60000.00")),
                    CostLine("material", "Workshops", D("20000.00")),
                ),
                requested_grant=D("48000.00"),
                own_funds=D("27000.00"),
                third_party_funds=D("5000.00"),
            ),
        ),
        staff=(
            StaffPost("Community-Managerin", "E 11", D("0.75"), 6, D("5000.00"), 2025),
            StaffPost("Community-Managerin", "E 11", D("0.75"), 12, D("5000.00"), 2026),
        ),
        partners=(
            Partner("Stadt Schneeberg", "Räume und Öffentlichkeitsarbeit", D("6000.00"), True),
            Partner("Westsächsische Hochschule Zwickau", "Workshops", D("4000.00")),
        ),
    )


def check(app: FormalApplication, **changes: Any) -> tuple[FieldProblem, ...]:
    options: dict[str, Any] = {
        "guideline": lifd(),
        "sketch_totals": SKETCH_TOTALS,
        "approval_period_years": PERIOD,
    }
    return check_formal_application(app, **{**options, **changes})


def pairs(problems: tuple[FieldProblem, ...]) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in problems}


def org(**changes: Any) -> Callable[[FormalApplication], FormalApplication]:
    return lambda app: replace(app, organisation=replace(app.organisation, **changes))


def year(index: int, **changes: Any) -> Callable[[FormalApplication], FormalApplication]:
    def change(app: FormalApplication) -> FormalApplication:
        years = list(app.fiscal_years)
        years[index] = replace(years[index], **changes)
        return replace(app, fiscal_years=tuple(years))

    return change


def post(index: int, **changes: Any) -> Callable[[FormalApplication], FormalApplication]:
    def change(app: FormalApplication) -> FormalApplication:
        staff = list(app.staff)
        staff[index] = replace(staff[index], **changes)
        return replace(app, staff=tuple(staff))

    return change


def partner(index: int, **changes: Any) -> Callable[[FormalApplication], FormalApplication]:
    def change(app: FormalApplication) -> FormalApplication:
        partners = list(app.partners)
        partners[index] = replace(partners[index], **changes)
        return replace(app, partners=tuple(partners))

    return change


def top(**changes: Any) -> Callable[[FormalApplication], FormalApplication]:
    return lambda app: replace(app, **changes)


def sketch(**changes: Any) -> Callable[[FormalApplication], FormalApplication]:
    return lambda app: replace(app, sketch=replace(app.sketch, **changes))


def bank(**changes: Any) -> Callable[[FormalApplication], FormalApplication]:
    return lambda app: replace(app, bank_account=replace(app.bank_account, **changes))


def both(
    *changes: Callable[[FormalApplication], FormalApplication],
) -> Callable[[FormalApplication], FormalApplication]:
    def change(app: FormalApplication) -> FormalApplication:
        for one in changes:
            app = one(app)
        return app

    return change


def test_the_complete_example_has_no_problem() -> None:
    assert check(application()) == ()
    assert application().requested_grant == D("118000.00")


# Each case breaks one rule, and only it: (what, the field, the rule).
ONE_RULE = [
    pytest.param(sketch(reference_number=" "), "sketch.reference_number",
                 "sketch.reference_missing", id="sketch-reference"),
    pytest.param(sketch(snapshot_sha256="abc"), "sketch.snapshot_sha256",
                 "sketch.snapshot_hash_format", id="sketch-hash"),
    pytest.param(sketch(funding_line="hybrid"), "sketch.funding_line",
                 "sketch.funding_line_unknown", id="funding-line"),
    pytest.param(org(applicant_type="club"), "organisation.applicant_type",
                 "applicant_type.unknown", id="applicant-type"),
    pytest.param(org(register_court=""), "organisation.register_court",
                 "register.court_missing", id="register-court"),
    pytest.param(org(register_number=" "), "organisation.register_number",
                 "register.number_missing", id="register-number"),
    pytest.param(org(register_number="4711"), "organisation.register_number",
                 "register.number_format", id="register-number-format"),
    pytest.param(org(applicant_type="company", register_exemption="keine Eintragung"),
                 "organisation.register_exemption", "register.exemption_not_allowed",
                 id="register-exemption-company"),
    pytest.param(org(tax_number=" "), "organisation.tax_number", "tax_number.missing",
                 id="tax-number"),
    pytest.param(org(tax_number="DE123456789"), "organisation.tax_number",
                 "tax_number.format", id="tax-number-format"),
    pytest.param(org(vat_status="full"), "organisation.vat_status", "vat.status_unknown",
                 id="vat-status"),
    pytest.param(org(vat_status=VatStatus.PARTIAL), "organisation.vat_deductible_share",
                 "vat.share_range", id="vat-partial-without-share"),
    pytest.param(org(vat_status=VatStatus.PARTIAL, vat_deductible_share=D(1)),
                 "organisation.vat_deductible_share", "vat.share_range", id="vat-share-1"),
    pytest.param(org(vat_status=VatStatus.PARTIAL, vat_deductible_share=D(0)),
                 "organisation.vat_deductible_share", "vat.share_range", id="vat-share-0"),
    pytest.param(org(vat_deductible_share=D("0.5")), "organisation.vat_deductible_share",
                 "vat.share_unexpected", id="vat-share-without-partial"),
    pytest.param(org(nace_code=""), "organisation.nace_code", "nace.missing", id="nace"),
    pytest.param(org(nace_code="6201"), "organisation.nace_code", "nace.format",
                 id="nace-no-dot"),
    pytest.param(org(nace_code="Z 62.01"), "organisation.nace_code", "nace.format",
                 id="nace-section-letter"),
    pytest.param(org(nace_code="62.011"), "organisation.nace_code", "nace.format",
                 id="nace-too-long"),
    pytest.param(org(linked_undertakings=(LinkedUndertaking(" ", True),)),
                 "organisation.linked_undertakings.0.name",
                 "linked_undertakings.name_missing", id="linked-name"),
    pytest.param(org(linked_undertakings=(LinkedUndertaking("Inno3 GmbH", True),
                                          LinkedUndertaking("inno3 gmbh", False))),
                 "organisation.linked_undertakings.1.name", "linked_undertakings.duplicate",
                 id="linked-duplicate"),
    pytest.param(top(legal_representatives=()), "legal_representatives",
                 "legal_representatives.missing", id="representatives"),
    pytest.param(top(legal_representatives=(LegalRepresentative("", "Vorsitzende", True),)),
                 "legal_representatives.0.name", "legal_representatives.name_missing",
                 id="representative-name"),
    pytest.param(top(legal_representatives=(LegalRepresentative("Anna", " ", True),)),
                 "legal_representatives.0.function", "legal_representatives.function_missing",
                 id="representative-function"),
    pytest.param(top(legal_representatives=(LegalRepresentative("Anna", "Vorstand", False),)),
                 "legal_representatives", "legal_representatives.joint_needs_two",
                 id="joint-representation"),
    pytest.param(bank(holder=""), "bank_account.holder", "bank_account.holder_missing",
                 id="holder"),
    pytest.param(bank(iban=""), "bank_account.iban", "iban.missing", id="iban-missing"),
    pytest.param(bank(iban="DE88 3704 0044 0532 0130 00"), "bank_account.iban",
                 "iban.checksum", id="iban-check-digits"),
    pytest.param(bank(iban="DE89 3704 0044 0532 0130 0"), "bank_account.iban",
                 "iban.length", id="iban-length"),
    pytest.param(bank(iban="XX89 3704 0044 0532 0130 00"), "bank_account.iban",
                 "iban.country", id="iban-country"),
    pytest.param(bank(iban="DE89 3704 0044 0532 0130 0X"), "bank_account.iban",
                 "iban.format", id="iban-format"),
    pytest.param(bank(iban="TR33 0006 1005 1978 6457 8413 26", bic=None),
                 "bank_account.iban", "iban.not_sepa", id="iban-outside-sepa"),
    pytest.param(bank(bic="COBA"), "bank_account.bic", "bic.invalid", id="bic-invalid"),
    pytest.param(bank(bic="DEUTDEFFXXX"), "bank_account.bic", "bic.mismatch",
                 id="bic-other-bank"),
    pytest.param(top(fiscal_years=(), staff=(), partners=()), "fiscal_years",
                 "fiscal_years.missing", id="no-fiscal-year"),
    pytest.param(year(0, own_funds=D("25000.01")), "fiscal_years.0.own_funds",
                 "financing.unbalanced", id="unbalanced-by-a-cent"),
    pytest.param(year(1, own_funds=D("26000.00")), "fiscal_years.1.own_funds",
                 "financing.unbalanced", id="unbalanced"),
    pytest.param(year(1, requested_grant=D("48000.01"), own_funds=D("26999.99")),
                 "fiscal_years.1.requested_grant", "grant.above_rate", id="above-rate"),
    pytest.param(both(year(0, third_party_funds=D("-5000.00"), own_funds=D("35000.00")),
                      top(partners=())),
                 "fiscal_years.0.third_party_funds", "amount.negative", id="negative"),
    pytest.param(year(0, cost_lines=(*application().fiscal_years[0].cost_lines,
                                     CostLine("travel", "Reisen", D("0.00")))),
                 "fiscal_years.0.cost_lines.3.category", "cost_line.category_unknown",
                 id="unknown-category"),
    pytest.param(year(0, cost_lines=(*application().fiscal_years[0].cost_lines,
                                     CostLine("construction", "Umbau", D("0.00")))),
                 "fiscal_years.0.cost_lines.3.category", "cost_line.category_ineligible",
                 id="ineligible-category"),
    pytest.param(post(0, title=""), "staff.0.title", "staff.title_missing", id="post-title"),
    pytest.param(post(0, pay_group="E 16"), "staff.0.pay_group", "staff.pay_group_format",
                 id="pay-group-e16"),
    pytest.param(post(0, pay_group="E 9"), "staff.0.pay_group", "staff.pay_group_format",
                 id="pay-group-e9-split"),
    pytest.param(post(0, pay_group="A 13"), "staff.0.pay_group", "staff.pay_group_format",
                 id="pay-group-civil-servant"),
    pytest.param(post(0, fte=D(0)), "staff.0.fte", "staff.fte_range", id="fte-0"),
    pytest.param(post(0, fte=D("1.01")), "staff.0.fte", "staff.fte_range", id="fte-above-1"),
    pytest.param(post(1, monthly_employer_cost=D("5100.00")), "fiscal_years.1.cost_lines",
                 "staff.personnel_cost_mismatch", id="posts-not-personnel-costs"),
    pytest.param(partner(0, name=" "), "partners.0.name", "partners.name_missing",
                 id="partner-name"),
    pytest.param(partner(1, role=""), "partners.1.role", "partners.role_missing",
                 id="partner-role"),
    pytest.param(partner(1, money_share=D("-1.00")), "partners.1.money_share",
                 "partners.money_share_negative", id="partner-negative"),
    pytest.param(partner(0, money_share=D("6000.01")), "partners",
                 "partners.shares_exceed_third_party", id="partners-above-third-party"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "rule"), ONE_RULE)
def test_each_rule_alone(
    change: Callable[[FormalApplication], FormalApplication], field: str, rule: str
) -> None:
    problems = check(change(application()))
    assert pairs(problems) == {(field, rule)}
    (problem,) = problems
    # German first, the English in parentheses.
    assert problem.message.endswith(").") and " (" in problem.message


# Rules whose break necessarily shows in a second place too (the post's cost is months ×
# monthly cost, so it no longer matches the year's personnel costs).
WITH_CONSEQUENCE = [
    pytest.param(post(0, months=0), "staff.0.months", "staff.months_minimum", id="months-0"),
    pytest.param(post(0, months=13), "staff.0.months", "staff.months_exceed_year",
                 id="months-13"),
    pytest.param(post(0, monthly_employer_cost=D("0.00")), "staff.0.monthly_employer_cost",
                 "staff.monthly_cost_positive", id="monthly-cost-0"),
    pytest.param(post(0, fiscal_year=2024), "staff.0.fiscal_year", "staff.fiscal_year_unknown",
                 id="post-outside-plan"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "rule"), WITH_CONSEQUENCE)
def test_staff_rules_and_their_personnel_cost_consequence(
    change: Callable[[FormalApplication], FormalApplication], field: str, rule: str
) -> None:
    problems = check(change(application()))
    assert pairs(problems) == {
        (field, rule),
        ("fiscal_years.0.cost_lines", "staff.personnel_cost_mismatch"),
    }


def test_years_outside_the_approval_period() -> None:
    problems = check(application(), approval_period_years=(2025, 2025))
    assert pairs(problems) == {("fiscal_years.1.fiscal_year", "fiscal_years.outside_period")}
    assert "2025–2025" in problems[0].message


def test_a_gap_between_years() -> None:
    app = both(year(1, fiscal_year=2027), post(1, fiscal_year=2027))(application())
    problems = check(app, approval_period_years=(2025, 2027))
    assert pairs(problems) == {("fiscal_years.1.fiscal_year", "fiscal_years.not_consecutive")}


def test_a_year_planned_twice() -> None:
    app = year(1, fiscal_year=2025)(application())
    assert ("fiscal_years.1.fiscal_year", "fiscal_years.duplicate") in pairs(check(app))
    # Not also reported as a gap: the duplicate is the problem.
    assert ("fiscal_years.1.fiscal_year", "fiscal_years.not_consecutive") not in pairs(check(app))


def test_years_in_descending_order_are_not_consecutive() -> None:
    app = application()
    app = replace(app, fiscal_years=app.fiscal_years[::-1])
    assert pairs(check(app)) == {("fiscal_years.1.fiscal_year", "fiscal_years.not_consecutive")}


def test_category_totals_must_equal_the_cost_plan_carried_over() -> None:
    totals = {**SKETCH_TOTALS, "equipment": D("59999.99"), "rent": D("1000.00")}
    problems = check(application(), sketch_totals=totals)
    assert pairs(problems) == {
        ("cost_plan.equipment", "cost_plan.category_total"),
        ("cost_plan.rent", "cost_plan.category_total"),
    }
    assert "Ausrüstung" in problems[0].message and "Equipment" in problems[0].message


def test_the_sketch_totals_can_be_taken_from_the_sketchs_computation() -> None:
    lines = [line for y in application().fiscal_years for line in y.cost_lines]
    funding = compute_funding(lines, lifd(), "stationary")
    assert sketch_totals_from(funding) == SKETCH_TOTALS
    assert check(application(), sketch_totals=sketch_totals_from(funding)) == ()


def test_the_total_grant_is_rounded_down_once_like_the_sketchs() -> None:
    """Each year within its rates, but 72,000.30 + 48,000.30 = 120,000.60 exact is fundable as
    120,000 only: the total is rounded down to full euros."""
    app = both(
        year(0, cost_lines=(CostLine("equipment", "Technik", D("60000.00")),
                            CostLine("personnel", "Personal", D("30000.00")),
                            CostLine("material", "Workshops", D("10000.50"))),
             requested_grant=D("72000.30"), own_funds=D("23000.20")),
        year(1, cost_lines=(CostLine("personnel", "Personal", D("60000.00")),
                            CostLine("material", "Workshops", D("20000.50"))),
             requested_grant=D("48000.30"), own_funds=D("27000.20")),
    )(application())  # fmt: skip
    totals = {**SKETCH_TOTALS, "material": D("30001.00")}
    assert pairs(check(app, sketch_totals=totals)) == {
        ("totals.requested_grant", "grant.above_fundable")
    }


def test_the_total_grant_is_capped_at_the_lines_maximum() -> None:
    guideline = lifd()
    lines = tuple(
        replace(line, max_grant=D("100000.00")) if line.code == "stationary" else line
        for line in guideline.lines
    )
    capped: Guideline = replace(guideline, lines=lines)
    problems = check(application(), guideline=capped)
    assert pairs(problems) == {("totals.requested_grant", "grant.above_fundable")}
    assert "100.000,00 EUR" in problems[0].message


def test_the_approval_period_must_run_forwards() -> None:
    with pytest.raises(ValueError, match="first year"):
        check(application(), approval_period_years=(2026, 2025))
    assert approval_years(date(2024, 9, 1), date(2027, 8, 31)) == (2024, 2027)
    with pytest.raises(ValueError, match="ends before"):
        approval_years(date(2025, 1, 1), date(2024, 12, 31))


# ---- registers -------------------------------------------------------------------------------


def test_bodies_without_a_register_need_none() -> None:
    for applicant_type in ("municipality", "public_body", "freelancer"):
        app = org(applicant_type=applicant_type, register_court="", register_number="")(
            application()
        )
        assert check(app) == (), applicant_type


def test_a_register_named_at_all_is_named_completely() -> None:
    app = org(applicant_type="municipality", register_court="")(application())
    assert pairs(check(app)) == {("organisation.register_court", "register.court_missing")}


def test_a_company_always_needs_its_register_entry() -> None:
    app = org(applicant_type="company", register_court="", register_number="")(application())
    problems = check(app)
    assert pairs(problems) == {
        ("organisation.register_court", "register.court_missing"),
        ("organisation.register_number", "register.number_missing"),
    }
    assert "Handelsregister" in problems[0].message


def test_a_foundation_or_an_unregistered_gbr_states_why_it_has_no_entry() -> None:
    for applicant_type in ("nonprofit", "partnership"):
        bare = org(applicant_type=applicant_type, register_court="", register_number="")
        problems = check(bare(application()))
        assert {p.rule for p in problems} == {"register.court_missing", "register.number_missing"}
        assert "Grund" in problems[0].message
        exempt = both(bare, org(register_exemption="rechtsfähige Stiftung bürgerlichen Rechts"))
        assert check(exempt(application())) == (), applicant_type


@pytest.mark.parametrize("number", ["HRB 12345", "HRB 12345 B", "VR 4711", "GnR 12", "PR 7"])
def test_register_numbers_with_their_register(number: str) -> None:
    assert check(org(register_number=number)(application())) == ()


@pytest.mark.parametrize("tax_number", ["222/140/12345", "3222014012345", "22 214 012 345"])
def test_tax_numbers_of_any_lands_format(tax_number: str) -> None:
    assert check(org(tax_number=tax_number)(application())) == ()


@pytest.mark.parametrize("nace", ["62", "62.0", "62.01", "J62.01", "J 62.01", "84.11"])
def test_nace_formats(nace: str) -> None:
    assert check(org(nace_code=nace)(application())) == ()


def test_partial_vat_deduction_with_its_share() -> None:
    app = org(vat_status=VatStatus.PARTIAL, vat_deductible_share=D("0.3"))(application())
    assert check(app) == ()
    assert VatStatus.PARTIAL.deduction is VatDeduction.PARTIAL
    assert VatStatus.INPUT_TAX_DEDUCTION.deduction is VatDeduction.FULL


# ---- bank account ----------------------------------------------------------------------------


def test_a_german_iban_with_spaces_is_accepted_and_kept_compact() -> None:
    account = BankAccount("KulturWerk", "de89 3704 0044 0532 0130 00", " cobadeffxxx ")
    assert account.iban == "DE89370400440532013000"
    assert account.bic == "COBADEFFXXX"
    assert account.formatted_iban == GERMAN_IBAN
    assert check(replace(application(), bank_account=account)) == ()


def test_a_wrong_check_digit_is_refused_at_the_iban() -> None:
    problems = check(bank(iban="DE88370400440532013000")(application()))
    assert pairs(problems) == {("bank_account.iban", "iban.checksum")}
    assert "Prüfziffern" in problems[0].message


@pytest.mark.parametrize("iban", ["FR14 2004 1010 0505 0001 3M02 606", "AT61 1904 3002 3457 3201"])
def test_a_foreign_sepa_iban_is_allowed(iban: str) -> None:
    assert check(bank(iban=iban, bic=None)(application())) == ()


@pytest.mark.parametrize("bic", [None, "COBADEFF", "COBADEFFXXX", "COBADEFF370"])
def test_the_bic_is_optional_and_matched_at_bank_and_location(bic: str | None) -> None:
    assert check(bank(bic=bic)(application())) == ()


def test_a_bic_of_a_bank_the_registry_does_not_know_is_not_compared() -> None:
    # Austrian bank code 19043: schwifty has no BIC for it, so any valid BIC passes.
    app = bank(iban="AT61 1904 3002 3457 3201", bic="DEUTDEFFXXX")(application())
    assert check(app) == ()


# ---- staff and the Besserstellungsverbot -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("E11", "E 11"),
        ("E 11", "E 11"),
        ("e 11", "E 11"),
        ("EG 11", "E 11"),
        (" E  1 ", "E 1"),
        ("E15Ü", "E 15 Ü"),
        ("E 15 Ü", "E 15 Ü"),
        ("E 15 Ue", "E 15 Ü"),
        ("E9b", "E 9b"),
        ("E 9 A", "E 9a"),
        ("E 9", None),  # split into 9a and 9b on 1 Jan 2019
        ("E 16", None),
        ("E 0", None),
        ("E 14 Ü", None),
        ("A 13", None),
        ("", None),
    ],
)
def test_pay_group_normalisation(text: str, normal: str | None) -> None:
    assert normalise_pay_group(text) == normal
    if normal is not None:
        assert normal in TVL_PAY_GROUPS
        post = StaffPost("Stelle", text, D(1), 1, D("1.00"), 2025)
        assert post.pay_group == normal


def test_besserstellung_is_not_checked_without_a_verified_pay_table() -> None:
    # 9,000 a month for 0.75 FTE in E 11 would be far above TV-L, but nobody can tell here.
    expensive = both(
        post(1, monthly_employer_cost=D("9000.00")),
        year(1, cost_lines=(CostLine("personnel", "Community-Management", D("108000.00")),
                            CostLine("material", "Workshops", D("20000.00"))),
             requested_grant=D("76800.00"), own_funds=D("46200.00")),
    )(application())  # fmt: skip
    totals = {**SKETCH_TOTALS, "personnel": D("138000.00")}
    assert check(expensive, sketch_totals=totals) == ()
    result = besserstellung_check(expensive.staff, None)
    assert result.status is BesserstellungStatus.NOT_CHECKED
    assert not result.checked
    assert result.problems == ()
    assert result.unchecked == (0, 1)
    assert "nicht geprüft" in result.note.de and "not checked" in result.note.en


def test_besserstellung_is_checked_against_a_given_pay_table() -> None:
    staff = application().staff
    # 5,000 a month at 0.75 FTE: within a cap of 7,000 (5,250), above one of 6,000 (4,500).
    within = besserstellung_check(staff, {"E11": D("7000.00")})
    assert within.status is BesserstellungStatus.CHECKED and within.checked
    assert within.problems == ()
    above = besserstellung_check(staff, {"E 11": D("6000.00")})
    assert pairs(above.problems) == {
        ("staff.0.monthly_employer_cost", "staff.besserstellung"),
        ("staff.1.monthly_employer_cost", "staff.besserstellung"),
    }
    problems = check(application(), pay_caps={"E 11": D("6000.00")})
    assert pairs(problems) == pairs(above.problems)
    assert "4.500,00 EUR" in problems[0].message


def test_besserstellung_partly_checked_names_the_posts_left_out() -> None:
    staff = (*application().staff, StaffPost("Technik", "E 9b", D(1), 12, D("100.00"), 2026))
    result = besserstellung_check(staff, {"E 11": D("7000.00")})
    assert result.status is BesserstellungStatus.PARTIAL and not result.checked
    assert result.unchecked == (2,)
    assert "2" in result.note.de


# ---- canonical form and parsing --------------------------------------------------------------


def test_canonical_dict_is_json_with_amounts_as_strings_and_sorted_keys() -> None:
    data = canonical_dict(application())
    assert list(data) == sorted(data)
    assert list(data["organisation"]) == sorted(data["organisation"])
    assert data["schema"] == 1
    assert data["fiscal_years"][0]["own_funds"] == "25000.00"
    assert data["staff"][0]["fte"] == "0.75"
    assert data["bank_account"]["iban"] == "DE89370400440532013000"
    json.dumps(data)  # nothing JSON cannot hold (no Decimal, no enum object)
    assert canonical_json(data) == canonical_json(canonical_dict(from_dict(data)))


def test_round_trip_of_the_example() -> None:
    app = application()
    assert from_dict(canonical_dict(app)) == app
    assert from_dict(json.loads(json.dumps(canonical_dict(app)))) == app


def body(**changes: Any) -> dict[str, Any]:
    return {**canonical_dict(application()), **changes}


def refused(data: Mapping[str, Any]) -> set[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        from_dict(data)
    return pairs(caught.value.problems)


def test_from_dict_refuses_floats_for_money() -> None:
    data = body()
    data["fiscal_years"][1]["own_funds"] = 27000.0
    data["partners"][0]["money_share"] = 6000.5
    assert refused(data) == {
        ("fiscal_years.1.own_funds", "amount.format"),
        ("partners.0.money_share", "amount.format"),
    }


def test_from_dict_refuses_fractions_of_a_cent_and_float_shares() -> None:
    data = body()
    data["fiscal_years"][0]["cost_lines"][0]["amount"] = "60000.005"
    data["staff"][0]["fte"] = 0.75
    data["organisation"]["vat_deductible_share"] = "ein Drittel"
    assert refused(data) == {
        ("fiscal_years.0.cost_lines.0.amount", "amount.format"),
        ("staff.0.fte", "decimal.format"),
        ("organisation.vat_deductible_share", "decimal.format"),
    }


def test_from_dict_takes_integers_and_decimal_strings_as_amounts() -> None:
    data = body()
    data["fiscal_years"][0]["own_funds"] = 25000
    data["staff"][0]["fte"] = "0.750"
    assert from_dict(data) == application()


def test_from_dict_names_every_malformed_member() -> None:
    data = body(schema=2, extra="x")
    del data["bank_account"]
    data["sketch"]["funding_line"] = 1
    data["organisation"]["vat_status"] = "full"
    data["legal_representatives"] = [{"name": "Anna", "function": "Vorsitz", "sole_power": "ja"}]
    data["fiscal_years"][0]["fiscal_year"] = "2025"
    data["fiscal_years"][1]["fiscal_year"] = True
    data["staff"] = {"title": "not a list"}
    assert refused(data) == {
        ("schema", "schema.unsupported"),
        ("extra", "unknown_field"),
        ("bank_account", "required"),
        ("sketch.funding_line", "type.string"),
        ("organisation.vat_status", "vat.status_unknown"),
        ("legal_representatives.0.sole_power", "type.boolean"),
        ("fiscal_years.0.fiscal_year", "type.integer"),
        ("fiscal_years.1.fiscal_year", "type.integer"),
        ("staff", "type.array"),
    }


def test_from_dict_refuses_what_is_not_an_object() -> None:
    assert refused([]) == {("", "type.object")}  # type: ignore[arg-type]
    data = body()
    data["partners"] = ["Stadt"]
    assert refused(data) == {("partners.0", "type.object")}


def test_from_dict_defaults_the_optional_members() -> None:
    data = body()
    del data["schema"], data["staff"], data["partners"]
    del data["organisation"]["linked_undertakings"], data["organisation"]["register_exemption"]
    del data["organisation"]["vat_deductible_share"], data["bank_account"]["bic"]
    for plan in data["fiscal_years"]:
        del plan["third_party_funds"]
    app = from_dict(data)
    assert app.staff == () and app.partners == () and app.bank_account.bic is None
    assert app.fiscal_years[0].third_party_funds == D("0.00")


# ---- round trip, as a property ---------------------------------------------------------------

texts = st.text(max_size=20)
cents = st.integers(min_value=-10_000_000_00, max_value=10_000_000_00).map(
    lambda c: D(c).scaleb(-2)
)
shares = st.integers(min_value=1, max_value=1000).map(lambda n: D(n).scaleb(-3))
years = st.integers(min_value=2020, max_value=2035)

cost_lines = st.builds(CostLine, st.sampled_from(["equipment", "personnel", "x"]), texts, cents)
plans = st.builds(
    FiscalYearPlan, years, st.lists(cost_lines, max_size=3).map(tuple), cents, cents, cents
)
posts = st.builds(
    StaffPost,
    texts,
    st.one_of(st.sampled_from(["E11", "E 15 Ü", "e9b"]), texts),
    shares,
    st.integers(min_value=0, max_value=24),
    cents,
    years,
)
organisations = st.builds(
    OrganisationFacts,
    applicant_type=texts,
    register_court=texts,
    register_number=texts,
    tax_number=texts,
    vat_status=st.sampled_from(VatStatus),
    nace_code=texts,
    vat_deductible_share=st.none() | shares,
    linked_undertakings=st.lists(
        st.builds(LinkedUndertaking, texts, st.booleans()), max_size=2
    ).map(tuple),
    register_exemption=texts,
)
applications = st.builds(
    FormalApplication,
    sketch=st.builds(SketchReference, texts, texts, texts),
    organisation=organisations,
    legal_representatives=st.lists(
        st.builds(LegalRepresentative, texts, texts, st.booleans()), max_size=2
    ).map(tuple),
    bank_account=st.builds(BankAccount, texts, texts, st.none() | texts),
    fiscal_years=st.lists(plans, max_size=3).map(tuple),
    staff=st.lists(posts, max_size=2).map(tuple),
    partners=st.lists(st.builds(Partner, texts, texts, cents, st.booleans()), max_size=2).map(
        tuple
    ),
)


@settings(max_examples=150, deadline=None)
@given(applications)
def test_canonical_dict_reads_back_to_the_same_application(app: FormalApplication) -> None:
    data = canonical_dict(app)
    again = from_dict(json.loads(canonical_json(data)))
    assert again == app
    assert canonical_dict(again) == data
