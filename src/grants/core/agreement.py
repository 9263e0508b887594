"""How consistent a call's jury is, and how lenient or strict each evaluator: Krippendorff's
alpha (interval metric) over applications × evaluators, and z-scores of each evaluator's
totals against their own. Pure; shown beside the ranking, never deciding it."""

import math
import operator
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from grants.core.scoring import Aggregate, ScoringPolicy

ALPHA_METHOD = "Krippendorff's alpha, interval metric (Krippendorff 2011)"


class AlphaResult(NamedTuple):
    method: str
    alpha: float | None  # None: undefined (fewer than 2 pairable values, or no variation)
    units: int  # units (applications) with at least two values: the pairable ones
    pairable_values: int


def krippendorff_alpha_interval(units: Iterable[Sequence[int]]) -> AlphaResult:
    """Krippendorff's alpha with the interval metric δ² = (a − b)², for any number of raters
    per unit (missing ratings are simply absent; units with one value are not pairable).

    α = 1 − D_o / D_e with the coincidence definitions of Krippendorff (2011), "Computing
    Krippendorff's Alpha-Reliability", https://repository.upenn.edu/asc_papers/43. For the
    interval metric Σ_{i≠j} (v_i − v_j)² over a set of m values is 2(mΣv² − (Σv)²), so
        α = 1 − (n − 1) · Σ_u [m_u Σv² − (Σv)²]_u / (m_u − 1) / (n Σv² − (Σv)²)
    over the n pairable values: one pass, exact on integers (alpha is invariant under scaling
    and shifting the values, so integer numerators of the totals give the alpha of the
    totals). The float is made only at the end."""
    by_size: dict[int, int] = {}  # m → Σ_u (m Σv² − (Σv)²): one division per distinct m
    n = total = squares = pairable_units = 0
    for values in units:
        m = len(values)
        if m < 2:
            continue
        s = sum(values)
        q = sum(map(operator.mul, values, values))
        by_size[m] = by_size.get(m, 0) + m * q - s * s
        n += m
        total += s
        squares += q
        pairable_units += 1
    expected = n * squares - total * total
    if n < 2 or expected == 0:
        return AlphaResult(ALPHA_METHOD, None, pairable_units, n)
    observed = sum(Fraction(within, m - 1) for m, within in by_size.items())
    return AlphaResult(ALPHA_METHOD, float(1 - (n - 1) * observed / expected), pairable_units, n)


class Agreement(NamedTuple):
    totals: AlphaResult  # on the evaluators' weighted totals
    criteria: tuple[tuple[str, AlphaResult], ...]  # on each criterion's raw scores


def call_agreement(aggregates: Iterable[Aggregate], policy: ScoringPolicy) -> Agreement:
    """How consistent the jury of a call is: alpha over applications × evaluators, not every
    evaluator rating every application."""
    weights = policy.weights
    totals: list[list[int]] = []
    per_criterion: list[list[tuple[int, ...]]] = [[] for _ in weights]
    for item in aggregates:
        rows = item.rows
        if len(rows) < 2:
            continue
        totals.append([sum(map(operator.mul, weights, row)) for row in rows])
        for position, column in enumerate(zip(*rows, strict=True)):
            per_criterion[position].append(column)
    return Agreement(
        krippendorff_alpha_interval(totals),
        tuple(
            (code, krippendorff_alpha_interval(columns))
            for code, columns in zip(policy.codes, per_criterion, strict=True)
        ),
    )


# --- normalised scores ----------------------------------------------------------------------


class EvaluatorProfile(NamedTuple):
    evaluator_id: str
    ratings: int
    mean: float  # of the evaluator's totals in the call
    stdev: float  # population standard deviation; 0.0 with one rating


class NormalisedScore(NamedTuple):
    """Shown beside the raw final score; never used for the ranking."""

    application_id: str
    final_score: Decimal | None  # raw, of record
    z_scores: tuple[tuple[str, float | None], ...]  # per evaluator, None when stdev is 0
    mean_z: float | None


def normalised_scores(
    aggregates: Sequence[Aggregate],
) -> tuple[tuple[NormalisedScore, ...], tuple[EvaluatorProfile, ...]]:
    """z = (total − the evaluator's mean) / the evaluator's stdev, over the evaluator's own
    totals in the call: reveals lenient and strict evaluators (float statistics)."""
    all_totals = [item.evaluator_totals for item in aggregates]  # derived once per application
    by_evaluator: dict[str, list[float]] = {}
    for totals in all_totals:
        for t in totals:
            by_evaluator.setdefault(t.evaluator_id, []).append(float(t.total))
    profiles = {}
    for evaluator, values in sorted(by_evaluator.items()):
        mean = math.fsum(values) / len(values)
        stdev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
        profiles[evaluator] = EvaluatorProfile(evaluator, len(values), mean, stdev)
    scores = []
    for item, totals in zip(aggregates, all_totals, strict=True):
        zs: list[tuple[str, float | None]] = []
        for t in totals:
            p = profiles[t.evaluator_id]
            zs.append((t.evaluator_id, (float(t.total) - p.mean) / p.stdev if p.stdev else None))
        known = [z for _, z in zs if z is not None]
        scores.append(
            NormalisedScore(
                item.application_id,
                item.final_score,
                tuple(zs),
                math.fsum(known) / len(known) if known else None,
            )
        )
    return tuple(scores), tuple(profiles.values())
