"""Benchmark of the pure jury scoring: aggregation (validation, weighted totals, means,
thresholds, disagreement), ranking and the funding line for 10,000 applications × 3
evaluators × 6 criteria of the FRL LIfD rubric, plus Krippendorff's alpha for the call and the
what-if simulation. Everything in memory, seeded; prints figures, asserts nothing.

    .venv/bin/python bench/scoring_bench.py [--applications 10000] [--repeat 7]

Baselines measured in the same run, so ratios travel between machines better than
milliseconds: a plain loop summing the 180,000 integer scores, and sorting 10,000 tuples by a
Decimal key. Target (issue 6): aggregation + ranking + funding line ≤ 100 ms (pure part).
"""

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from grants.core.agreement import call_agreement, normalised_scores
from grants.core.ranking import evaluate_line, funding_line, rank, what_if
from grants.core.scoring import (
    ApplicationScores,
    CriterionScore,
    ScoreSheet,
    ScoringPolicy,
    aggregate_all,
)
from grants.guidelines.loader import SHIPPED, load_guideline


def applications(count: int, codes: list[str], rng: random.Random) -> list[ApplicationScores]:
    start = datetime(2024, 2, 1, 8, tzinfo=UTC)
    evaluators = [f"ev-{i:03d}" for i in range(200)]
    result = []
    for number in range(count):
        quality = rng.randint(1, 5)  # evaluators agree roughly on a project's quality
        sheets = tuple(
            ScoreSheet(
                evaluator,
                tuple(
                    CriterionScore(code, min(5, max(0, quality + rng.randint(-1, 1))), "Begründung")
                    for code in codes
                ),
            )
            for evaluator in rng.sample(evaluators, 3)
        )
        result.append(
            ApplicationScores(
                application_id=f"app-{number:05d}",
                reference=f"LIfD-2024-S-{number:05d}",
                received_at=start + timedelta(seconds=rng.randrange(40 * 24 * 3600)),
                line="stationary",
                requested_grant=Decimal(rng.randrange(20_000, 200_000)),
                sheets=sheets,
            )
        )
    return result


def interleaved(
    cases: list[tuple[str, Callable[[], object]]], repeat: int
) -> list[tuple[str, float, float, float]]:
    """Each round runs every case once, the baseline first, so a noisy neighbour slows the
    baseline and the case alike: (label, median ms, best ms, median ratio to the baseline)."""
    samples: list[list[float]] = [[] for _ in cases]
    for _ in range(repeat):
        for position, (_, fn) in enumerate(cases):
            gc.collect()
            begin = time.perf_counter_ns()
            fn()
            samples[position].append((time.perf_counter_ns() - begin) / 1e6)
    base = samples[0]
    return [
        (
            label,
            statistics.median(times),
            min(times),
            statistics.median(t / b for t, b in zip(times, base, strict=True)),
        )
        for (label, _), times in zip(cases, samples, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})

    guideline = load_guideline(SHIPPED / "frl-lifd-2023.yaml")
    policy = ScoringPolicy.from_rubric(guideline.rubric)
    codes = [c.code for c in guideline.rubric.criteria]
    data = applications(args.applications, codes, random.Random(2024))
    budget = Decimal(sum(a.requested_grant for a in data)) / 4  # about a quarter is funded
    scores = [s.score for a in data for sheet in a.sheets for s in sheet.scores]
    keyed = [(Decimal(random.Random(n).randrange(10_000)).scaleb(-2), n) for n in range(len(data))]

    def baseline_sum() -> int:
        total = 0
        for score in scores:
            total += score
        return total

    def baseline_sort() -> object:
        return sorted(keyed, key=lambda item: item[0])

    aggregates = aggregate_all(data, policy)
    ranked = rank(aggregates, policy)

    def line() -> object:
        return evaluate_line(data, budget, policy)

    def simulate() -> object:
        return what_if(data, budget, policy, new_budget=budget * 2, minimum_total=Decimal(55))

    cases: list[tuple[str, Callable[[], object]]] = [
        (f"baseline: loop summing {len(scores):,} int scores", baseline_sum),
        (f"baseline: sort {len(keyed):,} tuples by a Decimal key", baseline_sort),
        ("aggregate (validate, final score, thresholds)", lambda: aggregate_all(data, policy)),
        ("rank (from aggregates)", lambda: rank(aggregates, policy)),
        ("funding line (from ranking)", lambda: funding_line(ranked, budget, policy)),
        ("aggregate + rank + funding line (evaluate_line)", line),
        ("disagreement flags of all applications", lambda: [a.disagreements for a in aggregates]),
        ("Krippendorff's alpha, totals + 6 criteria", lambda: call_agreement(aggregates, policy)),
        ("z-scores per evaluator", lambda: normalised_scores(aggregates)),
        ("what-if (budget and threshold changed)", simulate),
    ]  # fmt: skip
    figures = interleaved(cases, args.repeat)

    result = evaluate_line(data, budget, policy)
    agreement = call_agreement(aggregates, policy)
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"python {platform.python_version()}, {platform.machine()}, pinned to CPU 0")
    print(
        f"{args.applications:,} applications × 3 evaluators × {len(codes)} criteria; "
        f"{args.repeat} interleaved rounds"
    )
    print(f"{'':<50} {'median':>9} {'best':>9}  ratio to the loop (median of rounds)")
    for label, median, best, ratio in figures:
        print(f"{label:<50} {median:6.1f} ms {best:6.1f} ms  {ratio:6.1f}×")
    funded = len(result.funded())
    print(
        f"funded {funded:,}, reserve {len(result.reserve()):,}, committed {result.committed} "
        f"of {result.budget}; alpha(totals) = {agreement.totals.alpha:.3f}"
    )
    end_to_end = figures[5][1]
    print(
        f"target (issue 6): aggregation + ranking + funding line ≤ 100 ms: measured "
        f"{end_to_end:.1f} ms (median) -> {'met' if end_to_end <= 100 else 'NOT met'} "
        "(reported, not asserted)"
    )


if __name__ == "__main__":
    main()
