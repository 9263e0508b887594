"""Automatic, balanced assignment of evaluators to applications, and manual reassignment; pure.

The problem is a bipartite b-matching: every application needs N distinct evaluators (default
3, the rubric's ``minimum_evaluators``), every evaluator takes at most its cap, some pairs are
forbidden (conflicts of interest, declines), existing assignments stay. Among the assignments
that fill the most slots we want the most even loads.

Algorithm (three phases, all on integer indices, so the result never depends on hashing):

1. Greedy: applications most constrained first (fewest open evaluators beyond their need),
   each takes the least-loaded allowed evaluators. Evaluators with spare capacity sit in
   buckets by load, so a pick looks at a few evaluators (those at the lowest loads), not the
   whole pool. Ties: a seeded shuffle of the evaluators and applications, then round robin
   (an evaluator that receives an application goes to the end of its new bucket).
   On realistic pools this alone fills every slot with loads within 1 of each other.
2. Fill: for each application still short, an augmenting path (Kuhn's method): give it an
   allowed evaluator B that is full, B hands one of its new applications to C, ... until an
   evaluator with spare capacity takes one. The search runs on the evaluators (200 nodes), an
   edge B→C meaning "one of B's new applications may go to C", found with set differences.
   An application with no augmenting path will never get one later (the evaluators reached
   are closed and stay so), so those evaluators are remembered as dead and later searches
   skip them. After this phase the number of filled slots is the maximum possible.
3. Balance: while some evaluator with load L can pass one application along such a path to an
   evaluator with spare capacity and load ≤ L − 2, do it (the load vector becomes strictly
   more even; the sum of squares falls by at least 2, so this ends).

Guarantees (proved by the tests, against brute force on small instances):

- never a conflicted or declined pair; never the same evaluator twice on an application;
  never above a cap (existing assignments count towards it); existing assignments kept unless
  conflicted or declined, which are dropped and reported;
- the number of filled slots is maximal; the applications short of N are exactly reported,
  each with what it got and why (too few evaluators free of conflicts and declines, or caps);
- for these per-application counts, the load vector (existing + new) is decreasingly minimal:
  no single exchange can make it more even. The feasible load vectors form an integral base
  polyhedron (a transportation problem with capacities), where that local condition is
  global, and such a vector minimises the largest load and maximises the smallest at once
  (Frank & Murota, "Discrete decreasing minimization", 2022). So max − min is the smallest
  any assignment with the same counts achieves; when there is one with spread ≤ 1 (every load
  within ±1 of even) ours has it. Evaluators blocked from everything, or preloaded beyond the
  average by existing assignments, are what "forced otherwise" means.
- deterministic: same input and seed, same result (ids are sorted before the seeded shuffle).

Why not min-cost flow: a convex-cost flow reaches the same optimum, but it pays one shortest-
path search per unit (30,000 of them) through ~2 million application–evaluator arcs in pure
Python (no graph library is a dependency); greedy + repair does almost all the work in the
greedy and searches only where something is constrained (bench/assignment_bench.py: ~0.17 s
for 10,000 × 200).
"""

import random
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, NoReturn

from grants.core.errors import Conflict, FieldProblem, InvalidInput
from grants.core.guideline import Text

DEFAULT_EVALUATORS_PER_APPLICATION = 3


class Pair(NamedTuple):
    application_id: str
    evaluator_id: str


class ShortfallReason(StrEnum):
    TOO_FEW_ELIGIBLE = "too_few_eligible"  # conflicts and declines leave fewer than N
    CAPS_EXHAUSTED = "caps_exhausted"  # enough free of conflicts, but all at their cap


class DroppedReason(StrEnum):
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    DECLINED = "declined"


