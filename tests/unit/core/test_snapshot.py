"""The submission snapshot built in the core: schema 1's members keep the bytes they always
had, schema 2 adds its members deterministically, and no API model can change either.

Until the core built it, the snapshot froze ``msgspec.to_builtins(verdict_out(verdict))``
and ``OrganisationPublic.model_dump(...)``. Those API shapes are the reference here; the
schema-1 golden digest was computed with that code, from the inputs in ``golden_inputs``,
and still holds for the schema-1 part of a schema-2 snapshot (``schema_1_part``)."""

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
from grants.core.guideline import Authority, Declaration, Guideline, Text
from grants.core.roles import ApplicantType
from grants.core.snapshot import (
    SNAPSHOT_SCHEMA,
    Acknowledgement,
    GuidelineRef,
    OrganisationRecord,
    Submitter,
    build_snapshot,
    reference_number,
    rfc3339,
    to_acknowledge,
    to_review,
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
GOLDEN_SHA256_SCHEMA_2 = "4b4a00be4b24d15ac3819cd8c4649bf1503881fc0e4fc9a0b50b5beec336484e"
# The members schema 2 added; without them (and with "schema": 1) a snapshot is schema 1's.
SCHEMA_2_MEMBERS = (
    "call_title",
    "funding_line_label",
    "authority",
    "declarations",
    "acknowledgement",
)


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


AUTHORITY = Authority(
    name="Sächsische Aufbaubank – Förderbank –",
    unit="Bewilligungsstelle FRL LIfD",
    street="Pirnaische Straße 9",
    postal_code="01069",
    city="Dresden",
    phone="0351 4910-0",
    email="lifd@sab.example",
    on_behalf_of="im Auftrag des Sächsischen Staatsministeriums",
)
DECLARATIONS = (
    Declaration(
        key="subsidy_relevant_facts",
        version="2024-01",
        title=Text("Subventionserhebliche Tatsachen", "Subsidy-relevant facts"),
        text=Text("Subventionserheblich im Sinne des § 264 StGB sind:", "Relevant are:"),
        items=(Text("die Angaben zum Antragsteller", "the applicant's data"),),
    ),
    Declaration(
        key="data_protection",
        version="1",
        title=Text("Datenschutzhinweise", "Data protection notice"),
        text=Text("Ihre Daten werden verarbeitet …", "Your data is processed …"),
    ),
)


def golden_acknowledgement(verdict: Verdict) -> Acknowledgement:
    """The failing rules, acknowledged. Marked verified, so that their citation is the bare
    section and the digest does not depend on the wording of the unverified mark."""
    return Acknowledgement(
        SUBMITTER.id,
        RECEIVED,
        tuple(r._replace(section_verified=True) for r in to_acknowledge(verdict)),
    )


def golden_inputs(verdict: Verdict | None = None) -> dict[str, Any]:
    verdict = verdict or golden_verdict()
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
        "verdict": verdict,
        "call_title": Text("1. Förderaufruf LIfD", "1st call LIfD"),
        "funding_line_label": Text("Stationärer LIfD", "Stationary innovation space"),
        "authority": AUTHORITY,
        "declarations": DECLARATIONS,
        "acknowledgement": golden_acknowledgement(verdict),
    }


# What schema 2 added inside the verdict: the citation shown, the verification and
# assumption flags per rule, and the input VAT taken out per category.
SCHEMA_2_RESULT_MEMBERS = ("citation", "section_verified", "assumption")
SCHEMA_2_CATEGORY_MEMBERS = ("recoverable_vat",)


def schema_1_verdict(record: dict[str, Any]) -> dict[str, Any]:
    """A schema-2 verdict record without what schema 2 added."""
    cut = dict(record)
    cut["results"] = [
        {k: v for k, v in r.items() if k not in SCHEMA_2_RESULT_MEMBERS} for r in record["results"]
    ]
    funding = dict(record["funding"])
    funding["categories"] = [
        {k: v for k, v in c.items() if k not in SCHEMA_2_CATEGORY_MEMBERS}
        for c in record["funding"]["categories"]
    ]
    cut["funding"] = funding
    return cut


