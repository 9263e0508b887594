"""Benchmark of the pure eligibility engine: one full ``check`` (which includes
``compute_funding``) on a realistic proposal with 20 cost lines, and throughput re-checking
10,000 stored proposals. Prints figures; asserts nothing.

    .venv/bin/python bench/engine_bench.py [--proposals 10000] [--repeat 5]

The calibration baseline, measured in the same run, is the irreducible arithmetic of the same
proposal: 20 Decimal amounts multiplied by their rates and summed. Ratios against it travel
between machines better than microseconds do.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from grants.core.eligibility import CheckContext, PriorAid, Proposal, check
from grants.core.funding import CostLine
from grants.guidelines.loader import SHIPPED, load_guideline

CATEGORIES = ["equipment", "personnel", "material", "rent", "construction"]


def realistic_proposal(rng: random.Random) -> Proposal:
    lines = tuple(
        CostLine(
            rng.choice(CATEGORIES),
            f"Position {i}",
            Decimal(rng.randrange(100_00, 40_000_00)).scaleb(-2),
        )
        for i in range(20)
    )
    total = sum((line.amount for line in lines), Decimal("0.00"))
    requested = (total * Decimal("0.5")).quantize(Decimal("1"))
    return Proposal(
        applicant_type=rng.choice(["nonprofit", "company", "municipality"]),
        municipality_key=rng.choice(["14521530", "14612000", "14713000"]),
        funding_line=rng.choice(["stationary", "mobile"]),
        objectives=("a", "c", "e"),
        planned_start=date(2024, 7, 1),
        planned_end=date(2026, 6, 30),
        cost_lines=lines,
        requested_grant=requested,
        own_funds=total - requested,
        economic_activity=True,
        prior_de_minimis=(PriorAid(date(2023, 5, 1), Decimal("20000.00")),),
    )


def timings_ns(fn: object, repeat: int, inner: int) -> tuple[float, float]:
    """(median, best) per call over ``repeat`` rounds: the median is the figure asked for,
    the best round shows the cost without the neighbours' noise."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(inner):
            fn()  # type: ignore[operator]
        samples.append((time.perf_counter_ns() - start) / inner)
    return statistics.median(samples), min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core, as the target says

    guideline = load_guideline(SHIPPED / "frl-lifd-2023.yaml")
    call = guideline.call("2024-1")
    context = CheckContext(received_at=datetime(2024, 3, 1, 10, tzinfo=UTC), call=call)
    rng = random.Random(2024)
    one = realistic_proposal(rng)
    rates = {c.code: c.max_rate for c in guideline.cost_categories}

    def calibration() -> Decimal:
        return sum((line.amount * rates[line.category] for line in one.cost_lines), Decimal(0))

    def full_check() -> object:
        return check(one, guideline, context)

    verdict = check(one, guideline, context)
    assert len(verdict.results) == 14
    baseline, baseline_best = timings_ns(calibration, args.repeat, 20_000)
    single, single_best = timings_ns(full_check, args.repeat, 5_000)

    stored = [replace(realistic_proposal(rng)) for _ in range(args.proposals)]

    def recheck_all() -> float:
        rounds = []
        for _ in range(args.repeat):
            start = time.perf_counter_ns()
            for proposal in stored:
                check(proposal, guideline, context)
            rounds.append(time.perf_counter_ns() - start)
        return statistics.median(rounds) / 1e9

    batch_s = recheck_all()

    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"python {platform.python_version()}, {platform.machine()}, pinned to CPU 0")
    print(
        f"calibration (20 Decimal amount × rate, summed): {baseline / 1000:8.2f} µs  "
        f"(best round {baseline_best / 1000:.2f} µs)"
    )
    print(
        f"check + compute_funding, 20 cost lines:        {single / 1000:8.2f} µs  "
        f"({single / baseline:.1f}× calibration; best round {single_best / 1000:.2f} µs, "
        f"{single_best / baseline_best:.1f}×)"
    )
    print(
        f"re-check {args.proposals:,} stored proposals:            {batch_s:8.3f} s   "
        f"({args.proposals / batch_s:,.0f} proposals/s, "
        f"{batch_s / args.proposals * 1e6:.1f} µs each)"
    )
    print("target: ≤ 100 µs per proposal on one core")


if __name__ == "__main__":
    main()
