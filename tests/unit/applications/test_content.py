"""The draft as the guideline sees it: completeness, known codes, the core's proposal, and
the frozen snapshot's hash and reference number. No database."""

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from grants.applications.content import (
    draft_from_row,
    ensure_known_codes,
    missing_for_check,
    missing_for_submission,
    to_proposal,
    upgrade_stored_draft,
)
from grants.applications.schemas import DraftContent, DraftPatch
from grants.core.canonical import canonical_json, sha256_of
from grants.core.errors import InvalidInput
from grants.core.funding import CostAmounts, VatDeduction
from grants.core.guideline import ApplicantTypeSpec
from grants.core.snapshot import reference_number
from grants.guidelines.registry import load_registry
from tests.applications_factories import complete_draft

GUIDELINE = load_registry().get("frl-lifd")
assert GUIDELINE is not None


def kind(code: str) -> ApplicantTypeSpec:
    assert GUIDELINE is not None
    spec = GUIDELINE.applicant_type(code)
    assert spec is not None
    return spec


NONPROFIT = kind("nonprofit")


def fields(problems: list[Any]) -> set[str]:
    return {p.field for p in problems}


def gaps(body: dict[str, Any], applicant_type: str = "nonprofit") -> set[str]:
    draft = DraftContent.model_validate(body)
    return fields(
        missing_for_submission(
            draft, attachment_kinds={"concept"}, applicant_type=kind(applicant_type)
        )
    )


def test_a_complete_draft_with_a_concept_misses_nothing() -> None:
    draft = DraftContent.model_validate(complete_draft())
    assert (
        missing_for_submission(draft, attachment_kinds={"concept"}, applicant_type=NONPROFIT) == []
    )
    assert fields(
        missing_for_submission(draft, attachment_kinds=set(), applicant_type=NONPROFIT)
    ) == {"attachments"}


def test_an_empty_draft_names_every_gap() -> None:
    found = missing_for_submission(DraftContent(), attachment_kinds=set(), applicant_type=NONPROFIT)
    messages = {p.field: p.message for p in found}
    assert messages["declarations.data_protection_acknowledged"] == (
        "Kenntnisnahme der Datenschutzhinweise fehlt "
        "(acknowledgement of the data-protection notice missing)"
    )
    assert messages["declarations.not_started_declared"].startswith(
        "Erklärung fehlt: Mit dem Vorhaben wurde noch nicht begonnen; es wird nicht vor "
        "Bekanntgabe des Zuwendungsbescheids oder einer schriftlichen Zustimmung zum "
        "vorzeitigen Maßnahmebeginn begonnen"
    )
    gaps = set(messages)
    assert {
        "title",
        "summary",
        "objectives",
        "cost_lines",
        "financing",
        "municipality_key",
        "planned_start",
        "planned_end",
        "concept.goals",
        "declarations.subsidy_relevant_facts_acknowledged",
        "declarations.not_started_declared",
        "declarations.data_protection_acknowledged",
        "declarations.de_minimis_declared",
        "declarations.part_of_single_undertaking",
        "declarations.vat_deduction",
        "attachments",
    } <= gaps


def test_the_de_minimis_declaration_is_needed_unless_no_economic_activity() -> None:
    body = complete_draft()
    body["declarations"] |= {"economic_activity": None, "de_minimis_declared": False}
    assert {"declarations.de_minimis_declared", "declarations.part_of_single_undertaking"} <= (
        gaps(body)
    )
    body["declarations"]["economic_activity"] = False
    assert gaps(body) == set()


@pytest.mark.parametrize("applicant_type", ["company", "partnership", "freelancer"])
def test_an_economic_type_cannot_skip_the_de_minimis_declaration(applicant_type: str) -> None:
    body = complete_draft()
    body["declarations"] |= {"economic_activity": False, "de_minimis_declared": False}
    assert {"declarations.de_minimis_declared", "declarations.part_of_single_undertaking"} <= (
        gaps(body, applicant_type)
    )
    body["declarations"] |= {"de_minimis_declared": True, "part_of_single_undertaking": False}
    assert gaps(body, applicant_type) == set()