def schema_1_part(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A schema-2 snapshot without what schema 2 added: schema 1's members and bytes."""
    part = {k: v for k, v in snapshot.items() if k not in SCHEMA_2_MEMBERS} | {"schema": 1}
    if part.get("verdict") is not None:
        part["verdict"] = schema_1_verdict(part["verdict"])
    return part


# The members of the API's verdict rendering that schema 1 froze. The API has grown since
# (citations, VAT figures …); the record keeps schema 1's members and must not follow it.
_VERDICT_MEMBERS = (
    "guideline",
    "call",
    "checked_at",
    "eligible",
    "failed_rules",
    "needs_review",
    "results",
    "funding",
    "facts",
)
_RESULT_MEMBERS = ("rule", "outcome", "section", "title", "message", "facts")
_FUNDING_MEMBERS = (
    "categories",
    "total_costs",
    "eligible_costs",
    "uncapped_grant",
    "cap",
    "cap_applied",
    "fundable_grant",
    "rounding_difference",
    "requested_grant",
    "grant",
    "third_party_funds",
    "own_contribution",
)
_CATEGORY_MEMBERS = (
    "category",
    "declared_costs",
    "eligible_costs",
    "rate",
    "grant",
    "excluded_reason",
)


def _only(members: tuple[str, ...], value: dict[str, Any]) -> dict[str, Any]:
    return {k: value[k] for k in members}


def api_verdict(verdict: Verdict) -> dict[str, Any]:
    """The API's rendering of ``verdict``, cut to the members schema 1 froze."""
    rendered: dict[str, Any] = msgspec.to_builtins(schemas.verdict_out(verdict))
    cut = _only(_VERDICT_MEMBERS, rendered)
    cut["results"] = [_only(_RESULT_MEMBERS, r) for r in rendered["results"]]
    funding = _only(_FUNDING_MEMBERS, rendered["funding"])
    funding["categories"] = [_only(_CATEGORY_MEMBERS, c) for c in rendered["funding"]["categories"]]
    cut["funding"] = funding
    return cut


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
        "verdict": api_verdict(inputs["verdict"]),
    }


# ---- the bytes are schema 1's


def test_the_schema_is_2() -> None:
    assert SNAPSHOT_SCHEMA == 2
    assert build_snapshot(**golden_inputs())["schema"] == 2


def test_the_golden_snapshot_keeps_its_digest() -> None:
    snapshot = build_snapshot(**golden_inputs())
    assert sha256_of(snapshot) == GOLDEN_SHA256_SCHEMA_2
    # The same inputs give the same bytes, however often they are built.
    assert canonical_json(build_snapshot(**golden_inputs())) == canonical_json(snapshot)


def test_schema_2_keeps_every_schema_1_member_byte_for_byte() -> None:
    snapshot = build_snapshot(**golden_inputs())
    assert sha256_of(schema_1_part(snapshot)) == GOLDEN_SHA256
    assert set(snapshot) - set(schema_1_part(snapshot)) == set(SCHEMA_2_MEMBERS)


def test_the_golden_snapshot_is_what_the_api_models_made() -> None:
    inputs = golden_inputs()
    assert canonical_json(schema_1_part(build_snapshot(**inputs))) == canonical_json(
        api_snapshot(inputs)
    )


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
    record = schema_1_verdict(verdict_record(verdict))
    assert record == api_verdict(verdict)
    assert canonical_json(record) == canonical_json(api_verdict(verdict))


@pytest.mark.parametrize("verdict", realistic_verdicts())
def test_the_verdict_record_freezes_citations_flags_and_vat(verdict: Verdict) -> None:
    """What the applicant was shown as the source of each rule, and whether it is verified
    or an assumption, is part of the legal record (never re-derived later from new data)."""
    record = verdict_record(verdict)
    for result, stored in zip(verdict.results, record["results"], strict=True):
        assert stored["citation"] == {"de": result.citation.de, "en": result.citation.en}
        assert stored["section_verified"] is result.section_verified
        assert stored["assumption"] is result.assumption
    for category, stored in zip(
        verdict.funding.categories, record["funding"]["categories"], strict=True
    ):
        assert stored["recoverable_vat"] == str(category.recoverable_vat)
    assert any(not r["section_verified"] for r in record["results"])
    assert any(r["section_verified"] for r in record["results"])


@pytest.mark.parametrize("verdict", realistic_verdicts()[:3])
def test_a_whole_real_snapshot_equals_the_one_built_from_api_models(verdict: Verdict) -> None:
    inputs = golden_inputs(verdict)
    assert canonical_json(schema_1_part(build_snapshot(**inputs))) == canonical_json(
        api_snapshot(inputs)
    )


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
    assert sha256_of(build_snapshot(**golden_inputs())) == GOLDEN_SHA256_SCHEMA_2


def test_replacing_verdict_out_does_not_change_the_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_verdict: Verdict) -> None:
        raise AssertionError("the snapshot must not use the API's verdict_out")

    monkeypatch.setattr(schemas, "verdict_out", broken)
    assert sha256_of(build_snapshot(**golden_inputs())) == GOLDEN_SHA256_SCHEMA_2


# ---- the parts


def test_the_reference_number_is_added_to_a_copy() -> None:
    draft = build_snapshot(**{**golden_inputs(), "reference_number": None})
    numbered = with_reference_number(draft, "LIfD-2024-1-S-0042")
    assert draft["reference_number"] is None
    assert sha256_of(numbered) == GOLDEN_SHA256_SCHEMA_2


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
    assert canonical_json(schema_1_verdict(record)) == canonical_json(api_verdict(verdict))
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


