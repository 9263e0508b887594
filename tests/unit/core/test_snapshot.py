"""The submission snapshot built in the core: the same bytes as schema 1 always had, and no
way for an API model to change them.

Until the core built it, the snapshot froze ``msgspec.to_builtins(verdict_out(verdict))``
and ``OrganisationPublic.model_dump(...)``. Those API shapes are the reference here; the
golden digest was computed with that code, from the inputs in ``golden_inputs``."""

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest

from grants.accounts.schemas import OrganisationPublic
from grants.core.canonical import canonical_json, sha256_of
from grants.core.eligibility import CheckContext, PriorAid, check
from grants.core.funding import CategoryFunding, CostLine, FundingComputation
from grants.core.guideline import Guideline, Text
from grants.core.roles import ApplicantType
from grants.core.snapshot import (
    SNAPSHOT_SCHEMA,
    GuidelineRef,
    OrganisationRecord,
    Submitter,
    build_snapshot,
    reference_number,
    rfc3339,
    verdict_record,
    with_reference_number,
)
from grants.core.verdict import Outcome, RuleResult, Verdict
from grants.guidelines import schemas
from grants.guidelines.registry import load_registry
from tests.unit.core.guideline_fixtures import proposal

D = Decimal
BERLIN = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2024, 3, 1, 10, 0, 0, 250000, tzinfo=UTC)
GOLDEN_SHA256 = "ea12e756dbd8253fd2e2e0d8a605d57dcda9bc8038bf934a136e900a69e7ff27"


def shipped() -> Guideline:
    guideline = load_registry().get("frl-lifd")
    assert guideline is not None
    return guideline


# ---- fixed inputs, independent of the shipped guideline file


def golden_verdict() -> Verdict:
    """Every kind of outcome, an excluded category, no requested grant."""
    return Verdict(
        guideline_id="frl-lifd",
        guideline_version="2023-11-30",
        guideline_hash="ab" * 32,
        call_code="2024-1",
        received_at=RECEIVED,
        results=(
            RuleResult(
                "received_before_deadline",
                Outcome.PASS,
                "Aufruf Nr. 4",
                Text("Frist", "Deadline"),
                Text("Eingang vor Ablauf der Frist.", "Received before the deadline."),
                {
                    "received_at": "2024-03-01T10:00:00.250000+00:00",
                    "deadline_at": "2024-05-31T23:59:59+02:00",
                },
            ),
            RuleResult(
                "objectives_known",
                Outcome.FAIL,
                "FRL LIfD Nr. 2",
                Text("Ziele", "Objectives"),
                Text("Unbekanntes Ziel „z“.", "Unknown objective 'z'."),
                {"objectives": ["a", "z"], "unknown": ["z"]},
            ),
            RuleResult(
                "de_minimis",
                Outcome.NEEDS_REVIEW,
                "VO (EU) 2023/2831 Art. 3",
                Text("De minimis", "De minimis"),
                Text("Prüfen.", "Check."),
                {"declared": None, "economic_activity": "declared", "count": 0, "ok": True},
            ),
            RuleResult(
                "rural_bonus",
                Outcome.NOT_APPLICABLE,
                "FRL LIfD Nr. 5.3",
                Text("Zuschlag", "Bonus"),
                Text("Nicht anwendbar.", "Not applicable."),
                {},
            ),
        ),
        funding=FundingComputation(
            categories=(
                CategoryFunding(
                    "equipment",
                    Text("Ausstattung", "Equipment"),
                    D("100000.00"),
                    D("100000.00"),
                    D("0.8"),
                    D("80000.000"),
                    None,
                ),
                CategoryFunding(
                    "catering",
                    None,
                    D("500.00"),
                    D("0.00"),
                    D("0"),
                    D("0.00"),
                    Text("Bewirtung ist ausgeschlossen.", "Catering is excluded."),
                ),
            ),
            total_costs=D("100500.00"),
            eligible_costs=D("100000.00"),
            uncapped_grant=D("80000.000"),
            cap=D("400000"),
            cap_applied=False,
            fundable_grant=D("80000"),
            rounding_difference=D("0.000"),
            requested_grant=None,
            grant=D("80000"),
            third_party_funds=D("0.00"),
            own_contribution=D("20500.00"),
        ),
        facts={"area_category": None, "rural": None, "received_on": "2024-03-01"},
    )


