"""Jury scoring: weighted totals, sheet validation, final score and thresholds, disagreement,
Krippendorff's alpha against published reference values, normalised scores."""

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.agreement import (
    ALPHA_METHOD,
    call_agreement,
    krippendorff_alpha_interval,
    normalised_scores,
)
from grants.core.errors import InvalidInput
from grants.core.guideline import Criterion, Rubric, Text
from grants.core.scoring import (
    ApplicationScores,
    CriterionMinimumRule,
    CriterionScore,
    ScoreSheet,
    ScoringPolicy,
    aggregate,
    sheet_problems,
    validate_sheet,
    weighted_total,
)
from tests.unit.core.guideline_fixtures import lifd

D = Decimal
RUBRIC = lifd().rubric
POLICY = ScoringPolicy.from_rubric(RUBRIC)
CODES = tuple(c.code for c in RUBRIC.criteria)  # K1 … K6, weights 20/15/15/15/20/15


def sheet(evaluator: str, *scores: int, text: str = "Begründung") -> ScoreSheet:
    return ScoreSheet(
        evaluator, tuple(CriterionScore(c, s, text) for c, s in zip(CODES, scores, strict=True))
    )


def application(*sheets: ScoreSheet, app_id: str = "a1") -> ApplicationScores:
    return ApplicationScores(
        app_id, f"REF-{app_id}", datetime(2024, 3, 1, tzinfo=UTC), "stationary", D(1000), sheets
    )


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in error.value.problems}


# --- weighted total -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "total"),
    [
        ((5, 5, 5, 5, 5, 5), "100.00"),
        ((0, 0, 0, 0, 0, 0), "0.00"),
        ((3, 3, 3, 3, 3, 3), "60.00"),
        ((5, 0, 0, 0, 0, 0), "20.00"),  # K1 weight 20
        ((0, 5, 0, 0, 0, 0), "15.00"),
        ((0, 0, 0, 0, 5, 0), "20.00"),  # K5 weight 20
        ((1, 2, 3, 4, 5, 0), "51.00"),  # 4 + 6 + 9 + 12 + 20 + 0
    ],
)
def test_weighted_total_table(scores: tuple[int, ...], total: str) -> None:
    expected = sum(Fraction(c.weight * s, 5) for c, s in zip(RUBRIC.criteria, scores, strict=True))
    assert D(total) == D(expected.numerator) / D(expected.denominator)
    assert weighted_total(sheet("e", *scores), POLICY) == D(total)


@given(st.lists(st.integers(0, 5), min_size=6, max_size=6))
def test_weighted_total_is_within_0_and_100_and_exact(scores: list[int]) -> None:
    total = weighted_total(sheet("e", *scores), POLICY)
    assert D(0) <= total <= D(100)
    assert total.as_tuple().exponent == -2
    exact = sum(Fraction(c.weight * s, 5) for c, s in zip(RUBRIC.criteria, scores, strict=True))
    assert abs(Fraction(total) - exact) <= Fraction(1, 200)


def _rubric(scale: tuple[int, int], *weights: int) -> Rubric:
    criteria = tuple(Criterion(f"C{i}", Text("x", "x"), w) for i, w in enumerate(weights, 1))
    return Rubric(criteria, scale[0], scale[1], D(60), 1)


def test_rounding_is_half_up_once_on_the_exact_value() -> None:
    # Scale 0–8, weight 1: score 1 is 0.125 points; half up gives 0.13 (half even: 0.12).
    policy = ScoringPolicy.from_rubric(_rubric((0, 8), 1, 99))
    scores = (CriterionScore("C1", 1, "x"), CriterionScore("C2", 0, "x"))
    assert weighted_total(ScoreSheet("e", scores), policy) == D("0.13")
    # Scale 1–4 (span 3): 50 × 1/3 = 16.666… → 16.67, from the scale's minimum.
    policy = ScoringPolicy.from_rubric(_rubric((1, 4), 50, 50))
    scores = (CriterionScore("C1", 2, "x"), CriterionScore("C2", 1, "x"))
    assert weighted_total(ScoreSheet("e", scores), policy) == D("16.67")


