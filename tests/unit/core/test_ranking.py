"""Ranking, funding line and what-if: tie-breaks by criteria only and ties shown as ties (also
at the funding line), skip-and-continue vs stop, reserve list, budget exactly used, what-if
diffs, determinism (Hypothesis properties)."""

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.core.errors import InvalidInput
from grants.core.ranking import (
    FundingStatus,
    NotFundedReason,
    evaluate_call,
    evaluate_line,
    funding_line,
    rank,
    tie_groups,
    what_if,
)
from grants.core.scoring import (
    Aggregate,
    ApplicationScores,
    CriterionScore,
    MisfitRule,
    ScoreSheet,
    ScoringPolicy,
    aggregate_all,
)
from tests.unit.core.guideline_fixtures import lifd

D = Decimal
POLICY = ScoringPolicy.from_rubric(lifd().rubric)
STOP = replace(POLICY, misfit_rule=MisfitRule.STOP)
CODES = ("K1", "K2", "K3", "K4", "K5", "K6")
T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)


def app(
    app_id: str,
    *rows: tuple[int, ...],
    grant: str = "100",
    minute: int = 0,
    reference: str | None = None,
    line: str = "stationary",
) -> ApplicationScores:
    sheets = tuple(
        ScoreSheet(
            f"ev{i}", tuple(CriterionScore(c, s, "ok") for c, s in zip(CODES, row, strict=True))
        )
        for i, row in enumerate(rows)
    )
    return ApplicationScores(
        app_id, reference or f"REF-{app_id}", T0 + timedelta(minutes=minute), line, D(grant), sheets
    )


def uniform(app_id: str, score: int, **kwargs: object) -> ApplicationScores:
    """Three evaluators giving ``score`` on every criterion: total 20 × score."""
    return app(app_id, *[(score,) * 6] * 3, **kwargs)  # type: ignore[arg-type]


def order(applications: list[ApplicationScores], policy: ScoringPolicy = POLICY) -> list[str]:
    return [a.application_id for a in rank(aggregate_all(applications, policy), policy)]


# --- ranking --------------------------------------------------------------------------------


def test_ranked_by_final_score_descending() -> None:
    assert order([uniform("low", 3), uniform("top", 5), uniform("mid", 4)]) == ["top", "mid", "low"]


def test_ties_are_broken_by_the_criteria_only_and_shown_as_ties() -> None:
    # All six at 60 points; K1 and K5 both weigh 20, so trading one for the other keeps the
    # total and changes only the K1 mean.
    higher_k1 = app("k1", *[(4, 3, 3, 3, 2, 3)] * 3, minute=50)
    lower_k1 = app("k5", *[(2, 3, 3, 3, 4, 3)] * 3, minute=0)
    early = uniform("early", 3, minute=1, reference="REF-9")
    late = uniform("late", 3, minute=2, reference="REF-0")
    same_time_b = uniform("b", 3, minute=3, reference="REF-B")
    same_time_a = uniform("a", 3, minute=3, reference="REF-A")
    applications = [late, same_time_b, lower_k1, same_time_a, early, higher_k1]
    aggregates = {a.application_id: a for a in aggregate_all(applications, POLICY)}
    assert {a.final_score for a in aggregates.values()} == {D(60)}
    assert aggregates["k1"].mean("K1") == D(4)
    # K1 decides between k1, the four equal ones and k5; the four stay tied, listed by
    # reference number for display only (never by receipt time).
    assert order(applications) == ["k1", "late", "early", "a", "b", "k5"]
    result = evaluate_line(applications, D(10_000), POLICY)
    assert [(e.application_id, e.rank, e.position, e.tie_size) for e in result.entries] == [
        ("k1", 1, 1, 1),
        ("late", 2, 2, 4),
        ("early", 2, 3, 4),
        ("a", 2, 4, 4),
        ("b", 2, 5, 4),
        ("k5", 6, 6, 1),
    ]
    assert "Rang 2 (gleichauf)" in result.entries[2].explanation().de
    assert result.ties_at_line == ()  # the budget reaches them all


