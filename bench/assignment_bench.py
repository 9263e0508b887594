"""Benchmark of the pure evaluator assignment: conflict detection (``conflict_sets``) and the
balanced assignment (``assign``) for 10,000 applications and 200 evaluators with 5 % conflicted
pairs, N = 3, cap 160. Prints figures; asserts nothing.

    .venv/bin/python bench/assignment_bench.py [--applications 10000] [--evaluators 200]
        [--conflicts 0.05] [--per-application 3] [--cap 160] [--repeat 5] [--seed 1]

The conflicted pairs are drawn at random (seeded) and expressed as the evaluator's data, half as
a declared affiliation with the applicant organisation, half as a declared per-application
conflict; every application also names 0–3 partner organisations, so the index look-ups run on
realistic input. Baselines measured in the same run: shuffling and sorting the N × A
(application, evaluator) pairs, and a naive round robin that ignores conflicts. Ratios against
them travel between machines better than milliseconds do.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from grants.core.assignment import AssignmentResult, assign
from grants.core.conflicts import (
    ApplicationParties,
    DeclaredConflict,
    EvaluatorProfile,
    OrgRef,
    conflict_sets,
    normalise_name,
)


def build(
    n_apps: int, n_evaluators: int, share: float, seed: int
) -> tuple[list[EvaluatorProfile], list[ApplicationParties]]:
    rng = random.Random(seed)
    applications = [
        ApplicationParties(
            id=f"app-{j:05d}",
            applicant=OrgRef(f"org-applicant-{j:05d}", f"Antragsteller {j}"),
            partners=tuple(
                OrgRef(f"org-partner-{rng.randrange(3000):04d}") for _ in range(rng.randint(0, 3))
            ),
            municipality_key=f"14{rng.randrange(400):06d}",
        )
        for j in range(n_apps)
    ]
    affiliations: list[list[OrgRef]] = [[] for _ in range(n_evaluators)]
    declared: list[list[DeclaredConflict]] = [[] for _ in range(n_evaluators)]
    for application in applications:
        for i in range(n_evaluators):
            if rng.random() < share:
                if rng.random() < 0.5:
                    affiliations[i].append(application.applicant)
                else:
                    declared[i].append(DeclaredConflict(application.id, "erklärt"))
    evaluators = [
        EvaluatorProfile(
            id=f"ev-{i:03d}",
            organisations=(OrgRef(f"org-evaluator-{i:03d}", f"Gutachterbüro {i}"),),
            affiliations=tuple(affiliations[i]),
            municipality_keys=frozenset({f"14{rng.randrange(400):06d}"}),
            declared_conflicts=tuple(declared[i]),
        )
        for i in range(n_evaluators)
    ]
    return evaluators, applications


def median_seconds(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples)


def report(
    result: AssignmentResult,
    sets: dict[str, frozenset[str]],
    naive: dict[str, tuple[str, ...]],
    end_to_end: float,
) -> None:
    loads = list(result.loads.values())
    even = sum(loads) / len(loads)
    print(
        f"\nload: min {min(loads)}, max {max(loads)}, spread {max(loads) - min(loads)},"
        f" even {even:.2f} -> max deviation {max(abs(x - even) for x in loads):.2f}"
    )
    missing = sum(s.required - s.assigned for s in result.shortfalls)
    print(f"applications short of N: {len(result.shortfalls)} ({missing} slots)")
    violations = sum(e in sets[a] for a, evs in result.assignments.items() for e in evs)
    naive_violations = sum(e in sets[a] for a, evs in naive.items() for e in evs)
    print(f"conflicted pairs assigned: {violations} (round robin: {naive_violations})")
    within = max(loads) - min(loads) <= 1 or max(abs(x - even) for x in loads) <= 1
    print(
        f"Target (issue): assignment <= 5 s end to end (with the database), load within ±1 of"
        f" even: pure part {end_to_end:.3f} s ({end_to_end / 5:.1%} of the budget),"
        f" load {'within' if within else 'NOT within'} ±1 (reported, not asserted)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--evaluators", type=int, default=200)
    parser.add_argument("--conflicts", type=float, default=0.05)
    parser.add_argument("--per-application", type=int, default=3)
    parser.add_argument("--cap", type=int, default=160)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})

    print(" ".join([Path(sys.executable).name, *sys.argv]))
    print(
        f"python {platform.python_version()} | {platform.machine()} | nproc {os.cpu_count()}"
        " | pinned to CPU 0"
    )
    evaluators, applications = build(args.applications, args.evaluators, args.conflicts, args.seed)
    app_ids = [a.id for a in applications]
    caps = {e.id: args.cap for e in evaluators}
    n = args.per_application

    sets = conflict_sets(evaluators, applications)
    conflicted = sum(len(s) for s in sets.values())
    print(
        f"{len(app_ids):,} applications × {len(caps)} evaluators, N = {n}, cap {args.cap}:"
        f" {conflicted:,} conflicted pairs ({conflicted / (len(app_ids) * len(caps)):.2%})"
    )

    result: AssignmentResult | None = None

    # The name cache is cleared before each timed detection: every run starts cold, as a
    # request in a fresh worker would.
    def detect() -> None:
        normalise_name.cache_clear()
        conflict_sets(evaluators, applications)

    def assignment() -> None:
        nonlocal result
        result = assign(app_ids, caps, sets, per_application=n, seed=args.seed)

    def end_to_end() -> None:
        normalise_name.cache_clear()
        assign(app_ids, caps, conflict_sets(evaluators, applications), per_application=n)

    pairs = [(a, e) for a in app_ids for e in list(caps)[:n]]

    def shuffle_sort() -> None:
        shuffled = list(pairs)
        random.Random(0).shuffle(shuffled)
        shuffled.sort()

    evaluator_ids = list(caps)

    def round_robin() -> dict[str, tuple[str, ...]]:
        k = len(evaluator_ids)
        return {
            a: tuple(evaluator_ids[(j * n + r) % k] for r in range(n))
            for j, a in enumerate(app_ids)
        }

    rows = [
        ("conflict detection (conflict_sets)", median_seconds(detect, args.repeat)),
        ("assignment (assign)", median_seconds(assignment, args.repeat)),
        ("end to end (detect + assign)", median_seconds(end_to_end, args.repeat)),
        (
            f"baseline: shuffle + sort {len(pairs):,} pairs",
            median_seconds(shuffle_sort, args.repeat),
        ),
        ("baseline: round robin, ignores conflicts", median_seconds(round_robin, args.repeat)),
    ]
    base = rows[3][1][0]
    print(f"\n{'what':44} | {'median ms':>9} | {'best ms':>8} | vs shuffle+sort")
    for label, (median, best) in rows:
        print(f"{label:44} | {median * 1e3:9.1f} | {best * 1e3:8.1f} | {median / base:6.1f}x")

    assert result is not None
    report(result, sets, round_robin(), rows[2][1][0])


if __name__ == "__main__":
    main()
