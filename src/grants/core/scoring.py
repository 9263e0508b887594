"""Jury scoring, pure: validation of score sheets, the weighted total of each evaluator, the
final score of an application with its thresholds, the disagreement flag that triggers
moderation, inter-rater agreement for a call and per-evaluator normalised scores.

Scores of record are ``Decimal`` with two places. Everything that decides (thresholds, the
ranking in ``grants.core.ranking``) is computed from the integer scores with integer
arithmetic and rounded exactly once, in ``_points`` (ROUND_HALF_UP to 0.01 points), from the
exact value: never a rounded value rounded again. The rounded figure is the one shown, the one
in the decision letter and the one that decides: a reader of the Begründung can check
"59,93 < 60" without invisible digits. Statistics (Krippendorff's alpha, z-scores) are
``float``: they inform the managers, they never decide.
"""

import itertools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple, Self

from grants.core.errors import FieldProblem, InvalidInput
from grants.core.guideline import Criterion, Rubric, Text

POINTS = Decimal("0.01")  # precision of every score of record


class CriterionMinimumRule(StrEnum):
    """How a criterion's ``minimum_score`` is applied. MEAN (default): the mean over the
    evaluators, like the final score; one harsh evaluator alone cannot exclude a project (the
    disagreement flag sends such a case to moderation instead). EACH_EVALUATOR: every
    evaluator's score must reach it."""

    MEAN = "mean"
    EACH_EVALUATOR = "each_evaluator"


class MisfitRule(StrEnum):
    """What the funding line does with a fundable project larger than the remaining budget."""

    SKIP_AND_CONTINUE = "skip_and_continue"  # later, smaller projects may still be funded
    STOP = "stop"  # the line ends at the first project that does not fit


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    """The rubric and its settings from the guideline file (``rubric`` in the YAML). Build it
    with ``from_rubric``; a what-if changes single settings with ``dataclasses.replace``."""

    rubric: Rubric
    minimum_total: Decimal
    minimum_scores: tuple[tuple[str, int], ...]  # (criterion, minimum), from the rubric
    minimum_evaluators: int
    criterion_minimum_rule: CriterionMinimumRule = CriterionMinimumRule.MEAN
    max_total_spread: Decimal = Decimal(20)  # points; a larger spread is flagged
    max_criterion_spread: int = 2  # scale points; a larger spread is flagged
    tie_break_criteria: tuple[str, ...] = ()  # higher mean first, in this order
    misfit_rule: MisfitRule = MisfitRule.SKIP_AND_CONTINUE
    reserve_size: int | None = None  # None: every fundable project beyond the budget
    # Derived once: aggregating a call looks these up 10,000 times.
    codes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    weights: tuple[int, ...] = field(init=False, repr=False, compare=False)
    weight_sum: int = field(init=False, repr=False, compare=False)
    # codes and weights repeated for n sheets: the fast path compares and multiplies at once
    repeated: dict[int, tuple[tuple[str, ...], tuple[int, ...]]] = field(
        init=False, repr=False, compare=False
    )
    index: dict[str, int] = field(init=False, repr=False, compare=False)
    minimums: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    tie_break_positions: tuple[int, ...] = field(init=False, repr=False, compare=False)

    @classmethod
    def from_rubric(cls, rubric: Rubric) -> Self:
        """Defaults: thresholds from the rubric; tie-break by the rubric's criteria (K1 in FRL
        LIfD, DOMAIN.md §5.6). Entries still equal are a tie for the jury: never broken by
        receipt time, which in a cut-off procedure is no objective ground."""
        return cls(
            rubric=rubric,
            minimum_total=rubric.minimum_total,
            minimum_scores=tuple(
                (c.code, c.minimum_score) for c in rubric.criteria if c.minimum_score is not None
            ),
            minimum_evaluators=rubric.minimum_evaluators,
            criterion_minimum_rule=CriterionMinimumRule(rubric.criterion_minimum_rule),
            max_total_spread=rubric.max_total_spread,
            max_criterion_spread=rubric.max_criterion_spread,
            tie_break_criteria=rubric.tie_breaks
            or ((rubric.criteria[0].code,) if rubric.criteria else ()),
            misfit_rule=MisfitRule(rubric.misfit),
            reserve_size=rubric.reserve_size,
        )

    def __post_init__(self) -> None:
        rubric = self.rubric
        codes = tuple(c.code for c in rubric.criteria)
        index = {code: i for i, code in enumerate(codes)}
        problems = []
        if not Decimal(0) <= self.minimum_total <= Decimal(100):
            problems.append(_problem("minimum_total", "range", "zwischen 0 und 100", "0 to 100"))
        for code, minimum in self.minimum_scores:
            if code not in index:
                problems.append(
                    _problem(
                        f"minimum_scores.{code}",
                        "unknown_criterion",
                        "unbekanntes Kriterium",
                        "unknown criterion",
                    )
                )
            elif not rubric.scale_min <= minimum <= rubric.scale_max:
                problems.append(
                    _problem(
                        f"minimum_scores.{code}",
                        "out_of_scale",
                        "außerhalb der Skala",
                        "outside the scale",
                    )
                )
        for code in self.tie_break_criteria:
            if code not in index:
                problems.append(
                    _problem(
                        "tie_break_criteria",
                        "unknown_criterion",
                        f"{code} ist unbekannt",
                        f"{code} is unknown",
                    )
                )
        if self.max_total_spread < 0 or self.max_criterion_spread < 0:
            problems.append(_problem("max_spread", "range", "nicht negativ", "not negative"))
        if self.minimum_evaluators < 1 or (self.reserve_size or 0) < 0:
            problems.append(_problem("policy", "range", "ungültige Anzahl", "invalid count"))
        if rubric.scale_min >= rubric.scale_max:
            problems.append(_problem("rubric.scale", "range", "min < max", "min < max"))
        if problems:
            raise InvalidInput(
                "Ungültige Bewertungsregeln (invalid scoring policy)", problems=tuple(problems)
            )
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "weights", tuple(c.weight for c in rubric.criteria))
        object.__setattr__(self, "weight_sum", sum(c.weight for c in rubric.criteria))
        weights = tuple(c.weight for c in rubric.criteria)
        object.__setattr__(self, "repeated", {n: (codes * n, weights * n) for n in range(1, 10)})
        object.__setattr__(self, "index", index)
        object.__setattr__(
            self, "minimums", tuple((index[code], m) for code, m in self.minimum_scores)
        )
        object.__setattr__(
            self, "tie_break_positions", tuple(index[code] for code in self.tie_break_criteria)
        )