def test_criterion_order_in_the_sheet_does_not_matter() -> None:
    shuffled = ScoreSheet("e", tuple(reversed(sheet("e", 1, 2, 3, 4, 5, 0).scores)))
    assert weighted_total(shuffled, POLICY) == weighted_total(sheet("e", 1, 2, 3, 4, 5, 0), POLICY)


# --- validation -----------------------------------------------------------------------------

VALID = sheet("e", 3, 3, 3, 3, 3, 3).scores


@pytest.mark.parametrize(
    ("scores", "field", "rule"),
    [
        (VALID[:5], "scores.K6", "required"),
        ((*VALID, CriterionScore("K1", 2, "nochmal")), "scores.K1", "duplicate"),
        ((*VALID, CriterionScore("K9", 2, "x")), "scores.K9", "unknown_criterion"),
        ((CriterionScore("K1", 2.5, "x"), *VALID[1:]), "scores.K1.score", "not_integer"),  # type: ignore[arg-type]
        ((CriterionScore("K1", True, "x"), *VALID[1:]), "scores.K1.score", "not_integer"),
        ((CriterionScore("K1", D(3), "x"), *VALID[1:]), "scores.K1.score", "not_integer"),  # type: ignore[arg-type]
        ((CriterionScore("K1", 6, "x"), *VALID[1:]), "scores.K1.score", "out_of_scale"),
        ((CriterionScore("K1", -1, "x"), *VALID[1:]), "scores.K1.score", "out_of_scale"),
        ((CriterionScore("K1", 3, ""), *VALID[1:]), "scores.K1.justification",
         "justification_required"),
        ((CriterionScore("K1", 3, " \n"), *VALID[1:]), "scores.K1.justification",
         "justification_required"),
        ((), "scores.K1", "required"),
    ],
)  # fmt: skip
def test_each_sheet_problem_is_named(
    scores: tuple[CriterionScore, ...], field: str, rule: str
) -> None:
    bad = ScoreSheet("e", scores)
    with pytest.raises(InvalidInput) as error:
        validate_sheet(bad, RUBRIC)
    assert (field, rule) in problems_of(error)
    assert all("(" in p.message and p.message.endswith(")") for p in error.value.problems)
    # The fast path of the aggregation rejects it too, with the evaluator in the field.
    with pytest.raises(InvalidInput) as error:
        aggregate(application(bad), POLICY)
    assert (f"sheets.e.{field}", rule) in problems_of(error)
    with pytest.raises(InvalidInput):
        weighted_total(bad, POLICY)


def test_all_problems_of_a_sheet_are_named_at_once() -> None:
    bad = ScoreSheet(
        "e",
        (
            CriterionScore("K1", 7, ""),
            CriterionScore("K1", 3, "x"),
            CriterionScore("K2", 3, "x"),
            CriterionScore("X", 1, "x"),
        ),
    )
    assert {(p.field, p.rule) for p in sheet_problems(bad, RUBRIC)} == {
        ("scores.K1.score", "out_of_scale"),
        ("scores.K1.justification", "justification_required"),
        ("scores.K1", "duplicate"),
        ("scores.X", "unknown_criterion"),
        ("scores.K3", "required"),
        ("scores.K4", "required"),
        ("scores.K5", "required"),
        ("scores.K6", "required"),
    }
    assert sheet_problems(sheet("e", 0, 1, 2, 3, 4, 5), RUBRIC) == []


def test_an_evaluator_with_two_sheets_is_rejected() -> None:
    with pytest.raises(InvalidInput) as error:
        aggregate(application(sheet("e", *[3] * 6), sheet("e", *[4] * 6)), POLICY)
    assert problems_of(error) == {("sheets.e", "duplicate_evaluator")}


# --- final score and thresholds -------------------------------------------------------------


def test_final_score_is_the_mean_of_the_totals_rounded_once() -> None:
    # K1 4 instead of 3 adds 4 points: totals 60, 60, 64, mean 61.333… → 61.33.
    result = aggregate(
        application(sheet("a", *[3] * 6), sheet("b", *[3] * 6), sheet("c", 4, 3, 3, 3, 3, 3)),
        POLICY,
    )
    assert [t.total for t in result.evaluator_totals] == [D("60.00"), D("60.00"), D("64.00")]
    assert result.final_score == D("61.33")
    assert result.mean("K1") == D("3.33")
    assert result.criterion_means == (D("3.33"), *[D("3.00")] * 5)
    assert result.passes_thresholds
    assert result.tie_break_means == (D("3.33"),)