# ---- what schema 2 added


def test_declarations_are_frozen_with_their_texts_and_hashes() -> None:
    snapshot = build_snapshot(**golden_inputs())
    facts, privacy = snapshot["declarations"]
    assert facts == {
        "key": "subsidy_relevant_facts",
        "version": "2024-01",
        "title": {"de": "Subventionserhebliche Tatsachen", "en": "Subsidy-relevant facts"},
        "text": {"de": "Subventionserheblich im Sinne des § 264 StGB sind:", "en": "Relevant are:"},
        "items": [{"de": "die Angaben zum Antragsteller", "en": "the applicant's data"}],
        "sha256": DECLARATIONS[0].sha256,
    }
    assert privacy["items"] == []
    assert privacy["sha256"] == DECLARATIONS[1].sha256
    # The hash is the declaration's own: recomputable from the frozen record.
    assert facts["sha256"] == sha256_of(
        {
            "key": facts["key"],
            "version": facts["version"],
            "title": [facts["title"]["de"], facts["title"]["en"]],
            "text": [facts["text"]["de"], facts["text"]["en"]],
            "items": [[i["de"], i["en"]] for i in facts["items"]],
        }
    )


def test_a_changed_declaration_text_changes_the_snapshot() -> None:
    changed = dataclasses.replace(DECLARATIONS[1], text=Text("Andere Hinweise", "Other notice"))
    snapshot = build_snapshot(**{**golden_inputs(), "declarations": (DECLARATIONS[0], changed)})
    assert snapshot["declarations"][1]["text"] == {"de": "Andere Hinweise", "en": "Other notice"}
    assert snapshot["declarations"][1]["sha256"] != DECLARATIONS[1].sha256
    assert sha256_of(snapshot) != GOLDEN_SHA256_SCHEMA_2


def test_the_acknowledgement_records_who_when_and_each_rule_as_shown() -> None:
    record = build_snapshot(**golden_inputs())["acknowledgement"]
    assert record["confirmed_by"] == str(SUBMITTER.id)
    assert record["confirmed_at"] == RECEIVED.isoformat()
    # Only the failing rule asks for an acknowledgement; the open one is the formal check's.
    assert [(r["rule"], r["outcome"]) for r in record["rules"]] == [("objectives_known", "fail")]
    assert record["rules"][0] == {
        "rule": "objectives_known",
        "outcome": "fail",
        "citation": {"de": "FRL LIfD Nr. 2", "en": "FRL LIfD Nr. 2"},
        "title": {"de": "Ziele", "en": "Objectives"},
        "message": {"de": "Unbekanntes Ziel „z“.", "en": "Unknown objective 'z'."},
    }


def test_an_unverified_section_is_acknowledged_with_its_mark_not_as_fact() -> None:
    verdict = golden_verdict()
    failing = verdict.results[1]._replace(section_verified=False, source="FRL LIfD")
    record = Acknowledgement(SUBMITTER.id, RECEIVED, (failing,)).record()
    citation = record["rules"][0]["citation"]  # type: ignore[index,call-overload]
    assert citation == {"de": failing.citation.de, "en": failing.citation.en}
    assert "Nr. 2" not in citation["de"]
    assert citation["de"].startswith("FRL LIfD")


def test_nothing_to_acknowledge_and_no_authority_are_null() -> None:
    snapshot = build_snapshot(
        **{**golden_inputs(), "acknowledgement": None, "authority": None, "declarations": ()}
    )
    assert snapshot["acknowledgement"] is None
    assert snapshot["authority"] is None
    assert snapshot["declarations"] == []


def test_the_authority_and_the_labels_are_frozen() -> None:
    snapshot = build_snapshot(**golden_inputs())
    assert snapshot["authority"] == {
        "name": "Sächsische Aufbaubank – Förderbank –",
        "unit": "Bewilligungsstelle FRL LIfD",
        "street": "Pirnaische Straße 9",
        "postal_code": "01069",
        "city": "Dresden",
        "phone": "0351 4910-0",
        "email": "lifd@sab.example",
        "website": None,
        "on_behalf_of": "im Auftrag des Sächsischen Staatsministeriums",
        "assumption": False,
    }
    assert snapshot["call_title"] == {"de": "1. Förderaufruf LIfD", "en": "1st call LIfD"}
    assert snapshot["funding_line_label"]["de"] == "Stationärer LIfD"


def test_only_failing_rules_are_acknowledged_and_open_ones_are_listed_for_review() -> None:
    verdict = golden_verdict()
    assert [r.rule_id for r in to_acknowledge(verdict)] == ["objectives_known"]
    assert [r.rule_id for r in to_review(verdict)] == ["de_minimis"]