def _problem(field_: str, rule: str, de: str, en: str) -> FieldProblem:
    return FieldProblem(field_, rule, f"{de} ({en})")


# --- inputs ---------------------------------------------------------------------------------


class CriterionScore(NamedTuple):
    criterion: str
    score: int
    justification: str


@dataclass(frozen=True, slots=True)
class ScoreSheet:
    """One evaluator's submitted scores for one application."""

    evaluator_id: str
    scores: tuple[CriterionScore, ...]


@dataclass(frozen=True, slots=True)
class ApplicationScores:
    """What the service layer reads from the database for one application of a call."""

    application_id: str
    reference: str  # reference number: the last tie-break, unique per guideline
    received_at: datetime  # timezone-aware
    line: str  # funding line code
    requested_grant: Decimal
    sheets: tuple[ScoreSheet, ...]
    approved_grant: Decimal | None = None  # set when the grant was already fixed lower

    @property
    def grant(self) -> Decimal:
        """What funding this project commits from the line's budget."""
        return self.requested_grant if self.approved_grant is None else self.approved_grant


# --- results --------------------------------------------------------------------------------
# NamedTuples, not dataclasses: a call creates tens of thousands of them, and the texts are
# built on demand (a letter needs one, the ranking none).


_NONE = Text("–", "–")


class EvaluatorTotal(NamedTuple):
    evaluator_id: str
    total: Decimal  # 0 … 100 points, two places
    scores: tuple[int, ...]  # in the rubric's criterion order


class ThresholdFailure(NamedTuple):
    rule: str  # "minimum_total" | "minimum_score" | "minimum_evaluators"
    criterion: Criterion | None
    required: Decimal
    actual: Decimal  # the final score, the criterion's mean (or lowest score), the count
    per_evaluator: bool = False  # minimum_score checked against every evaluator's score

    @property
    def reason(self) -> Text:
        required, actual = self.required, self.actual
        if self.rule == "minimum_total":
            return Text(
                f"Gesamtpunktzahl {_de(actual)} unter der Mindestpunktzahl {_de(required)}.",
                f"Total score {actual} below the minimum of {required}.",
            )
        if self.rule == "minimum_evaluators":
            return Text(
                f"Nur {actual} von {required} erforderlichen Bewertungen.",
                f"Only {actual} of the {required} required evaluations.",
            )
        code, label = (self.criterion.code, self.criterion.label) if self.criterion else ("", _NONE)
        what = (
            ("niedrigste Bewertung", "lowest score")
            if self.per_evaluator
            else ("Mittelwert", "mean score")
        )
        return Text(
            f"{code} ({label.de}): {what[0]} {_de(actual)} unter dem Mindestwert {required}.",
            f"{code} ({label.en}): {what[1]} {actual} below the minimum of {required}.",
        )