def naive_rank(aggregates: list[Aggregate]) -> list[str]:
    """The rule this replaced: after the criteria, the earlier receipt wins."""
    return [
        a.application_id
        for a in sorted(
            aggregates,
            key=lambda a: (
                -(a.final_score or 0),
                [-m for m in a.tie_break_means],
                a.application.received_at,
            ),
        )
    ]


def test_a_correction_before_the_deadline_costs_no_place_unlike_the_naive_receipt_rule() -> None:
    # Two equal proposals; "corrected" was resubmitted (so received later) before the
    # deadline, and its reference number happens to sort first.
    kept = uniform("kept", 4, minute=0, reference="REF-2", grant="60")
    corrected = uniform("corrected", 4, minute=30, reference="REF-1", grant="60")
    aggregates = aggregate_all([kept, corrected], POLICY)
    assert naive_rank(aggregates) == ["kept", "corrected"]  # receipt time decides: unequal
    result = evaluate_line([kept, corrected], D(60), POLICY)
    first, second = result.entries
    assert (first.rank, second.rank) == (1, 1)  # one shared rank, whatever the receipt
    # Only one fits: the funding line cuts the tie, and says so instead of choosing.
    assert first.tie_at_line and second.tie_at_line
    assert [[e.application_id for e in tie] for tie in result.ties_at_line] == [
        ["corrected", "kept"]
    ]
    assert "Gleichstand an der Förderlinie" in second.explanation().de
    assert "the jury decides" in first.explanation().en


@pytest.mark.parametrize(
    ("policy", "grants", "budget", "cut"),
    [
        (POLICY, ("5", "5"), "5", True),  # either one: the order would choose
        (POLICY, ("5", "5"), "10", False),  # both fit
        (POLICY, ("5", "5"), "4", False),  # neither fits
        (POLICY, ("5", "3"), "4", False),  # only the 3 can fit, in any order
        (POLICY, ("3", "2", "2"), "4", True),  # 3 or 2+2 …
        (STOP, ("5", "3"), "4", True),  # 5 first ends the line; 3 first is funded
        (STOP, ("5", "5"), "4", False),  # the line ends at the tie in any order
        (STOP, ("2", "2"), "4", False),
    ],
)
def test_a_tie_is_reported_at_the_funding_line_exactly_when_the_order_would_decide(
    policy: ScoringPolicy, grants: tuple[str, ...], budget: str, cut: bool
) -> None:
    tied = [uniform(f"t{i}", 4, grant=grant) for i, grant in enumerate(grants)]
    result = evaluate_line([uniform("top", 5, grant="0"), *tied], D(budget), policy)
    assert [e.tie_at_line for e in result.entries[1:]] == [cut] * len(grants)
    assert len(result.ties_at_line) == int(cut)
    assert not result.entries[0].tie_at_line


def test_a_tied_entry_failing_a_threshold_is_not_part_of_the_cut() -> None:
    # Same total and K1 mean, but K5 below its minimum: tied in the ranking, never funded.
    passing = app("pass", *[(4, 3, 3, 3, 4, 2)] * 3, grant="5")
    failing = app("fail", *[(4, 4, 4, 4, 1, 3)] * 3, grant="5")
    result = evaluate_line([passing, failing, uniform("other", 3, grant="5")], D(5), POLICY)
    by_id = {e.application_id: e for e in result.entries}
    assert by_id["pass"].rank == by_id["fail"].rank
    assert by_id["fail"].reason is NotFundedReason.THRESHOLD
    assert not by_id["pass"].tie_at_line and result.ties_at_line == ()


def test_tie_break_criteria_are_configurable() -> None:
    higher_k1 = app("k1", *[(4, 3, 3, 3, 2, 3)] * 3)
    higher_k5 = app("k5", *[(2, 3, 3, 3, 4, 3)] * 3, minute=-1)
    assert order([higher_k1, higher_k5]) == ["k1", "k5"]
    assert order([higher_k1, higher_k5], replace(POLICY, tie_break_criteria=("K5",))) == [
        "k5",
        "k1",
    ]
    # Without criteria they are tied: one rank, listed by reference (REF-k1 < REF-k5), the
    # earlier receipt of k5 notwithstanding.
    no_criteria = replace(POLICY, tie_break_criteria=())
    assert order([higher_k1, higher_k5], no_criteria) == ["k1", "k5"]
    tied = evaluate_line([higher_k1, higher_k5], D(0), no_criteria).entries
    assert [(e.rank, e.tie_size) for e in tied] == [(1, 2), (1, 2)]