ORGANISATION = OrganisationPublic(
    id=uuid.UUID("11111111-2222-3333-4444-555555555555"),
    customer_number="K-000042",
    legal_name="Kulturwerk Görlitz e. V.",
    legal_form="e. V.",
    applicant_type=ApplicantType.NONPROFIT,
    street="Obermarkt 1",
    postal_code="02826",
    city="Görlitz",
    municipality_key="14626110",
    version=3,
    created_at=datetime(2024, 1, 1, tzinfo=UTC),
    updated_at=datetime(2024, 2, 1, tzinfo=UTC),
)
ORGANISATION_RECORD = OrganisationRecord(
    id=ORGANISATION.id,
    customer_number=ORGANISATION.customer_number,
    legal_name=ORGANISATION.legal_name,
    legal_form=ORGANISATION.legal_form,
    applicant_type=ORGANISATION.applicant_type.value,
    street=ORGANISATION.street,
    postal_code=ORGANISATION.postal_code,
    city=ORGANISATION.city,
    municipality_key=ORGANISATION.municipality_key,
)
APPLICATION_ID = uuid.UUID("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
SUBMITTER = Submitter(
    uuid.UUID("99999999-8888-7777-6666-555555555555"), "anna@kulturwerk.example", "Anna Beispiel"
)
CONTENT = {
    "title": "Makerspace",
    "financing": {"requested_grant": "110000.00"},
    "objectives": ["a", "e"],
}
ATTACHMENTS = [
    {
        "id": "a1",
        "kind": "budget",
        "filename": "Kosten.pdf",
        "media_type": "application/pdf",
        "size_bytes": 1234,
        "sha256": "cd" * 32,
        "scan_status": "clean",
    }
]


def golden_inputs(verdict: Verdict | None = None) -> dict[str, Any]:
    return {
        "application_id": APPLICATION_ID,
        "reference_number": "LIfD-2024-1-S-0042",
        "submission_number": 2,
        "received_at": RECEIVED,
        "guideline": GuidelineRef("frl-lifd", "2023-11-30", "ab" * 32),
        "call": "2024-1",
        "funding_line": "stationary",
        "organisation": ORGANISATION_RECORD,
        "submitted_by": SUBMITTER,
        "content": CONTENT,
        "attachments": ATTACHMENTS,
        "verdict": verdict or golden_verdict(),
    }


def api_snapshot(inputs: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as ``applications.submission`` built it before the core did."""
    guideline = inputs["guideline"]
    submitter = inputs["submitted_by"]
    return {
        "schema": 1,
        "application_id": str(inputs["application_id"]),
        "reference_number": inputs["reference_number"],
        "submission_number": inputs["submission_number"],
        "received_at": inputs["received_at"].isoformat(),
        "guideline": {
            "id": guideline.id,
            "version": guideline.version,
            "content_hash": guideline.content_hash,
        },
        "call": inputs["call"],
        "funding_line": inputs["funding_line"],
        "organisation": ORGANISATION.model_dump(
            mode="json", exclude={"version", "created_at", "updated_at"}
        ),
        "submitted_by": {
            "id": str(submitter.id),
            "email": submitter.email,
            "name": submitter.name,
        },
        "content": inputs["content"],
        "attachments": inputs["attachments"],
        "verdict": msgspec.to_builtins(schemas.verdict_out(inputs["verdict"])),
    }


# ---- the bytes are schema 1's


def test_the_schema_is_still_1() -> None:
    assert SNAPSHOT_SCHEMA == 1


def test_the_golden_snapshot_keeps_its_digest() -> None:
    snapshot = build_snapshot(**golden_inputs())
    assert sha256_of(snapshot) == GOLDEN_SHA256


def test_the_golden_snapshot_is_what_the_api_models_made() -> None:
    inputs = golden_inputs()
    assert canonical_json(build_snapshot(**inputs)) == canonical_json(api_snapshot(inputs))


def realistic_verdicts() -> list[Verdict]:
    """Real verdicts of the shipped guideline: eligible, failing, with de minimis, excluded
    costs, a late receipt, receipt times in Berlin on both sides of a DST change."""
    guideline = shipped()
    call = guideline.call("2024-1")
    assert call is not None

    def judged(received_at: datetime = RECEIVED, **changes: Any) -> Verdict:
        context = CheckContext(received_at=received_at, call=call, area_category=None)
        return check(dataclasses.replace(proposal(), **changes), guideline, context)

    return [
        judged(),
        judged(applicant_type="natural_person", objectives=("a", "zz")),
        judged(received_at=call.deadline_at + timedelta(seconds=1)),
        judged(received_at=datetime(2024, 3, 1, 11, 0, 0, 5, tzinfo=BERLIN)),
        judged(received_at=datetime(2024, 4, 2, 9, 30, tzinfo=BERLIN)),
        judged(
            applicant_type="company",
            economic_activity=True,
            prior_de_minimis=(PriorAid(date(2023, 5, 1), D("250000.00")),),
        ),
        judged(
            cost_lines=(
                CostLine("equipment", "Fräse", D("1000000.00")),
                CostLine("construction", "Umbau", D("20000.00")),
                CostLine("ineligible", "Bewirtung", D("333.33")),
            ),
            requested_grant=D("1.00"),
        ),
        judged(funding_line="mobile", planned_end=date(2031, 1, 1)),
        judged(economic_activity=None),  # undeclared where it depends: needs review
    ]


@pytest.mark.parametrize("verdict", realistic_verdicts())
def test_the_verdict_record_equals_the_api_rendering_of_a_real_verdict(verdict: Verdict) -> None:
    record = verdict_record(verdict)
    assert record == msgspec.to_builtins(schemas.verdict_out(verdict))
    assert canonical_json(record) == canonical_json(
        msgspec.to_builtins(schemas.verdict_out(verdict))
    )


@pytest.mark.parametrize("verdict", realistic_verdicts()[:3])
def test_a_whole_real_snapshot_equals_the_one_built_from_api_models(verdict: Verdict) -> None:
    inputs = golden_inputs(verdict)
    assert canonical_json(build_snapshot(**inputs)) == canonical_json(api_snapshot(inputs))


def test_the_shipped_verdicts_vary_what_they_should() -> None:
    """Guards the equivalence test above: it must see failures, reviews and exclusions."""
    outcomes = {r.outcome for v in realistic_verdicts() for r in v.results}
    assert {Outcome.PASS, Outcome.FAIL, Outcome.NEEDS_REVIEW} <= outcomes
    assert any(c.excluded_reason for v in realistic_verdicts() for c in v.funding.categories)


@pytest.mark.parametrize(
    "instant",
    [
        RECEIVED,
        datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
        datetime(2024, 1, 15, 12, 0, 0, 1, tzinfo=BERLIN),
        datetime(2024, 7, 15, 12, 0, tzinfo=BERLIN),
        datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN),
        datetime(2024, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London")),
        datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        *(
            datetime(2024, 3, 1, tzinfo=timezone(timedelta(seconds=s)))
            for s in (29, 30, 31, -30, -31, 90, -90, 19807, -19859)
        ),
        datetime(2024, 3, 1, 10, 0),  # noqa: DTZ001 (naive: msgspec writes no offset)
        datetime(1, 1, 1, tzinfo=UTC),
    ],
    ids=str,
)
def test_checked_at_is_rendered_as_msgspec_rendered_it(instant: datetime) -> None:
    assert rfc3339(instant) == msgspec.to_builtins(instant)


def test_the_organisation_record_has_the_keys_and_values_of_the_profile_it_replaced() -> None:
    assert ORGANISATION_RECORD.record() == ORGANISATION.model_dump(
        mode="json", exclude={"version", "created_at", "updated_at"}
    )
    assert [f.name for f in dataclasses.fields(OrganisationRecord)] == [
        "id",
        "customer_number",
        "legal_name",
        "legal_form",
        "applicant_type",
        "street",
        "postal_code",
        "city",
        "municipality_key",
    ]


# ---- an API model change cannot reach the record


class _ChangedRuleResultOut(schemas.RuleResultOut, gc=False):
    explanation: str = "a new field on the response"


class _ChangedVerdictOut(schemas.VerdictOut, gc=False):
    schema_hint: str = "a new field on the response"


def test_changing_the_verdict_response_does_not_change_the_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = canonical_json(build_snapshot(**golden_inputs()))
    response_before = msgspec.to_builtins(schemas.verdict_out(golden_verdict()))
    monkeypatch.setattr(schemas, "VerdictOut", _ChangedVerdictOut)
    monkeypatch.setattr(schemas, "RuleResultOut", _ChangedRuleResultOut)
    monkeypatch.setattr(schemas, "_funding_out", lambda _funding: None)

    response_after = msgspec.to_builtins(schemas.verdict_out(golden_verdict()))
    assert response_after != response_before  # the API did change
    assert response_after["schema_hint"] and response_after["funding"] is None
    after = canonical_json(build_snapshot(**golden_inputs()))
    assert after == before
    assert sha256_of(build_snapshot(**golden_inputs())) == GOLDEN_SHA256


def test_replacing_verdict_out_does_not_change_the_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_verdict: Verdict) -> None:
        raise AssertionError("the snapshot must not use the API's verdict_out")

    monkeypatch.setattr(schemas, "verdict_out", broken)
    assert sha256_of(build_snapshot(**golden_inputs())) == GOLDEN_SHA256


# ---- the parts


def test_the_reference_number_is_added_to_a_copy() -> None:
    draft = build_snapshot(**{**golden_inputs(), "reference_number": None})
    numbered = with_reference_number(draft, "LIfD-2024-1-S-0042")
    assert draft["reference_number"] is None
    assert sha256_of(numbered) == GOLDEN_SHA256


def test_the_snapshot_shares_no_top_level_container_with_its_inputs() -> None:
    inputs = golden_inputs()
    snapshot = build_snapshot(**inputs)
    assert snapshot["content"] is not inputs["content"]
    assert snapshot["attachments"] is not inputs["attachments"]


def test_enum_and_tuple_facts_are_rendered_as_msgspec_rendered_them() -> None:
    verdict = golden_verdict()
    facts = {"outcome": Outcome.FAIL, "codes": ("a", "b"), "flag": False, "n": -1}
    odd = verdict.results[0]._replace(facts=facts)  # type: ignore[arg-type]
    verdict = verdict._replace(results=(odd,), facts=facts)  # type: ignore[arg-type]
    record = verdict_record(verdict)
    # msgspec kept a tuple a tuple; JSON knows only lists, so the bytes are the same.
    assert canonical_json(record) == canonical_json(
        msgspec.to_builtins(schemas.verdict_out(verdict))
    )
    assert record["facts"] == {"outcome": "fail", "codes": ["a", "b"], "flag": False, "n": -1}
    assert type(record["facts"]["outcome"]) is str  # a plain string, not the member


def test_a_fact_json_cannot_hold_is_refused() -> None:
    verdict = golden_verdict()
    odd = verdict.results[0]._replace(facts={"amount": D("1.00")})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="Decimal"):
        verdict_record(verdict._replace(results=(odd,)))


def test_reference_numbers_follow_the_pattern() -> None:
    guideline = shipped()
    call = guideline.call("2024-1")
    assert call is not None
    assert reference_number(guideline, call, "stationary", 42) == "LIfD-2024-1-S-0042"
    assert reference_number(guideline, call, "mobile", 7) == "LIfD-2024-1-M-0007"