class Disagreement(NamedTuple):
    criterion: str | None  # None: the spread of the evaluators' totals
    lowest: Decimal  # total points, or scale points of the criterion
    highest: Decimal
    bound: Decimal  # flagged because highest − lowest > bound

    @property
    def spread(self) -> Decimal:
        return self.highest - self.lowest

    @property
    def reason(self) -> Text:
        spread, bound = self.spread, self.bound
        if self.criterion is None:
            return Text(
                f"Die Gesamtpunkte der Gutachter reichen von {_de(self.lowest)} bis "
                f"{_de(self.highest)}: {_de(spread)} Punkte auseinander (mehr als {_de(bound)}).",
                f"The evaluators' totals range from {self.lowest} to {self.highest}: {spread} "
                f"points apart (more than {bound}).",
            )
        code = self.criterion
        return Text(
            f"{code}: Bewertungen von {self.lowest} bis {self.highest}, {spread} Skalenpunkte "
            f"auseinander (mehr als {bound}).",
            f"{code}: scores from {self.lowest} to {self.highest}, {spread} scale points apart "
            f"(more than {bound}).",
        )


class Aggregate(NamedTuple):
    """The scores of one application. What ranking and the funding line need (final score,
    tie-break means, threshold failures) is computed at once; the rest (evaluator totals, all
    criterion means, disagreements) on access, from the validated scores: a call ranks
    10,000 applications, a manager looks at a few."""

    application: ApplicationScores
    policy: ScoringPolicy
    evaluator_ids: tuple[str, ...]  # sorted
    scores: tuple[int, ...]  # validated; evaluator after evaluator, each in rubric order
    final_score: Decimal | None  # mean of the evaluators' totals; None without any sheet
    tie_break_means: tuple[Decimal, ...]  # means of policy.tie_break_criteria, in order
    failures: tuple[ThresholdFailure, ...]

    def __repr__(self) -> str:
        return (
            f"Aggregate({self.application.application_id!r}, final_score={self.final_score!r}, "
            f"evaluators={self.evaluator_ids!r}, failures={[f.rule for f in self.failures]!r})"
        )

    @property
    def application_id(self) -> str:
        return self.application.application_id

    @property
    def passes_thresholds(self) -> bool:
        return not self.failures

    @property
    def rows(self) -> tuple[tuple[int, ...], ...]:
        """Each evaluator's scores in rubric order, in ``evaluator_ids`` order."""
        k, scores = len(self.policy.codes), self.scores
        return tuple(scores[i : i + k] for i in range(0, len(scores), k))

    @property
    def evaluator_totals(self) -> tuple[EvaluatorTotal, ...]:
        policy = self.policy
        offset = policy.rubric.scale_min * policy.weight_sum
        span = policy.rubric.scale_max - policy.rubric.scale_min
        return tuple(
            EvaluatorTotal(
                evaluator, _points(sum(map(operator.mul, policy.weights, row)) - offset, span), row
            )
            for evaluator, row in zip(self.evaluator_ids, self.rows, strict=True)
        )

    @property
    def criterion_means(self) -> tuple[Decimal, ...]:
        """Means on the rubric's scale, two places, in rubric order; () without any sheet."""
        k, count = len(self.policy.codes), len(self.evaluator_ids)
        return tuple(_mean(self.scores[j::k], count, self.policy) for j in range(k) if count)

    def mean(self, criterion: str) -> Decimal | None:
        means = self.criterion_means
        return means[self.policy.index[criterion]] if means else None

    @property
    def disagreements(self) -> tuple[Disagreement, ...]:
        """Spreads strictly above the policy's bounds (equal to the bound: not flagged)."""
        if len(self.evaluator_ids) < 2:
            return ()
        policy = self.policy
        found = []
        points = [t.total for t in self.evaluator_totals]
        lowest, highest = min(points), max(points)
        if highest - lowest > policy.max_total_spread:
            found.append(Disagreement(None, lowest, highest, policy.max_total_spread))
        limit = policy.max_criterion_spread
        k = len(policy.codes)
        for j, code in enumerate(policy.codes):
            column = self.scores[j::k]
            low, high = min(column), max(column)
            if high - low > limit:
                found.append(Disagreement(code, Decimal(low), Decimal(high), Decimal(limit)))
        return tuple(found)

    @property
    def needs_moderation(self) -> bool:
        return bool(self.disagreements)