def test_unscored_applications_come_last_and_failing_ones_keep_their_place() -> None:
    k5_fails = app("k5-fails", *[(5, 5, 5, 5, 1, 5)] * 3)  # 84 points, K5 mean 1 < 2
    result = evaluate_line([app("none"), uniform("ok", 4), k5_fails], D(1000), POLICY)
    assert [e.application_id for e in result.entries] == ["k5-fails", "ok", "none"]
    first, second, third = result.entries
    assert (first.rank, first.status, first.reason) == (
        1,
        FundingStatus.NOT_FUNDED,
        NotFundedReason.THRESHOLD,
    )
    assert "K5" in first.explanation().de
    assert second.status is FundingStatus.FUNDED
    assert (third.status, third.reason) == (FundingStatus.NOT_FUNDED, NotFundedReason.THRESHOLD)


# --- funding line ---------------------------------------------------------------------------

# Grants 6, 5, 4 in rank order, budget 10: the classic case for the misfit rule.
LADDER = [uniform("A", 5, grant="6"), uniform("B", 4, grant="5"), uniform("C", 3, grant="4")]


@pytest.mark.parametrize(
    ("policy", "statuses", "committed"),
    [
        (POLICY, ["funded", "reserve", "funded"], "10"),  # skip B, fund C: budget exactly used
        (STOP, ["funded", "reserve", "reserve"], "6"),
    ],
)
def test_skip_and_continue_versus_stop(
    policy: ScoringPolicy, statuses: list[str], committed: str
) -> None:
    result = evaluate_line(LADDER, D(10), policy, line="stationary")
    assert [e.status.value for e in result.entries] == statuses
    assert result.committed == D(committed)
    assert result.remaining == D(10) - D(committed)
    assert result.entries[1].reason is NotFundedReason.BUDGET
    assert "5,00 EUR" in result.entries[1].explanation().de
    if policy is STOP:
        assert result.entries[2].stopped
        assert "endete" in result.entries[2].explanation().de


def test_budget_exactly_used_funds_the_project() -> None:
    result = evaluate_line(LADDER, D(15), POLICY)
    assert [e.status for e in result.entries] == [FundingStatus.FUNDED] * 3
    assert result.remaining == D(0)
    assert "gefördert" in result.entries[0].explanation().de


def test_reserve_size_limits_the_reserve_list() -> None:
    applications = [*LADDER, uniform("D", 3, grant="9", minute=1)]
    result = evaluate_line(applications, D(6), replace(POLICY, reserve_size=1))
    assert [(e.application_id, e.status, e.reason) for e in result.entries] == [
        ("A", FundingStatus.FUNDED, None),
        ("B", FundingStatus.RESERVE, NotFundedReason.BUDGET),
        ("C", FundingStatus.NOT_FUNDED, NotFundedReason.BUDGET),
        ("D", FundingStatus.NOT_FUNDED, NotFundedReason.BUDGET),
    ]
    assert [e.application_id for e in result.reserve()] == ["B"]


def test_approved_grant_is_what_the_line_commits() -> None:
    lowered = replace(uniform("A", 5, grant="60"), approved_grant=D(40))
    result = evaluate_line([lowered], D(50), POLICY)
    assert result.funded()[0].application_id == "A"
    assert result.committed == D(40)


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        evaluate_line(LADDER, D(-1), POLICY)
    with pytest.raises(InvalidInput):
        evaluate_line([LADDER[0], LADDER[0]], D(10), POLICY)
    with pytest.raises(InvalidInput):
        evaluate_line([uniform("A", 5, grant="-1")], D(10), POLICY)
    with pytest.raises(InvalidInput) as error:
        evaluate_call([uniform("M", 5, line="mobile")], {"stationary": D(10)}, POLICY)
    assert error.value.problems[0].rule == "unknown_line"