def test_a_type_without_economic_activity_needs_no_de_minimis_declaration() -> None:
    body = complete_draft()
    body["declarations"] |= {"economic_activity": None, "de_minimis_declared": False}
    assert gaps(body, "natural_person") == set()


def test_a_municipality_declares_its_economic_activity() -> None:
    body = complete_draft()
    body["declarations"] |= {"economic_activity": True, "de_minimis_declared": False}
    assert "declarations.de_minimis_declared" in gaps(body, "municipality")


def test_the_single_undertaking_names_its_linked_undertakings() -> None:
    body = complete_draft()
    body["declarations"] |= {"economic_activity": True, "part_of_single_undertaking": True}
    assert gaps(body) == {"declarations.linked_undertakings"}
    body["declarations"]["linked_undertakings"] = ["Muster Holding GmbH"]
    assert gaps(body) == set()
    draft = DraftContent.model_validate(body)
    proposal = to_proposal(draft, applicant_type="nonprofit", funding_line="stationary")
    assert proposal.part_of_single_undertaking is True
    assert proposal.linked_undertakings == ("Muster Holding GmbH",)


def test_the_not_started_declaration_is_required() -> None:
    body = complete_draft()
    body["declarations"]["not_started_declared"] = False
    assert gaps(body) == {"declarations.not_started_declared"}


@pytest.mark.parametrize(
    ("vat", "cost_amounts", "expected"),
    [
        ({"vat_deduction": "none"}, None, set()),
        ({"vat_deduction": "full"}, None, {"cost_amounts"}),
        ({"vat_deduction": "full"}, "net", set()),
        ({"vat_deduction": "partial"}, "gross", {"declarations.vat_deductible_share"}),
        ({"vat_deduction": "partial", "vat_deductible_share": "0.35"}, "gross", set()),
        ({"vat_deduction": None}, None, {"declarations.vat_deduction"}),
    ],
)
def test_the_vat_declaration_and_what_it_needs(
    vat: dict[str, Any], cost_amounts: str | None, expected: set[str]
) -> None:
    body = complete_draft(cost_amounts=cost_amounts)
    body["declarations"] |= vat
    assert gaps(body) == expected


def test_a_share_without_partial_deduction_is_refused_naming_the_field() -> None:
    body = complete_draft()
    body["declarations"] |= {"vat_deduction": "full", "vat_deductible_share": "0.5"}
    with pytest.raises(ValidationError) as raised:
        DraftContent.model_validate(body)
    error = raised.value.errors()[0]
    assert error["loc"] == ("declarations", "vat_deductible_share")
    assert "nur bei teilweisem Vorsteuerabzug" in error["msg"]


@pytest.mark.parametrize("share", ["0", "1", "1.5", "-0.1", "0.12345"])
def test_the_deductible_share_is_strictly_between_0_and_1(share: str) -> None:
    body = complete_draft()
    body["declarations"] |= {"vat_deduction": "partial", "vat_deductible_share": share}
    with pytest.raises(ValidationError):
        DraftContent.model_validate(body)


def test_the_vat_answers_reach_the_proposal() -> None:
    body = complete_draft(cost_amounts="gross")
    body["declarations"] |= {"vat_deduction": "partial", "vat_deductible_share": "0.35"}
    proposal = to_proposal(
        DraftContent.model_validate(body), applicant_type="nonprofit", funding_line="stationary"
    )
    assert proposal.vat_deduction is VatDeduction.PARTIAL
    assert proposal.vat_deductible_share == Decimal("0.35")
    assert proposal.cost_amounts is CostAmounts.GROSS


# ---- drafts stored before issue 11


