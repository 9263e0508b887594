"""Guideline files: the shipped one loads; a broken one names file, key and reason."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from grants.guidelines.loader import SHIPPED, GuidelineError, load_guideline, parse_guideline

SOURCE = (SHIPPED / "frl-lifd-2023.yaml").read_text("utf-8")


def _edited(edit: object) -> str:
    document = yaml.safe_load(SOURCE)
    edit(document)  # type: ignore[operator]
    return yaml.safe_dump(document, allow_unicode=True)


def test_shipped_guideline_loads_with_both_calls() -> None:
    guideline = load_guideline(SHIPPED / "frl-lifd-2023.yaml")
    assert (guideline.id, guideline.version) == ("frl-lifd", "2023-11-30")
    assert [c.code for c in guideline.calls] == ["2024-1", "demo"]
    assert guideline.line("stationary").max_grant == 400000  # type: ignore[union-attr]
    assert sum(c.weight for c in guideline.rubric.criteria) == 100


def test_hash_ignores_formatting_but_not_meaning() -> None:
    original = parse_guideline(SOURCE, source="a").content_hash
    reformatted = parse_guideline(
        "# a comment\n" + SOURCE.replace("\n\n", "\n"), source="b"
    ).content_hash
    changed = parse_guideline(
        SOURCE.replace('minimum_grant: "2500.00"', 'minimum_grant: "20000.00"'), source="c"
    )
    assert original == reformatted
    assert changed.content_hash != original


def _error(text: str) -> str:
    with pytest.raises(GuidelineError) as caught:
        parse_guideline(text, source="broken.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("edit", "key", "reason"),
    [
        (lambda d: d["lines"][0].update(max_grant=400000.0), "lines.0.max_grant", "quoted decimal"),
        (
            lambda d: d["lines"][0].update(max_grant="400000.001"),
            "lines.0.max_grant",
            "two decimal",
        ),
        (
            lambda d: d["cost_categories"][0].update(max_rate="1.5"),
            "cost_categories.0.max_rate",
            "less than or equal to 1",
        ),
        (lambda d: d.pop("minimum_grant"), "minimum_grant", "Field required"),
        (lambda d: d["rules"].pop("de_minimis"), "rules.de_minimis", "missing"),
        (
            lambda d: d["rules"].update(
                flying={
                    "section": "x",
                    "title": {"de": "x", "en": "x"},
                    "explanation": {"de": "x", "en": "x"},
                }
            ),
            "rules.flying",
            "unknown rule",
        ),
        (
            lambda d: d["calls"][0]["lines"].append("airborne"),
            "calls.0.lines.2",
            "unknown funding line",
        ),
        (
            lambda d: d["calls"][0].update(deadline_at="2024-03-15T23:59:59"),
            "calls.0.deadline_at",
            "UTC offset",
        ),
        (
            lambda d: d["rubric"]["criteria"][0].update(weight=25),
            "rubric.criteria",
            "add up to 100",
        ),
        (
            lambda d: d["applicant_types"].append(dict(d["applicant_types"][0])),
            "applicant_types.8.code",
            "duplicate",
        ),
        (
            lambda d: d["cost_categories"][4].pop("reason"),
            "cost_categories.4.reason",
            "need a reason",
        ),
        (lambda d: d.update(surprise=1), "surprise", "Extra inputs"),
        (
            lambda d: d["rules"]["minimum_grant"].update(section_verified=False),
            "rules.minimum_grant.source",
            "unverified section needs a source",
        ),
        (
            lambda d: d["cost_categories"][0].pop("source"),
            "cost_categories.0.source",
            "unverified section needs a source",
        ),
        (
            lambda d: d["applicant_types"][6].pop("reason"),
            "applicant_types.6.reason",
            "need a reason",
        ),
        (lambda d: d["vat"].update(rate="1.19"), "vat.rate", "less than 1"),
        (lambda d: d["rounding"].update(mode="half_up"), "rounding.mode", "down_to_full_euro"),
        (
            lambda d: d["calls"][0]["assumptions"].update(budgte=True),
            "calls.0.assumptions.budgte",
            "Extra inputs",
        ),
        (lambda d: d["rubric"].update(tie_breaks=["K9"]), "rubric.tie_breaks.0", "unknown"),
        (lambda d: d["rubric"].update(misfit="squeeze"), "rubric.misfit", "skip_and_continue"),
        (
            lambda d: d["rubric"].update(disagreement={"max_total_spread": 20}),
            "rubric.disagreement",
            "quoted decimal",
        ),
    ],
)
def test_errors_name_file_key_and_reason(edit: object, key: str, reason: str) -> None:
    message = _error(_edited(edit))
    assert "broken.yaml" in message
    assert key in message
    assert reason in message


def test_invalid_yaml_is_refused() -> None:
    assert "not valid YAML" in _error("lines: [unclosed")


def test_load_reports_the_path(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text("id: x\n", "utf-8")
    with pytest.raises(GuidelineError, match=str(path)):
        load_guideline(path)


def test_the_scoring_settings_come_from_the_file() -> None:
    from grants.core.scoring import CriterionMinimumRule, MisfitRule, ScoringPolicy

    shipped = ScoringPolicy.from_rubric(load_guideline(SHIPPED / "frl-lifd-2023.yaml").rubric)
    assert shipped.tie_break_criteria == ("K1",)
    assert shipped.misfit_rule is MisfitRule.SKIP_AND_CONTINUE
    assert shipped.max_total_spread == 20

    def stricter(d: dict) -> None:  # type: ignore[type-arg]
        d["rubric"].update(
            criterion_minimum_rule="each_evaluator",
            disagreement={"max_total_spread": "15", "max_criterion_spread": 1},
            tie_breaks=["K5", "K1"],
            misfit="stop",
            reserve_size=3,
        )

    policy = ScoringPolicy.from_rubric(parse_guideline(_edited(stricter), source="s").rubric)
    assert policy.criterion_minimum_rule is CriterionMinimumRule.EACH_EVALUATOR
    assert (policy.max_total_spread, policy.max_criterion_spread) == (15, 1)
    assert policy.tie_break_criteria == ("K5", "K1")
    assert (policy.misfit_rule, policy.reserve_size) == (MisfitRule.STOP, 3)


def test_the_shipped_data_states_what_is_verified_and_what_is_assumed() -> None:
    guideline = load_guideline(SHIPPED / "frl-lifd-2023.yaml")
    raw = yaml.safe_load(SOURCE)
    # Every rule states the flag itself; every unverified one names the instrument instead.
    for rule_id, rule in raw["rules"].items():
        assert "section_verified" in rule, rule_id
        assert rule["section_verified"] or rule.get("source"), rule_id
    verified = {r.id for r in guideline.rules if r.section_verified}
    assert verified == {
        "location_in_saxony",
        "received_before_deadline",
        "funding_objective_chosen",
        "funding_line_offered",
        "minimum_grant",
        "de_minimis",
    }
    unverified = [b.de for b in guideline.legal_bases if not b.verified]
    assert unverified == [
        "Verordnung (EU) 2023/2831 (De-minimis-Beihilfen), soweit die Zuwendung eine Beihilfe ist"
    ]
    fund_law = next(b for b in guideline.legal_bases if "Sondervermögen" in b.de)
    assert "§ 2 Abs. 3 Buchst. a bis e" in fund_law.de and fund_law.verified
    assert "SächsGVBl. S. 782" in fund_law.de
    subsidy_law = next(b for b in guideline.legal_bases if "14. Januar 1997" in b.de)
    assert "§§ 2 bis 6 Subventionsgesetz" in subsidy_law.de and subsidy_law.verified
    assert (guideline.rounding.mode, guideline.rounding.assumption) == ("down_to_full_euro", True)
    assert (guideline.vat.rate, guideline.vat.assumption) == (Decimal("0.19"), True)
    first = guideline.call("2024-1")
    assert first is not None
    assert first.assumptions.budget and first.assumptions.line_budgets
    assert all(line.section_verified for line in guideline.lines)
    assert not any(c.section_verified for c in guideline.cost_categories)
    # The guideline's own explanation no longer states the rounding as its content.
    explanation = guideline.rule("grant_within_fundable").explanation.de
    assert "Annahme, keine Vorgabe der Richtlinie" in explanation


def test_the_wording_is_zuwendungsfaehig_throughout() -> None:
    assert "förderfähig" not in SOURCE
    assert "Bewilligungszeitraum beträgt" not in SOURCE


def test_a_document_written_before_the_flags_still_loads_as_unverified() -> None:
    """Stored guideline versions are re-read for old verdicts: every flag added later
    defaults to the safe reading (unverified, assumed)."""

    def old(d: dict) -> None:  # type: ignore[type-arg]
        for rule in d["rules"].values():
            rule.pop("section_verified")
            rule.pop("source", None)
        for item in (*d["cost_categories"], *d["lines"]):
            item.pop("section_verified")
            item.pop("source", None)
        for kind in d["applicant_types"]:
            kind.pop("reason", None)
        d["legal_bases"] = [{"de": b["de"], "en": b["en"]} for b in d["legal_bases"]]
        for call in d["calls"]:
            call.pop("assumptions")
        d.pop("vat")
        d.pop("rounding")

    guideline = parse_guideline(_edited(old), source="old.yaml")
    assert not any(r.section_verified for r in guideline.rules)
    rule = guideline.rule("applicant_type_eligible")
    assert rule.citation.de == "FRL LIfD Nr. 3 (Fundstelle ungeprüft)"
    assert not any(b.verified for b in guideline.legal_bases)
    assert guideline.vat.rate == Decimal("0.19") and guideline.rounding.assumption