@pytest.mark.parametrize(
    ("third", "final", "passes"),
    [
        ((3, 3, 3, 3, 3, 3), "60.00", True),  # exactly the minimum total passes
        ((3, 2, 3, 3, 3, 3), "59.00", False),  # 60, 60, 57
        ((3, 3, 3, 3, 3, 4), "61.00", True),
    ],
)
def test_minimum_total_boundary(third: tuple[int, ...], final: str, passes: bool) -> None:
    result = aggregate(application(sheet("a", *[3] * 6), sheet("b", *[3] * 6), sheet("c", *third)),
                       POLICY)  # fmt: skip
    assert result.final_score == D(final)
    assert result.passes_thresholds is passes
    if not passes:
        (failure,) = result.failures
        assert (failure.rule, failure.required, failure.actual) == (
            "minimum_total",
            D(60),
            D(final),
        )
        assert "59,00" in failure.reason.de and "59.00" in failure.reason.en


@pytest.mark.parametrize(
    ("k5", "rule", "passes"),
    [
        ((2, 2, 2), CriterionMinimumRule.MEAN, True),  # mean exactly 2 passes
        ((3, 2, 1), CriterionMinimumRule.MEAN, True),  # mean 2.00
        ((2, 2, 1), CriterionMinimumRule.MEAN, False),  # mean 1.67
        ((3, 3, 1), CriterionMinimumRule.MEAN, True),  # mean 2.33: one harsh evaluator alone
        ((3, 3, 1), CriterionMinimumRule.EACH_EVALUATOR, False),
        ((2, 2, 2), CriterionMinimumRule.EACH_EVALUATOR, True),
    ],
)
def test_minimum_score_of_the_sustainability_criterion(
    k5: tuple[int, int, int], rule: CriterionMinimumRule, passes: bool
) -> None:
    policy = replace(POLICY, criterion_minimum_rule=rule)
    sheets = [sheet(e, 5, 5, 5, 5, s, 5) for e, s in zip("abc", k5, strict=True)]
    result = aggregate(application(*sheets), policy)
    assert result.passes_thresholds is passes
    if not passes:
        (failure,) = result.failures
        assert failure.rule == "minimum_score"
        assert failure.criterion is not None and failure.criterion.code == "K5"
        assert failure.required == D(2)
        assert "K5" in failure.reason.de and "Nachhaltigkeit" in failure.reason.de
        assert "Sustainability" in failure.reason.en


def test_too_few_evaluations_fail_and_none_gives_no_score() -> None:
    two = aggregate(application(sheet("a", *[5] * 6), sheet("b", *[5] * 6)), POLICY)
    assert [f.rule for f in two.failures] == ["minimum_evaluators"]
    assert two.final_score == D(100)
    assert "2 von 3" in two.failures[0].reason.de
    none = aggregate(application(), POLICY)
    assert none.final_score is None
    assert none.criterion_means == ()
    assert none.mean("K1") is None
    assert none.evaluator_totals == ()
    assert none.disagreements == ()
    assert [f.rule for f in none.failures] == ["minimum_evaluators"]


@given(st.permutations(range(3)), st.lists(st.integers(0, 5), min_size=18, max_size=18))
def test_sheet_order_does_not_change_the_aggregate(order: list[int], scores: list[int]) -> None:
    sheets = [sheet(e, *scores[i * 6 : i * 6 + 6]) for i, e in enumerate("abc")]
    first = aggregate(application(*sheets), POLICY)
    second = aggregate(application(*[sheets[i] for i in order]), POLICY)
    assert first.final_score == second.final_score
    assert first.evaluator_totals == second.evaluator_totals
    assert first.failures == second.failures
    assert D(0) <= (first.final_score or D(0)) <= D(100)
    # The mean of the totals, rounded once.
    exact = sum((Fraction(t.total) for t in first.evaluator_totals), Fraction(0)) / 3
    assert abs(Fraction(first.final_score or 0) - exact) <= Fraction(1, 200)