@pytest.mark.parametrize(("stored", "expected"), [(True, "full"), (False, "none"), (None, None)])
def test_a_stored_draft_with_vat_deductible_still_loads(
    stored: bool | None, expected: str | None
) -> None:
    body = complete_draft(early_start_consented=True)
    declarations = body["declarations"]
    declarations.pop("vat_deduction")
    declarations.pop("not_started_declared")
    declarations["vat_deductible"] = stored
    draft = draft_from_row(SimpleNamespace(draft=body))
    assert draft.declarations.vat_deduction == (
        None if expected is None else VatDeduction(expected)
    )
    assert "vat_deductible" not in draft.model_dump()["declarations"]
    # The applicant's old tick never was the authority's consent: dropped.
    assert "early_start_consented" not in draft.model_dump()
    proposal = to_proposal(draft, applicant_type="nonprofit", funding_line="stationary")
    assert proposal.early_start_consented is False
    assert body["declarations"]["vat_deductible"] == stored  # the stored row is not changed


def test_a_new_answer_wins_over_a_stale_old_one() -> None:
    upgraded = upgrade_stored_draft(
        {"declarations": {"vat_deductible": True, "vat_deduction": "partial"}}
    )
    assert upgraded["declarations"] == {"vat_deduction": "partial"}


@pytest.mark.parametrize(
    "patch",
    [{"early_start_consented": True}, {"declarations": {"vat_deductible": True}}],
)
def test_the_api_refuses_the_old_fields(patch: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as raised:
        DraftPatch.model_validate(patch)
    assert raised.value.errors()[0]["type"] == "extra_forbidden"


def test_the_authoritys_consent_is_fed_in_by_the_caller() -> None:
    draft = DraftContent.model_validate(complete_draft())
    consented = to_proposal(
        draft, applicant_type="nonprofit", funding_line="stationary", early_start_consented=True
    )
    assert consented.early_start_consented is True


def test_the_engine_needs_location_dates_and_financing() -> None:
    assert fields(missing_for_check(DraftContent())) == {
        "municipality_key",
        "planned_start",
        "planned_end",
        "financing",
    }
    with pytest.raises(ValueError, match="missing_for_check"):
        to_proposal(DraftContent(), applicant_type="nonprofit", funding_line="stationary")


def test_the_proposal_carries_the_draft_exactly() -> None:
    draft = DraftContent.model_validate(complete_draft())
    proposal = to_proposal(draft, applicant_type="nonprofit", funding_line="stationary")
    assert proposal.requested_grant == Decimal("100000.00")
    assert [c.amount for c in proposal.cost_lines] == [
        Decimal("60000.00"),
        Decimal("70000.00"),
        Decimal("20000.00"),
    ]
    assert proposal.economic_activity is False


def test_unknown_codes_are_refused_with_their_field() -> None:
    draft = DraftContent.model_validate(
        complete_draft(objectives=["a", "a", "q"], cost_lines=[{"category": "boat", "amount": "1"}])
    )
    with pytest.raises(InvalidInput) as raised:
        ensure_known_codes(GUIDELINE, draft)
    assert fields(list(raised.value.problems)) == {
        "objectives.2",
        "objectives",
        "cost_lines.0.category",
    }


def test_end_before_start_is_refused_german_first() -> None:
    with pytest.raises(ValueError, match="planned_end") as raised:
        DraftContent.model_validate(complete_draft(planned_end="2027-01-01"))
    assert (
        "Das geplante Ende liegt vor dem Beginn (planned_end must not be before planned_start)"
        in str(raised.value)
    )


def test_reference_numbers_follow_the_pattern() -> None:
    call = GUIDELINE.call("2024-1")
    assert call is not None
    assert reference_number(GUIDELINE, call, "stationary", 42) == "LIfD-2024-1-S-0042"
    assert reference_number(GUIDELINE, call, "mobile", 7) == "LIfD-2024-1-M-0007"


def test_the_snapshot_hash_does_not_depend_on_key_order() -> None:
    assert canonical_json({"b": 1, "a": "ä"}) == '{"a":"ä","b":1}'.encode()
    assert sha256_of({"b": 1, "a": 2}) == sha256_of({"a": 2, "b": 1})
    assert sha256_of({"a": "1.0"}) != sha256_of({"a": "1.00"})