def test_each_line_is_ranked_and_funded_on_its_own_budget() -> None:
    applications = [
        uniform("s1", 5, grant="8"),
        uniform("s2", 4, grant="8"),
        uniform("m1", 3, grant="5", line="mobile"),
    ]
    results = evaluate_call(applications, {"stationary": D(10), "mobile": D(5)}, POLICY)
    assert [e.application_id for e in results["stationary"].funded()] == ["s1"]
    assert [e.application_id for e in results["mobile"].funded()] == ["m1"]
    assert results["mobile"].line == "mobile"


# --- what-if --------------------------------------------------------------------------------


def test_what_if_more_budget_moves_in() -> None:
    result = what_if(LADDER, D(6), STOP, new_budget=D(11))
    assert [m.application_id for m in result.moved_in] == ["B"]
    assert result.moved_out == ()
    assert result.base.committed == D(6) and result.scenario.committed == D(11)


def test_what_if_skip_and_continue_can_move_out_with_more_budget() -> None:
    # The documented counterexample: budget 10 funds A and C, budget 11 funds A and B.
    result = what_if(LADDER, D(10), POLICY, new_budget=D(11))
    assert [m.application_id for m in result.moved_in] == ["B"]
    assert [(m.application_id, m.before, m.after) for m in result.moved_out] == [
        ("C", FundingStatus.FUNDED, FundingStatus.RESERVE)
    ]


def test_what_if_threshold_change() -> None:
    applications = [uniform("A", 4, grant="5"), app("B", *[(3, 3, 3, 3, 3, 2)] * 3, grant="5")]
    # B has 57 points: below 60, funded once the minimum is 55. A K5 minimum of 5 drops A
    # (K5 mean 4).
    result = what_if(applications, D(100), POLICY, minimum_total=D(55))
    assert [m.application_id for m in result.moved_in] == ["B"]
    stricter = what_if(applications, D(100), POLICY, minimum_scores={"K5": 5})
    assert [m.application_id for m in stricter.moved_out] == ["A"]
    assert stricter.scenario.entries[0].aggregate.failures[0].required == D(5)
    assert stricter.base.entries[0].status is FundingStatus.FUNDED  # the base is untouched


# --- properties -----------------------------------------------------------------------------

rows = st.tuples(*[st.integers(0, 5)] * 6)


@st.composite
def calls(draw: st.DrawFn) -> list[ApplicationScores]:
    count = draw(st.integers(0, 12))
    result = []
    for number in range(count):
        sheets = draw(st.lists(rows, min_size=2, max_size=4))
        grant = draw(st.integers(0, 50))
        minute = draw(st.integers(0, 3))  # few distinct times: ties on receipt happen
        result.append(app(f"a{number}", *sheets, grant=str(grant), minute=minute))
    return result


budgets = st.integers(0, 300).map(D)


@st.composite
def tied_calls(draw: st.DrawFn) -> list[ApplicationScores]:
    """Few distinct score rows, so most applications share a tie (some failing K5)."""
    rows_of = [[(4, 3, 3, 3, 4, 2)] * 3, [(4, 4, 4, 4, 1, 3)] * 3, [(3, 3, 3, 3, 3, 3)] * 3]
    return [
        app(f"t{number}", *draw(st.sampled_from(rows_of)), grant=str(draw(st.integers(0, 9))))
        for number in range(draw(st.integers(0, 6)))
    ]


policies = st.sampled_from([POLICY, STOP, replace(POLICY, reserve_size=1)])


@given(calls(), budgets, policies, st.randoms())
def test_input_order_does_not_change_the_result(
    applications: list[ApplicationScores],
    budget: Decimal,
    policy: ScoringPolicy,
    rnd: random.Random,
) -> None:
    shuffled = applications[:]
    rnd.shuffle(shuffled)
    first = evaluate_line(applications, budget, policy)
    second = evaluate_line(shuffled, budget, policy)
    assert [(e.application_id, e.status) for e in first.entries] == [
        (e.application_id, e.status) for e in second.entries
    ]


