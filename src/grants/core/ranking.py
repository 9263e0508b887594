"""Ranking per call and funding line, the funding line itself and the what-if simulation,
pure: inputs in, results out, nothing stored (DOMAIN.md §5.6, §3.6).

Order: final score descending; then the policy's tie-break criteria, higher mean first
(the rubric's ``tie_breaks``, default K1) — and nothing else. Applications that are still
equal after the criteria are **tied**: they share their rank (competition ranking: 1, 2, 2,
4), and ``tie_size`` says how many share it. In a procedure with a cut-off date every
proposal received by the deadline counts the same, so neither the receipt time (which would
also penalise corrections) nor the reference number is a ground to put one tied project
before another: the order among tied entries follows the reference number (then the id) for
a stable display only — a total order, so the same inputs always give the same list whatever
order they come in — and it never decides funding silently. Applications failing a
threshold keep their place in the ranking but are never funded.

The funding line walks down the ranking and funds every project that passes the thresholds
while its grant fits into what is left of the budget. A project that does not fit is skipped
and the walk continues (default) or the walk stops (``MisfitRule.STOP``). Projects that pass
the thresholds but were not funded for lack of budget form the reserve list in rank order
(all of them, or the first ``reserve_size``; the rest are "not funded: budget").

A tie **at the funding line** — the budget reaches the tied entries but not all of them, so
which ones are funded would depend on their display order — is reported as such
(``tie_at_line`` on each fundable entry of the group, ``FundingLineResult.ties_at_line``):
the statuses shown for it are provisional, and the jury decides. Under skip-and-continue
that is a group with at least two fundable entries that fit the remaining budget one by one
but not all together (each of them could then be left out by some order); under STOP, a
group with one that fits and fundable grants above the remaining budget (an order that puts
a misfit first would end the line before it). Anything short of that ends the same way in
every order.

Note on monotonicity: with STOP, a larger budget never moves a project out. With
skip-and-continue it can: budget 10 and grants 6, 5, 4 in rank order fund the first and the
third (6 + 4); budget 11 funds the first two (6 + 5) and the third moves out. That is the
rule working as designed (rank beats fit), and ``what_if`` shows it.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple

from grants.core.errors import FieldProblem, InvalidInput
from grants.core.guideline import Call, Text
from grants.core.money import CENT, format_eur, format_eur_en
from grants.core.scoring import (
    Aggregate,
    ApplicationScores,
    MisfitRule,
    ScoringPolicy,
    aggregate_all,
)


class FundingStatus(StrEnum):
    FUNDED = "funded"
    RESERVE = "reserve"  # fundable, beyond the budget: Nachrückerliste
    NOT_FUNDED = "not_funded"


class NotFundedReason(StrEnum):
    THRESHOLD = "threshold"  # a threshold failed (incl. too few evaluations)
    BUDGET = "budget"  # passes every threshold, the budget did not reach it


class LineEntry(NamedTuple):  # a NamedTuple: one per application of the line
    rank: int  # 1-based, shared by tied entries (1, 2, 2, 4)
    aggregate: Aggregate
    status: FundingStatus  # provisional where ``tie_at_line``
    reason: NotFundedReason | None  # None when funded
    available: Decimal  # budget left when the funding line reached this entry
    stopped: bool = False  # STOP rule: the line had ended before this entry
    position: int = 0  # 1-based, unique: the display order (among tied entries: reference)
    tie_size: int = 1  # entries sharing this rank (1: no tie)
    tie_at_line: bool = False  # a fundable entry of a tie the funding line cuts: jury decides

    @property
    def tied(self) -> bool:
        return self.tie_size > 1

    @property
    def application_id(self) -> str:
        return self.aggregate.application_id

    def explanation(self) -> Text:
        """For the Begründung of the decision (§ 39 VwVfG): rank, score and why. Built on
        demand: a call has thousands of entries, a letter needs one."""
        text = self._explanation()
        if self.tie_at_line:
            others = self.tie_size - 1
            return Text(
                f"{text.de} Gleichstand an der Förderlinie mit {others} weiteren Vorhaben auf "
                f"Rang {self.rank}: Das Budget reicht nicht für alle, und die Reihenfolge unter "
                "ihnen folgt nur dem Aktenzeichen; die Jury entscheidet, welche gefördert "
                "werden (der Förderstatus ist vorläufig).",
                f"{text.en} Tie at the funding line with {others} other project(s) at rank "
                f"{self.rank}: the budget does not reach all of them, and their order follows "
                "the reference number only; the jury decides which are funded (the funding "
                "status is provisional).",
            )
        return text

    def _explanation(self) -> Text:
        score = self.aggregate.final_score
        shared_de = " (gleichauf)" if self.tied else ""
        shared_en = " (tied)" if self.tied else ""
        head_de = f"Rang {self.rank}{shared_de}, {_de(score)} Punkte"
        head_en = f"rank {self.rank}{shared_en}, {score if score is not None else '–'} points"
        grant = format_eur(self.aggregate.application.grant)
        grant_en = format_eur_en(self.aggregate.application.grant)
        if self.status is FundingStatus.FUNDED:
            return Text(
                f"{head_de}: im Rahmen des Budgets gefördert ({grant}).",
                f"{head_en}: funded within the budget ({grant_en}).",
            )
        if self.reason is NotFundedReason.THRESHOLD:
            failures = self.aggregate.failures
            return Text(
                f"{head_de}: " + " ".join(f.reason.de for f in failures),
                f"{head_en}: " + " ".join(f.reason.en for f in failures),
            )
        left = format_eur(self.available)
        left_en = format_eur_en(self.available)
        reserve = self.status is FundingStatus.RESERVE
        tail_de = " Nachrückerliste." if reserve else ""
        tail_en = " Reserve list." if reserve else ""
        if self.stopped:
            return Text(
                f"{head_de}: Die Förderlinie endete bei einem besser platzierten "
                f"Vorhaben, das nicht mehr in das Budget passte.{tail_de}",
                f"{head_en}: the funding line ended at a higher-ranked project that "
                f"no longer fitted into the budget.{tail_en}",
            )
        return Text(
            f"{head_de}: Zuwendung {grant} übersteigt das verbleibende Budget von {left}.{tail_de}",
            f"{head_en}: grant {grant_en} exceeds the remaining budget of {left_en}.{tail_en}",
        )


def _de(value: Decimal | None) -> str:
    return "–" if value is None else str(value).replace(".", ",")


@dataclass(frozen=True, slots=True)
class FundingLineResult:
    line: str
    budget: Decimal
    misfit_rule: MisfitRule
    entries: tuple[LineEntry, ...]  # in rank order
    committed: Decimal
    remaining: Decimal
    # Each tie the funding line cuts: its fundable entries, in display order. Their statuses
    # are provisional (the jury decides); with skip-and-continue, so are those below them.
    ties_at_line: tuple[tuple[LineEntry, ...], ...] = ()

    def statuses(self) -> dict[str, FundingStatus]:
        return {e.application_id: e.status for e in self.entries}

    def funded(self) -> tuple[LineEntry, ...]:
        return tuple(e for e in self.entries if e.status is FundingStatus.FUNDED)

    def reserve(self) -> tuple[LineEntry, ...]:
        return tuple(e for e in self.entries if e.status is FundingStatus.RESERVE)


def line_budget(call: Call, line: str) -> Decimal:
    """The default budget of a funding line: an equal share of the call's budget, rounded
    down to the cent (the guideline gives one budget per call)."""
    del line  # every line the same share
    return (call.budget / len(call.lines)).quantize(CENT, rounding=ROUND_DOWN)


def rank(aggregates: Iterable[Aggregate], policy: ScoringPolicy) -> list[Aggregate]:
    """The ranking order (see the module docstring): a stable sort by the display keys
    (reference number, id), then one by the score keys, descending (``reverse`` keeps equal
    keys in place). Applications without any sheet have no score and come last. ``policy``
    is the one the aggregates were computed with (its tie-break criteria are in
    ``tie_break_means``). Entries with equal score keys are tied: ``tie_groups`` finds them."""
    del policy  # kept in the signature: the order is the policy's, through the aggregates
    ordered = sorted(aggregates, key=_display_key)
    scored = [item for item in ordered if item.final_score is not None]
    scored.sort(key=_score_key, reverse=True)
    return scored + [item for item in ordered if item.final_score is None]


# Never the receipt time: in a Stichtag procedure it is no ground to prefer a proposal.
_display_key = attrgetter("application.reference", "application.application_id")
_score_key = attrgetter("final_score", "tie_break_means")


def tie_groups(ranked: Sequence[Aggregate]) -> list[list[Aggregate]]:
    """``ranked`` (as ``rank`` returns it) cut into runs of equal score keys: each run shares
    one rank. Applications without a score are one run (nothing tells them apart)."""
    groups: list[list[Aggregate]] = []
    previous: object = None
    for item in ranked:
        key = _score_key(item)
        if groups and key == previous:
            groups[-1].append(item)
        else:
            groups.append([item])
            previous = key
    return groups


def _grant(item: Aggregate) -> Decimal:
    grant = item.application.grant
    if grant < 0:
        raise InvalidInput(
            "Zuwendung negativ (negative grant)",
            problems=(
                FieldProblem(
                    f"applications.{item.application_id}.grant",
                    "range",
                    "mindestens 0 (at least 0)",
                ),
            ),
        )
    return grant


def _cut_by_line(group: Sequence[Aggregate], remaining: Decimal, stop: bool) -> bool:
    """Whether which fundable entries of a tie get funded depends on their (display) order,
    the budget left being ``remaining`` when the line reaches the tie (module docstring)."""
    fundable = [_grant(item) for item in group if not item.failures]
    if len(fundable) < 2:
        return False
    fitting = [grant for grant in fundable if grant <= remaining]
    if stop:
        return bool(fitting) and sum(fundable, Decimal(0)) > remaining
    return len(fitting) >= 2 and sum(fitting, Decimal(0)) > remaining


def funding_line(
    ranked: Sequence[Aggregate], budget: Decimal, policy: ScoringPolicy, *, line: str = ""
) -> FundingLineResult:
    """Walk down ``ranked`` (as ``rank`` returns it) and commit grants from ``budget``; ties
    share their rank, and a tie the line cuts is reported (``ties_at_line``)."""
    if budget < 0:
        raise InvalidInput(
            "Budget negativ (negative budget)",
            problems=(FieldProblem("budget", "range", "mindestens 0 (at least 0)"),),
        )
    stop = policy.misfit_rule is MisfitRule.STOP
    reserve_left = policy.reserve_size
    remaining = budget
    stopped = False
    entries: list[LineEntry] = []
    cut: list[tuple[LineEntry, ...]] = []
    for group in tie_groups(ranked):
        shared, size = len(entries) + 1, len(group)
        at_line = not stopped and _cut_by_line(group, remaining, stop)
        first = len(entries)
        for item in group:
            position = len(entries) + 1
            flagged = at_line and not item.failures
            if item.failures:
                entries.append(
                    LineEntry(
                        shared,
                        item,
                        FundingStatus.NOT_FUNDED,
                        NotFundedReason.THRESHOLD,
                        remaining,
                        stopped,
                        position,
                        size,
                    )
                )
                continue
            grant = _grant(item)
            if not stopped and grant <= remaining:
                entries.append(
                    LineEntry(
                        shared,
                        item,
                        FundingStatus.FUNDED,
                        None,
                        remaining,
                        False,
                        position,
                        size,
                        flagged,
                    )
                )
                remaining -= grant
                continue
            was_stopped = stopped
            stopped = stopped or stop
            status = FundingStatus.NOT_FUNDED
            if reserve_left is None or reserve_left > 0:
                status = FundingStatus.RESERVE
                reserve_left = None if reserve_left is None else reserve_left - 1
            entries.append(
                LineEntry(
                    shared,
                    item,
                    status,
                    NotFundedReason.BUDGET,
                    remaining,
                    was_stopped,
                    position,
                    size,
                    flagged,
                )
            )
        if at_line:
            cut.append(tuple(e for e in entries[first:] if e.tie_at_line))
    return FundingLineResult(
        line,
        budget,
        policy.misfit_rule,
        tuple(entries),
        budget - remaining,
        remaining,
        tuple(cut),
    )


def evaluate_line(
    applications: Iterable[ApplicationScores],
    budget: Decimal,
    policy: ScoringPolicy,
    *,
    line: str = "",
) -> FundingLineResult:
    """Aggregate, rank and draw the funding line for the applications of one line."""
    aggregates = aggregate_all(applications, policy)
    _check_unique(aggregates)
    return funding_line(rank(aggregates, policy), budget, policy, line=line)


def evaluate_call(
    applications: Iterable[ApplicationScores],
    budgets: Mapping[str, Decimal],
    policy: ScoringPolicy,
) -> dict[str, FundingLineResult]:
    """Each funding line ranked and funded on its own budget."""
    by_line: dict[str, list[ApplicationScores]] = {code: [] for code in budgets}
    for application in applications:
        if application.line not in by_line:
            raise InvalidInput(
                "Förderlinie ohne Budget (funding line without a budget)",
                problems=(
                    FieldProblem(
                        f"applications.{application.application_id}.line",
                        "unknown_line",
                        f"„{application.line}“ hat kein Budget (has no budget)",
                    ),
                ),
            )
        by_line[application.line].append(application)
    return {
        code: evaluate_line(items, budgets[code], policy, line=code)
        for code, items in by_line.items()
    }


def _check_unique(aggregates: Sequence[Aggregate]) -> None:
    if len({a.application_id for a in aggregates}) != len(aggregates):
        raise InvalidInput(
            "Antrag doppelt (application listed twice)",
            problems=(
                FieldProblem("applications", "duplicate", "jeder Antrag einmal (each once)"),
            ),
        )


# --- what-if --------------------------------------------------------------------------------


class Move(NamedTuple):
    application_id: str
    reference: str
    rank: int  # unchanged by budget and thresholds: the order depends on the scores only
    before: FundingStatus
    after: FundingStatus
    position: int = 0  # the unique display position (rank is shared by tied entries)


@dataclass(frozen=True, slots=True)
class WhatIf:
    base: FundingLineResult
    scenario: FundingLineResult
    moved_in: tuple[Move, ...]  # funded in the scenario only
    moved_out: tuple[Move, ...]  # funded in the base run only
    changed: tuple[Move, ...]  # every status change (also reserve ↔ not funded), rank order


def what_if(
    applications: Sequence[ApplicationScores],
    budget: Decimal,
    policy: ScoringPolicy,
    *,
    new_budget: Decimal | None = None,
    minimum_total: Decimal | None = None,
    minimum_scores: Mapping[str, int] | None = None,
    line: str = "",
) -> WhatIf:
    """The base run and a run with another budget and/or thresholds, and who crosses the
    funding line between them. Stores nothing; the inputs are not changed."""
    aggregates = aggregate_all(applications, policy)
    _check_unique(aggregates)
    ranked = rank(aggregates, policy)
    base = funding_line(ranked, budget, policy, line=line)
    scenario_policy = policy
    if minimum_total is not None or minimum_scores is not None:
        merged = dict(policy.minimum_scores)
        merged.update(minimum_scores or {})
        scenario_policy = replace(
            policy,
            minimum_total=policy.minimum_total if minimum_total is None else minimum_total,
            minimum_scores=tuple(merged.items()),
        )
        # Thresholds do not change scores, so the order stays; only the failures change.
        ranked = aggregate_all([a.application for a in ranked], scenario_policy)
    scenario = funding_line(
        ranked, budget if new_budget is None else new_budget, scenario_policy, line=line
    )
    changed = tuple(
        Move(
            a.application_id,
            a.aggregate.application.reference,
            a.rank,
            a.status,
            b.status,
            a.position,
        )
        for a, b in zip(base.entries, scenario.entries, strict=True)
        if a.status is not b.status
    )
    funded = FundingStatus.FUNDED
    return WhatIf(
        base,
        scenario,
        tuple(m for m in changed if m.after is funded),
        tuple(m for m in changed if m.before is funded),
        changed,
    )


# What the jury recommends for an application (beside the funding line the system proposes).
class Recommendation(StrEnum):
    RECOMMENDED = "recommended"
    NOT_RECOMMENDED = "not_recommended"
    RESERVE = "reserve"
