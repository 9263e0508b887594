"""The draft as the guideline sees it: completeness, known codes, the core's proposal, and
the frozen snapshot's hash and reference number. No database."""

from decimal import Decimal
from typing import Any

import pytest

from grants.applications.content import (
    ensure_known_codes,
    missing_for_check,
    missing_for_submission,
    to_proposal,
)
from grants.applications.schemas import DraftContent
from grants.core.canonical import canonical_json, sha256_of
from grants.core.errors import InvalidInput
from grants.core.snapshot import reference_number
from grants.guidelines.registry import load_registry
from tests.applications_factories import complete_draft

GUIDELINE = load_registry().get("frl-lifd")
assert GUIDELINE is not None


def fields(problems: list[Any]) -> set[str]:
    return {p.field for p in problems}


def test_a_complete_draft_with_a_concept_misses_nothing() -> None:
    draft = DraftContent.model_validate(complete_draft())
    assert missing_for_submission(draft, attachment_kinds={"concept"}) == []
    assert fields(missing_for_submission(draft, attachment_kinds=set())) == {"attachments"}


def test_an_empty_draft_names_every_gap() -> None:
    gaps = fields(missing_for_submission(DraftContent(), attachment_kinds=set()))
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
        "declarations.data_protection_acknowledged",
        "declarations.de_minimis_declared",
        "declarations.vat_deductible",
        "attachments",
    } <= gaps


def test_the_de_minimis_declaration_is_needed_unless_no_economic_activity() -> None:
    body = complete_draft()
    body["declarations"] |= {"economic_activity": None, "de_minimis_declared": False}
    draft = DraftContent.model_validate(body)
    assert "declarations.de_minimis_declared" in fields(
        missing_for_submission(draft, attachment_kinds={"concept"})
    )
    body["declarations"]["economic_activity"] = False
    draft = DraftContent.model_validate(body)
    assert missing_for_submission(draft, attachment_kinds={"concept"}) == []


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


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="planned_end"):
        DraftContent.model_validate(complete_draft(planned_end="2027-01-01"))


def test_reference_numbers_follow_the_pattern() -> None:
    call = GUIDELINE.call("2024-1")
    assert call is not None
    assert reference_number(GUIDELINE, call, "stationary", 42) == "LIfD-2024-1-S-0042"
    assert reference_number(GUIDELINE, call, "mobile", 7) == "LIfD-2024-1-M-0007"


def test_the_snapshot_hash_does_not_depend_on_key_order() -> None:
    assert canonical_json({"b": 1, "a": "ä"}) == '{"a":"ä","b":1}'.encode()
    assert sha256_of({"b": 1, "a": 2}) == sha256_of({"a": 2, "b": 1})
    assert sha256_of({"a": "1.0"}) != sha256_of({"a": "1.00"})