# --- disagreement ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "flags"),
    [
        ((3, 3, 3, 3, 3, 3), (4, 4, 4, 4, 4, 4), []),  # totals 60 / 80: spread 20 = bound
        ((3, 3, 3, 3, 3, 3), (5, 4, 4, 4, 4, 4), [None]),  # 60 / 84: 24 > 20
        ((3, 1, 3, 3, 3, 3), (3, 3, 3, 3, 3, 3), []),  # K2 spread 2 = bound
        ((3, 1, 3, 3, 3, 3), (3, 4, 3, 3, 3, 3), ["K2"]),  # K2 spread 3, totals 9 apart
        ((0, 0, 0, 0, 0, 0), (5, 5, 5, 5, 5, 5), [None, *CODES]),
    ],
)
def test_disagreement_boundaries(
    a: tuple[int, ...], b: tuple[int, ...], flags: list[str | None]
) -> None:
    result = aggregate(application(sheet("a", *a), sheet("b", *b), sheet("c", *a)), POLICY)
    assert [d.criterion for d in result.disagreements] == flags
    assert result.needs_moderation is bool(flags)
    for d in result.disagreements:
        assert d.spread > d.bound
        assert "mehr als" in d.reason.de and "more than" in d.reason.en


def test_disagreement_bounds_are_configurable() -> None:
    policy = replace(POLICY, max_total_spread=D(10), max_criterion_spread=0)
    result = aggregate(
        application(sheet("a", *[3] * 6), sheet("b", 4, 3, 3, 3, 3, 3), sheet("c", *[3] * 6)),
        policy,
    )
    assert [(d.criterion, d.spread) for d in result.disagreements] == [("K1", D(1))]