_SHORTFALL_TEXTS: Mapping[ShortfallReason, Text] = {
    ShortfallReason.TOO_FEW_ELIGIBLE: Text(
        de="Zu wenige Gutachterinnen und Gutachter ohne Befangenheit oder Ablehnung verfügbar.",
        en="Too few evaluators free of conflicts of interest and declines.",
    ),
    ShortfallReason.CAPS_EXHAUSTED: Text(
        de=(
            "Alle geeigneten Gutachterinnen und Gutachter haben ihre Höchstzahl an Anträgen "
            "erreicht."
        ),
        en="All eligible evaluators have reached their maximum number of applications.",
    ),
}

_DROPPED_TEXTS: Mapping[DroppedReason, Text] = {
    DroppedReason.CONFLICT_OF_INTEREST: Text(
        de="Bestehende Zuordnung trotz Befangenheit: entfernt.",
        en="Existing assignment despite a conflict of interest: removed.",
    ),
    DroppedReason.DECLINED: Text(
        de="Bestehende Zuordnung wurde von der Gutachterin oder dem Gutachter abgelehnt: entfernt.",
        en="Existing assignment was declined by the evaluator: removed.",
    ),
}


class Shortfall(NamedTuple):
    application_id: str
    assigned: int
    required: int
    reason: ShortfallReason
    text: Text
    conflicted: int  # evaluators of the pool conflicted on it
    declined: int  # evaluators of the pool who declined it (and are not conflicted)


class DroppedAssignment(NamedTuple):
    pair: Pair
    reason: DroppedReason
    text: Text


@dataclass(frozen=True, slots=True)
class AssignmentResult:
    # Every application of the batch -> its evaluators: kept existing ones first, then new.
    assignments: Mapping[str, tuple[str, ...]]
    added: tuple[Pair, ...]  # the new pairs, to insert
    loads: Mapping[str, int]  # every evaluator of the pool, existing (also outside) + new
    shortfalls: tuple[Shortfall, ...]
    dropped: tuple[DroppedAssignment, ...]  # existing pairs that must go


def tie_order(ids: Iterable[str], seed: int) -> list[str]:
    """The seeded tie-break order: sorted first, so the input order and hashing do not matter."""
    ordered = sorted(set(ids))
    random.Random(seed).shuffle(ordered)  # noqa: S311 - fairness of ties, not secrecy
    return ordered


class _State:
    """The working assignment on integer indices (evaluators 0..E-1 in tie order)."""

    __slots__ = ("assigned", "blocked", "cap", "dead", "load", "movable", "new")

    def __init__(self, cap: list[int], load: list[int], n_apps: int) -> None:
        self.cap = cap
        self.load = load
        self.blocked: list[set[int]] = [set() for _ in range(n_apps)]  # conflicts, declines
        self.assigned: list[set[int]] = [set() for _ in range(n_apps)]  # kept + new
        self.new: list[list[int]] = [[] for _ in range(n_apps)]
        # evaluator -> its new applications (ordered set: insertion order is deterministic)
        self.movable: list[dict[int, None]] = [{} for _ in cap]
        self.dead: set[int] = set()

    def give(self, app: int, evaluator: int) -> None:
        self.assigned[app].add(evaluator)
        self.new[app].append(evaluator)
        self.movable[evaluator][app] = None
        self.load[evaluator] += 1

    def move(self, app: int, source: int, target: int) -> None:
        self.assigned[app].discard(source)
        self.assigned[app].add(target)
        slots = self.new[app]
        slots[slots.index(source)] = target
        del self.movable[source][app]
        self.movable[target][app] = None
        self.load[source] -= 1
        self.load[target] += 1

    def search(
        self, sources: Sequence[int], is_target: Sequence[bool], skip: Collection[int] = ()
    ) -> tuple[int | None, dict[int, tuple[int, int]], set[int]]:
        """Breadth-first from ``sources`` along "one of X's new applications may go to Y".
        Returns the first target reached (or None), the parent links (Y -> (X, application))
        and every evaluator reached."""
        parent: dict[int, tuple[int, int]] = {}
        seen = set(sources)
        unvisited = set(range(len(self.cap))) - seen - set(skip)
        queue = deque(sources)
        while queue and unvisited:
            evaluator = queue.popleft()
            for app in self.movable[evaluator]:
                reachable = unvisited - self.blocked[app] - self.assigned[app]
                if not reachable:
                    continue
                unvisited -= reachable
                for other in sorted(reachable):
                    parent[other] = (evaluator, app)
                    seen.add(other)
                    if is_target[other]:
                        return other, parent, seen
                    queue.append(other)
                if not unvisited:
                    break
        return None, parent, seen

    def shift_along(self, target: int, parent: Mapping[int, tuple[int, int]]) -> int:
        """Apply the path ending at ``target``: every evaluator on it hands one application to
        the next. Returns the path's first evaluator, which lost one."""
        node = target
        while node in parent:
            previous, app = parent[node]
            self.move(app, previous, node)
            node = previous
        return node