# --- rounding -------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)  # (sum, count) pairs recur across a call; the cache is C code
def _points(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator, rounded half up to 0.01: THE rounding of every score of record.
    Integer arithmetic on the exact fraction, so no intermediate rounding exists to round
    again. Both arguments are non-negative (scores are shifted to the scale's minimum)."""
    return Decimal((200 * numerator + denominator) // (2 * denominator)).scaleb(-2)


def _de(value: Decimal) -> str:
    return str(value).replace(".", ",")


# --- validation -----------------------------------------------------------------------------


def sheet_problems(sheet: ScoreSheet, rubric: Rubric, *, prefix: str = "") -> list[FieldProblem]:
    """Every reason ``sheet`` is not a complete, valid score sheet for ``rubric``, each with the
    field it concerns (``scores.K1.score``), or ``[]``."""
    problems = []
    known = {c.code for c in rubric.criteria}
    seen: set[str] = set()
    lo, hi = rubric.scale_min, rubric.scale_max
    for item in sheet.scores:
        code = item.criterion
        path = f"{prefix}scores.{code}"
        if code not in known:
            problems.append(
                _problem(
                    path,
                    "unknown_criterion",
                    f"{code} ist kein Kriterium dieses Bewertungsschemas",
                    f"{code} is not a criterion of this rubric",
                )
            )
            continue
        if code in seen:
            problems.append(
                _problem(
                    path,
                    "duplicate",
                    f"{code} wurde mehrfach bewertet",
                    f"{code} was scored more than once",
                )
            )
            continue
        seen.add(code)
        score: object = item.score
        if type(score) is not int:  # bool, float and Decimal 2.5 are not scale points
            problems.append(
                _problem(
                    f"{path}.score",
                    "not_integer",
                    "Die Bewertung muss eine ganze Zahl sein",
                    "the score must be a whole number",
                )
            )
        elif not lo <= score <= hi:
            problems.append(
                _problem(
                    f"{path}.score",
                    "out_of_scale",
                    f"Die Bewertung muss zwischen {lo} und {hi} liegen",
                    f"the score must be between {lo} and {hi}",
                )
            )
        if not isinstance(item.justification, str) or not item.justification.strip():
            problems.append(
                _problem(
                    f"{path}.justification",
                    "justification_required",
                    "Eine Begründung ist erforderlich",
                    "a justification is required",
                )
            )
    for criterion in rubric.criteria:
        if criterion.code not in seen:
            problems.append(
                _problem(
                    f"{prefix}scores.{criterion.code}",
                    "required",
                    f"Bewertung für {criterion.code} fehlt",
                    f"the score for {criterion.code} is missing",
                )
            )
    return problems


def validate_sheet(sheet: ScoreSheet, rubric: Rubric) -> None:
    """Raise ``InvalidInput`` naming every problem of ``sheet`` (for the submit endpoint)."""
    problems = sheet_problems(sheet, rubric)
    if problems:
        raise InvalidInput(
            "Bewertungsbogen unvollständig oder ungültig (score sheet incomplete or invalid)",
            problems=tuple(problems),
        )


_INT = {int}
_by_evaluator = operator.attrgetter("evaluator_id")
_scores_of = operator.attrgetter("scores")


def _scores(sheets: Sequence[ScoreSheet], policy: ScoringPolicy, prefix: bool) -> tuple[int, ...]:
    """All scores of ``sheets`` (at least one), sheet after sheet, each in rubric order. The
    fast path checks what ``sheet_problems`` checks, in a few C-level passes over all scores
    at once; any doubt goes to the slow path, which names every problem of every sheet."""
    rubric = policy.rubric
    try:
        codes, values, texts = zip(
            *itertools.chain.from_iterable(map(_scores_of, sheets)), strict=True
        )
        if codes != _repeated(policy, len(sheets))[0]:  # not in rubric order: reorder, or explain
            values = tuple(itertools.chain.from_iterable(_reordered(s, policy) for s in sheets))
        if (
            _INT.issuperset(map(type, values))  # bool, float, Decimal are not scale points
            and rubric.scale_min <= min(values)
            and max(values) <= rubric.scale_max
            and all(map(str.strip, texts))  # TypeError for a non-text: the slow path names it
        ):
            return values
    except (TypeError, ValueError):
        pass
    problems = [
        problem
        for s in sheets
        for problem in sheet_problems(s, rubric, prefix=f"sheets.{s.evaluator_id}." * prefix)
    ]
    raise InvalidInput("Bewertungsbogen ungültig (score sheet invalid)", problems=tuple(problems))


def _repeated(policy: ScoringPolicy, n: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    found = policy.repeated.get(n)
    return found if found is not None else (policy.codes * n, policy.weights * n)


def _reordered(sheet: ScoreSheet, policy: ScoringPolicy) -> Iterable[int]:
    by_code = {item.criterion: item.score for item in sheet.scores}
    if len(by_code) != len(sheet.scores) or by_code.keys() != policy.index.keys():
        raise ValueError(sheet.evaluator_id)  # duplicate, missing or unknown criterion
    return map(by_code.__getitem__, policy.codes)


def weighted_total(sheet: ScoreSheet, policy: ScoringPolicy) -> Decimal:
    """Σ weight × (score − min) / (max − min): 0 … 100 points when the weights add up to 100."""
    row = _scores((sheet,), policy, prefix=False)
    rubric = policy.rubric
    shifted = sum(map(operator.mul, policy.weights, row)) - rubric.scale_min * sum(policy.weights)
    return _points(shifted, rubric.scale_max - rubric.scale_min)


# --- aggregation ----------------------------------------------------------------------------


def _mean(column: Sequence[int], count: int, policy: ScoringPolicy) -> Decimal:
    lo = policy.rubric.scale_min
    return _points(sum(column) - lo * count, count) + lo if lo else _points(sum(column), count)


def aggregate(application: ApplicationScores, policy: ScoringPolicy) -> Aggregate:
    """Validate the sheets; compute the final score, the tie-break means and the threshold
    failures. Written for speed (C-level passes over all scores of the application)."""
    rubric = policy.rubric
    sheets = sorted(application.sheets, key=_by_evaluator)
    evaluators = tuple(map(_by_evaluator, sheets))
    count = len(sheets)
    if len(set(evaluators)) != count:
        twice = next(a for a, b in itertools.pairwise(evaluators) if a == b)
        raise InvalidInput(
            "Ein Gutachter hat zwei Bewertungsbögen (an evaluator has two score sheets)",
            problems=(
                _problem(
                    f"sheets.{twice}",
                    "duplicate_evaluator",
                    "mehr als ein Bewertungsbogen",
                    "more than one score sheet",
                ),
            ),
        )
    failures: tuple[ThresholdFailure, ...] = ()  # usually stays empty: no list to build
    if count < policy.minimum_evaluators:
        required = Decimal(policy.minimum_evaluators)
        failures += (ThresholdFailure("minimum_evaluators", None, required, Decimal(count)),)
    if not count:
        return Aggregate(application, policy, (), (), None, (), failures)

    scores = _scores(sheets, policy, prefix=True)
    lo, span = rubric.scale_min, rubric.scale_max - rubric.scale_min
    shifted = (
        sum(map(operator.mul, policy.weights * count, scores)) - lo * policy.weight_sum * count
    )
    final = _points(shifted, span * count)
    if final < policy.minimum_total:
        failures += (ThresholdFailure("minimum_total", None, policy.minimum_total, final),)
    k = len(policy.codes)
    each = policy.criterion_minimum_rule is CriterionMinimumRule.EACH_EVALUATOR
    for position, minimum in policy.minimums:
        column = scores[position::k]
        actual = Decimal(min(column)) if each else _mean(column, count, policy)
        if actual < minimum:
            criterion = rubric.criteria[position]
            failures += (
                ThresholdFailure("minimum_score", criterion, Decimal(minimum), actual, each),
            )
    tie_breaks = tuple(_mean(scores[j::k], count, policy) for j in policy.tie_break_positions)
    return Aggregate(application, policy, evaluators, scores, final, tie_breaks, failures)


def aggregate_all(
    applications: Iterable[ApplicationScores], policy: ScoringPolicy
) -> list[Aggregate]:
    return [aggregate(application, policy) for application in applications]


# A score sheet is a draft until its evaluator submits it; submitted sheets are locked.
class SheetStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # locked; a programme manager may reopen it with a reason