# --- Krippendorff's alpha -------------------------------------------------------------------

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the reliability data
# with three coders and missing values, reproduced in Wikipedia, "Krippendorff's alpha", "A
# computational example": α(nominal) = 0.691, α(interval) = 0.811. The interval value to six
# places, 0.810845, is also the reference in the test suite of the `krippendorff` package
# (pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py::test_interval_metric).
WIKIPEDIA = [
    [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
    [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
    [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],
]
# Krippendorff (2011), section "C. Multiple observers, any metric, missing values": four
# observers, twelve units; α(interval) = 0.849 (nominal 0.743, ordinal 0.815, ratio 0.797).
FOUR_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def units(matrix: list[list[int | None]]) -> list[list[int]]:
    return [[v for v in column if v is not None] for column in zip(*matrix, strict=True)]


def test_alpha_reference_values() -> None:
    wiki = krippendorff_alpha_interval(units(WIKIPEDIA))
    assert wiki.alpha is not None and round(wiki.alpha, 6) == 0.810845
    assert (wiki.units, wiki.pairable_values) == (12, 26)  # units 1 and 14 are not pairable
    four = krippendorff_alpha_interval(units(FOUR_OBSERVERS))
    assert four.alpha is not None and round(four.alpha, 3) == 0.849
    assert (four.units, four.pairable_values) == (11, 40)  # unit 12 has one value
    assert four.method == ALPHA_METHOD


@pytest.mark.parametrize(
    ("data", "alpha"),
    [
        ([[1, 1, 1], [2, 2], [3, 3, 3]], 1.0),  # perfect agreement
        ([[1, 1], [2, 2, 2], [3], [4, 4]], 1.0),  # with missing ratings
        ([[2, 2], [2, 2]], None),  # no variation at all: undefined
        ([[1], [2], [3]], None),  # nothing pairable
        ([], None),
        ([[1, 2], [2, 1]], -0.5),  # systematic disagreement: below 0 (1 − 3/2)
    ],
)
def test_alpha_edge_cases(data: list[list[int]], alpha: float | None) -> None:
    assert krippendorff_alpha_interval(data).alpha == alpha


def naive_alpha(data: list[list[int]]) -> float | None:
    """The definition, literally: coincidences of ordered value pairs within units."""
    pairable = [u for u in data if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    if n < 2:
        return None
    observed = sum(
        (Fraction((a - b) ** 2, len(u) - 1) for u in pairable
         for a, b in itertools.permutations(u, 2)),
        Fraction(0),
    ) / n  # fmt: skip
    expected = sum(
        (Fraction((a - b) ** 2) for a, b in itertools.permutations(values, 2)), Fraction(0)
    ) / (n * (n - 1))
    return None if expected == 0 else float(1 - observed / expected)


@given(st.lists(st.lists(st.integers(0, 100), max_size=5), max_size=12))
def test_alpha_matches_the_pairwise_definition(data: list[list[int]]) -> None:
    assert krippendorff_alpha_interval(data).alpha == pytest.approx(naive_alpha(data), abs=1e-12)


def test_call_agreement_over_applications_with_different_evaluators() -> None:
    apps = [
        application(sheet("a", *[s] * 6), sheet("b", *[s] * 6), sheet("c", *[s] * 6), app_id=i)
        for i, s in (("1", 1), ("2", 3), ("3", 5))
    ] + [application(sheet("d", *[2] * 6), sheet("a", *[2] * 6), app_id="4")]
    result = call_agreement([aggregate(a, POLICY) for a in apps], POLICY)
    assert result.totals.alpha == 1.0
    assert result.totals.units == 4 and result.totals.pairable_values == 11
    assert [code for code, _ in result.criteria] == list(CODES)
    assert all(r.alpha == 1.0 for _, r in result.criteria)
    noisy = [application(sheet("a", 5, 0, 5, 0, 5, 0), sheet("b", 0, 5, 0, 5, 0, 5), app_id="5")]
    worse = call_agreement([aggregate(a, POLICY) for a in apps + noisy], POLICY)
    assert worse.totals.alpha is not None and worse.totals.alpha < 1.0


# --- normalised scores ----------------------------------------------------------------------


def test_z_scores_reveal_a_lenient_evaluator_without_touching_the_raw_score() -> None:
    apps = [
        application(sheet("strict", *[s] * 6), sheet("lenient", *[s + 1] * 6), app_id=str(s))
        for s in (1, 2, 3)
    ]
    aggregates = [aggregate(a, POLICY) for a in apps]
    scores, profiles = normalised_scores(aggregates)
    by_id = {p.evaluator_id: p for p in profiles}
    assert by_id["lenient"].mean == pytest.approx(by_id["strict"].mean + 20)
    assert by_id["lenient"].ratings == 3
    # Relative to each evaluator's own scale, both say the same thing.
    for score in scores:
        zs = dict(score.z_scores)
        assert zs["strict"] == pytest.approx(zs["lenient"])
    assert [s.final_score for s in scores] == [a.final_score for a in aggregates]
    assert scores[0].mean_z == pytest.approx(-1.224744871, abs=1e-6)


def test_z_score_is_none_for_an_evaluator_without_spread() -> None:
    scores, _ = normalised_scores([aggregate(application(sheet("a", *[3] * 6)), POLICY)])
    assert scores[0].z_scores == (("a", None),)
    assert scores[0].mean_z is None


# --- policy ---------------------------------------------------------------------------------


def test_policy_defaults_come_from_the_rubric() -> None:
    assert POLICY.minimum_total == D(60)
    assert POLICY.minimum_scores == (("K5", 2),)
    assert POLICY.minimum_evaluators == 3
    assert POLICY.tie_break_criteria == ("K1",)
    assert POLICY.max_total_spread == D(20)
    assert POLICY.max_criterion_spread == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minimum_total": D(101)}, "minimum_total"),
        ({"minimum_scores": (("K9", 2),)}, "minimum_scores.K9"),
        ({"minimum_scores": (("K5", 6),)}, "minimum_scores.K5"),
        ({"tie_break_criteria": ("K7",)}, "tie_break_criteria"),
        ({"max_total_spread": D(-1)}, "max_spread"),
    ],
)
def test_invalid_policies_are_rejected(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        replace(POLICY, **change)  # type: ignore[arg-type]
    assert field in {p.field for p in error.value.problems}