def _pairs_by_application(pairs: Iterable[Pair]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for application_id, evaluator_id in pairs:
        grouped.setdefault(application_id, set()).add(evaluator_id)
    return grouped


def assign(
    application_ids: Sequence[str],
    evaluator_caps: Mapping[str, int],
    conflicts: Mapping[str, Collection[str]],
    *,
    per_application: int = DEFAULT_EVALUATORS_PER_APPLICATION,
    existing: Iterable[Pair] = (),
    declined: Iterable[Pair] = (),
    seed: int = 0,
) -> AssignmentResult:
    """Assign ``per_application`` evaluators to each application of the batch.

    ``evaluator_caps``: the pool, evaluator id -> the most applications it may hold in total.
    ``conflicts``: application id -> conflicted evaluator ids (``conflicts.conflict_sets``).
    ``existing``: pairs already assigned (manual, pending or accepted), also of applications
    outside the batch: they count towards loads and caps. ``declined``: pairs an evaluator
    declined; never assigned again.
    """
    problems: list[FieldProblem] = []
    if per_application < 1:
        problems.append(FieldProblem("per_application", "minimum", "Mindestens 1 (at least 1)."))
    if len(set(application_ids)) != len(application_ids):
        problems.append(
            FieldProblem("application_ids", "unique", "Antrag doppelt (duplicate application).")
        )
    problems.extend(
        FieldProblem(f"evaluator_caps.{evaluator_id}", "minimum", "Nicht negativ (not negative).")
        for evaluator_id, cap in evaluator_caps.items()
        if cap < 0
    )
    existing = list(dict.fromkeys(Pair(*pair) for pair in existing))  # de-duplicated, ordered
    problems.extend(
        FieldProblem(
            f"existing.{index}.evaluator_id",
            "unknown",
            "Gutachterin oder Gutachter nicht im Pool (evaluator not in the pool): "
            f"{pair.evaluator_id}",
        )
        for index, pair in enumerate(existing)
        if pair.evaluator_id not in evaluator_caps
    )
    if problems:
        raise InvalidInput(
            "Zuordnung nicht möglich (assignment input invalid).", problems=tuple(problems)
        )

    declined_by_app = _pairs_by_application(declined)
    order = tie_order(evaluator_caps, seed)
    index = {evaluator_id: i for i, evaluator_id in enumerate(order)}
    # Sorted: the fill and balance phases walk applications by index, so the index must not
    # depend on the caller's order (the seeded tie order decides the greedy's).
    apps = sorted(application_ids)
    app_index = {application_id: j for j, application_id in enumerate(apps)}
    state = _State([evaluator_caps[e] for e in order], [0] * len(order), len(apps))
    no_ids: Collection[str] = ()

    counts: list[tuple[int, int]] = []  # per application: conflicted, declined (in the pool)
    for j, application_id in enumerate(apps):
        blocked = state.blocked[j]
        blocked.update(index[e] for e in conflicts.get(application_id, no_ids) if e in index)
        conflicted = len(blocked)
        blocked.update(index[e] for e in declined_by_app.get(application_id, no_ids) if e in index)
        counts.append((conflicted, len(blocked) - conflicted))

    kept: list[list[str]] = [[] for _ in apps]
    dropped: list[DroppedAssignment] = []
    for pair in existing:
        application_id, evaluator_id = pair
        reason: DroppedReason | None = None
        if evaluator_id in conflicts.get(application_id, no_ids):
            reason = DroppedReason.CONFLICT_OF_INTEREST
        elif evaluator_id in declined_by_app.get(application_id, no_ids):
            reason = DroppedReason.DECLINED
        if reason is not None:
            dropped.append(DroppedAssignment(pair, reason, _DROPPED_TEXTS[reason]))
            continue
        i = index[evaluator_id]
        state.load[i] += 1
        j_or_none = app_index.get(application_id)
        if j_or_none is not None:
            state.assigned[j_or_none].add(i)
            kept[j_or_none].append(evaluator_id)

    need = [max(0, per_application - len(kept[j])) for j in range(len(apps))]
    app_rank = {application_id: r for r, application_id in enumerate(tie_order(apps, seed + 1))}
    _greedy(state, need, apps, app_rank)
    short = [j for j in range(len(apps)) if len(state.new[j]) < need[j]]
    _fill(state, need, short)
    _balance(state)

    assignments = {
        application_id: (*kept[j], *(order[i] for i in state.new[j]))
        for j, application_id in enumerate(apps)
    }
    added = tuple(
        Pair(application_id, order[i])
        for j, application_id in enumerate(apps)
        for i in state.new[j]
    )
    shortfalls = tuple(
        _shortfall(state, j, apps[j], per_application, len(kept[j]), counts[j])
        for j in range(len(apps))
        if len(state.new[j]) < need[j]
    )
    return AssignmentResult(
        assignments=assignments,
        added=added,
        loads={order[i]: state.load[i] for i in range(len(order))},
        shortfalls=shortfalls,
        dropped=tuple(dropped),
    )


def _greedy(state: _State, need: list[int], apps: list[str], app_rank: Mapping[str, int]) -> None:
    load, cap = state.load, state.cap
    # Buckets of evaluators with spare capacity, by load; dicts keep arrival order.
    buckets: dict[int, dict[int, None]] = {}
    for i in range(len(cap)):
        if load[i] < cap[i]:
            buckets.setdefault(load[i], {})[i] = None
    spare = {i for bucket in buckets.values() for i in bucket}

    def slack(j: int) -> tuple[int, int]:
        blocked_or_taken = state.blocked[j] | state.assigned[j]
        open_count = len(spare) - sum(1 for i in blocked_or_taken if i in spare)
        return open_count - need[j], app_rank[apps[j]]

    for j in sorted((j for j in range(len(apps)) if need[j]), key=slack):
        blocked, assigned = state.blocked[j], state.assigned[j]
        picks: list[int] = []
        for level in sorted(buckets):
            for i in buckets[level]:
                if i not in blocked and i not in assigned:
                    picks.append(i)
                    if len(picks) == need[j]:
                        break
            if len(picks) == need[j]:
                break
        for i in picks:
            bucket = buckets[load[i]]
            del bucket[i]
            if not bucket:
                del buckets[load[i]]
            state.give(j, i)
            if load[i] < cap[i]:
                buckets.setdefault(load[i], {})[i] = None


def _fill(state: _State, need: list[int], short: list[int]) -> None:
    """Augmenting paths for the applications the greedy left short (in its order)."""
    load, cap = state.load, state.cap
    n = len(cap)
    for j in short:
        while len(state.new[j]) < need[j]:
            sources = [
                i for i in range(n) if i not in state.blocked[j] and i not in state.assigned[j]
            ]
            direct = [i for i in sources if load[i] < cap[i]]
            if direct:
                state.give(j, min(direct, key=lambda i: (load[i], i)))
                continue
            alive = [i for i in sources if i not in state.dead]
            if not alive:
                break
            spare = [load[i] < cap[i] for i in range(n)]
            target, parent, reached = state.search(alive, spare, skip=state.dead)
            if target is None:
                # Closed: no evaluator reachable from here will ever have room again.
                state.dead |= reached
                break
            # The first evaluator hands one application on and takes ``j``: its load stays.
            state.give(j, state.shift_along(target, parent))


def _balance(state: _State) -> None:
    """Move single applications along exchange paths from high to low loads until no move
    from a load L to a load ≤ L − 2 exists (decreasing minimality)."""
    load, cap, movable = state.load, state.cap, state.movable
    n = len(cap)
    while True:
        open_loads = [load[i] for i in range(n) if load[i] < cap[i]]
        if not open_loads:
            return
        lowest = min(open_loads)
        levels = sorted({load[i] for i in range(n) if movable[i] and load[i] >= lowest + 2})
        for level in reversed(levels):
            sources = [i for i in range(n) if load[i] == level and movable[i]]
            targets = [load[i] <= level - 2 and load[i] < cap[i] for i in range(n)]
            target, parent, _ = state.search(sources, targets)
            if target is not None:
                state.shift_along(target, parent)
                break
        else:
            return


def _shortfall(
    state: _State, j: int, application_id: str, required: int, kept: int, counts: tuple[int, int]
) -> Shortfall:
    blocked, assigned = state.blocked[j], state.assigned[j]
    # Could the pool serve it at all, caps aside? Those it has plus those free to take it.
    possible = len(assigned) + len(state.cap) - len(blocked | assigned)
    reason = (
        ShortfallReason.TOO_FEW_ELIGIBLE if possible < required else ShortfallReason.CAPS_EXHAUSTED
    )
    return Shortfall(
        application_id=application_id,
        assigned=kept + len(state.new[j]),
        required=required,
        reason=reason,
        text=_SHORTFALL_TEXTS[reason],
        conflicted=counts[0],
        declined=counts[1],
    )


class Move(NamedTuple):
    application_id: str
    from_evaluator_id: str
    to_evaluator_id: str


@dataclass(frozen=True, slots=True)
class Reassignment:
    assignments: Mapping[str, tuple[str, ...]]  # the whole board after the move
    move: Move


def _loads(assignments: Mapping[str, Collection[str]]) -> dict[str, int]:
    loads: dict[str, int] = {}
    for evaluators in assignments.values():
        for evaluator_id in evaluators:
            loads[evaluator_id] = loads.get(evaluator_id, 0) + 1
    return loads


def best_replacement(
    assignments: Mapping[str, Collection[str]],
    application_id: str,
    from_evaluator_id: str,
    *,
    evaluator_caps: Mapping[str, int],
    conflicted: Collection[str],
    declined: Collection[str] = (),
    seed: int = 0,
) -> str | None:
    """The evaluator to take ``application_id`` over from ``from_evaluator_id``: allowed (no
    conflict, no decline, not already on it, below its cap) and least loaded, ties by the
    seeded order; None if nobody qualifies."""
    loads = _loads(assignments)
    current = set(assignments.get(application_id, ()))
    candidates = [
        evaluator_id
        for evaluator_id in tie_order(evaluator_caps, seed)
        if evaluator_id != from_evaluator_id
        and evaluator_id not in current
        and evaluator_id not in conflicted
        and evaluator_id not in declined
        and loads.get(evaluator_id, 0) < evaluator_caps[evaluator_id]
    ]
    return min(candidates, key=lambda e: loads.get(e, 0), default=None)  # min keeps the first


def reassign(
    assignments: Mapping[str, Collection[str]],
    application_id: str,
    from_evaluator_id: str,
    to_evaluator_id: str | None = None,
    *,
    evaluator_caps: Mapping[str, int],
    conflicted: Collection[str],
    declined: Collection[str] = (),
    seed: int = 0,
) -> Reassignment:
    """Move ``application_id`` from one evaluator to another (``None``: the best replacement).

    ``assignments`` is the whole current board (application -> evaluators, all applications
    that count towards loads); ``conflicted`` and ``declined`` concern this application. The
    board is not changed; the new one is returned. Raises ``Conflict`` when the application is
    not (or no longer) with ``from_evaluator_id``, ``InvalidInput`` naming every rule the target
    breaks (``unknown_evaluator``, ``same_evaluator``, ``already_assigned``,
    ``conflict_of_interest``, ``declined``, ``cap_reached``, ``no_replacement``).
    """
    current = tuple(assignments.get(application_id, ()))
    if from_evaluator_id not in current:
        raise Conflict(
            "Antrag ist dieser Gutachterin oder diesem Gutachter nicht (mehr) zugeordnet "
            "(application is not assigned to this evaluator).",
            extra={"reason": "not_assigned"},
        )
    target = to_evaluator_id
    if target is None:
        target = best_replacement(
            assignments,
            application_id,
            from_evaluator_id,
            evaluator_caps=evaluator_caps,
            conflicted=conflicted,
            declined=declined,
            seed=seed,
        )
        if target is None:
            _reject(
                FieldProblem(
                    "to_evaluator_id",
                    "no_replacement",
                    "Keine geeignete Gutachterin und kein geeigneter Gutachter frei "
                    "(no eligible evaluator with capacity).",
                )
            )
    else:
        _check_target(
            assignments, current, from_evaluator_id, target, evaluator_caps, conflicted, declined
        )
    board = {key: tuple(value) for key, value in assignments.items()}
    board[application_id] = tuple(target if e == from_evaluator_id else e for e in current)
    return Reassignment(board, Move(application_id, from_evaluator_id, target))


def _check_target(
    assignments: Mapping[str, Collection[str]],
    current: tuple[str, ...],
    from_evaluator_id: str,
    target: str,
    evaluator_caps: Mapping[str, int],
    conflicted: Collection[str],
    declined: Collection[str],
) -> None:
    problems: list[FieldProblem] = []

    def broken(rule: str, de: str, en: str) -> None:
        problems.append(FieldProblem("to_evaluator_id", rule, f"{de} ({en})."))

    if target not in evaluator_caps:
        broken(
            "unknown_evaluator",
            "Gutachterin oder Gutachter nicht im Pool",
            "evaluator not in the pool",
        )
        _reject(*problems)
    if target == from_evaluator_id:
        broken("same_evaluator", "Dieselbe Person", "same evaluator")
    elif target in current:
        broken(
            "already_assigned",
            "Gutachterin oder Gutachter bereits zugeordnet",
            "evaluator already assigned",
        )
    if target in conflicted:
        broken(
            "conflict_of_interest",
            "Gutachterin oder Gutachter ist befangen",
            "conflict of interest",
        )
    if target in declined:
        broken("declined", "Gutachter hat den Antrag abgelehnt", "evaluator declined it")
    if target != from_evaluator_id and _loads(assignments).get(target, 0) >= evaluator_caps[target]:
        broken("cap_reached", "Höchstzahl erreicht", "evaluator's maximum reached")
    if problems:
        _reject(*problems)


def _reject(*problems: FieldProblem) -> NoReturn:
    raise InvalidInput(
        "Neuzuordnung nicht möglich (reassignment not possible).",
        problems=problems,
        extra={"reasons": [problem.rule for problem in problems]},
    )


# The states of an assignment and who made it (the balanced algorithm, or a manager).
class AssignmentStatus(StrEnum):
    PENDING = "pending"  # proposed, waiting for the evaluator's answer
    ACCEPTED = "accepted"
    DECLINED = "declined"  # kept: never proposed again to this evaluator
    REMOVED = "removed"  # taken back by a programme manager


class AssignmentSource(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"