@given(calls(), budgets, policies)
def test_funding_line_invariants(
    applications: list[ApplicationScores], budget: Decimal, policy: ScoringPolicy
) -> None:
    result = evaluate_line(applications, budget, policy)
    funded = result.funded()
    assert result.committed == sum((e.aggregate.application.grant for e in funded), D(0))
    assert D(0) <= result.remaining and result.committed + result.remaining == budget
    assert all(e.aggregate.passes_thresholds for e in funded)
    assert [e.position for e in result.entries] == list(range(1, len(applications) + 1))
    for entry in result.entries:  # a rank is the position of the first of its tie
        first = result.entries[entry.rank - 1]
        assert first.rank == entry.rank and first.tie_size == entry.tie_size
        assert entry.position - entry.rank < entry.tie_size
    scores = [e.aggregate.final_score for e in result.entries if e.aggregate.final_score]
    assert scores == sorted(scores, reverse=True)
    for entry in result.entries:
        if entry.reason is NotFundedReason.BUDGET and not entry.stopped:
            assert entry.aggregate.application.grant > entry.available  # it really did not fit


@settings(max_examples=50)
@given(calls(), budgets, policies)
def test_what_if_with_unchanged_parameters_moves_nobody(
    applications: list[ApplicationScores], budget: Decimal, policy: ScoringPolicy
) -> None:
    result = what_if(
        applications,
        budget,
        policy,
        new_budget=budget,
        minimum_total=policy.minimum_total,
        minimum_scores=dict(policy.minimum_scores),
    )
    assert result.moved_in == result.moved_out == result.changed == ()
    assert result.base == result.scenario


@given(calls(), budgets, st.integers(0, 300))
def test_with_stop_more_budget_never_moves_anyone_out(
    applications: list[ApplicationScores], budget: Decimal, extra: int
) -> None:
    result = what_if(applications, budget, STOP, new_budget=budget + extra)
    assert result.moved_out == ()
    base_funded = {e.application_id for e in result.base.funded()}
    assert base_funded <= {e.application_id for e in result.scenario.funded()}


@given(calls(), budgets, st.integers(0, 300))
def test_with_skip_more_budget_keeps_everyone_above_the_first_move(
    applications: list[ApplicationScores], budget: Decimal, extra: int
) -> None:
    """Skip-and-continue is not monotone (see the counterexample above), but a larger budget
    never moves out a project ranked above the first one that moves in, and every project
    that moves out has a better-ranked project moving in."""
    result = what_if(applications, budget, POLICY, new_budget=budget + extra)
    first_in = min((m.position for m in result.moved_in), default=None)
    for move in result.moved_out:
        assert first_in is not None and first_in < move.position


def _funded(ranked: list[Aggregate], budget: Decimal, policy: ScoringPolicy) -> frozenset[str]:
    return frozenset(e.application_id for e in funding_line(ranked, budget, policy).funded())


@settings(max_examples=150)
@given(
    st.one_of(calls(), tied_calls()),
    st.integers(0, 30).map(D),
    st.sampled_from([POLICY, STOP]),
)
def test_the_tie_flag_is_exact_no_display_order_decides_unflagged(
    applications: list[ApplicationScores], budget: Decimal, policy: ScoringPolicy
) -> None:
    """Every order of a tie's entries funds the same projects unless the tie is reported at
    the funding line; a reported tie has two orders that fund differently."""
    ranked = rank(aggregate_all(applications, policy), policy)
    result = funding_line(ranked, budget, policy)
    start = 0
    for group in tie_groups(ranked):
        end = start + len(group)
        if 1 < len(group) <= 5:
            outcomes = {
                _funded([*ranked[:start], *order, *ranked[end:]], budget, policy)
                for order in itertools.permutations(group)
            }
            flagged = any(e.tie_at_line for e in result.entries[start:end])
            assert flagged == (len(outcomes) > 1), (group, outcomes)
        start = end


def test_funding_line_takes_a_precomputed_ranking() -> None:
    ranked = rank(aggregate_all(LADDER, POLICY), POLICY)
    assert funding_line(ranked, D(10), POLICY).committed == D(10)
