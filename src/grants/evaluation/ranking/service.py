"""Ranking, funding line, agreement and the what-if simulation of a call, read from the
database and computed by the pure core (``core.scoring``, ``core.ranking``). Nothing here
writes.

What counts: applications of the call from ``in_review`` on (``RANKED_STATES``: withdrawn and
formally rejected ones drop out), and of their score sheets only the *submitted* ones whose
assignment is still pending or accepted and whose (application, evaluator) pair has no
recorded conflict of interest — a conflict found after scoring removes that sheet from the
ranking. One query reads it all: one row per sheet (applications without any sheet yet come
once, with empty arrays), the criterion scores already in rubric order as ``int[]``.

What was submitted counts: the requested grant and the title come from the latest
submission's frozen snapshot (``application_submissions.snapshot``, content of the version
``applications.submission_count``), never from the working copy (``applications.title`` and
``requested_grant`` stay editable after submission and could carry an amount nobody
submitted). An application without a submitted version is not ranked.

Ties: ``core.ranking`` breaks them by the rubric's criteria only; what stays equal shares a
rank and is shown as a tie (``tie_size``), and a tie the funding line cuts is reported per
line (``ties_at_funding_line``) and proposed to the jury as such (``TIE_AT_LINE``), never
decided by receipt time or reference number.

Budgets: the guideline gives one budget per call. Unless the caller names one, each funding
line gets an equal share of it (``core.ranking.line_budget``: call budget ÷ number of lines,
rounded down to the cent) — a stable rule that does not move when applications come or go. A
programme with fixed line budgets passes ``budget`` (ranking) or ``budget`` (simulation) instead.

Agreement (Krippendorff's alpha) and the optional z-scores are computed over the whole call,
whatever line is shown: "the evaluator's own scores in the call".
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.queries import applications_table
from grants.context import Context
from grants.core.agreement import Agreement, call_agreement, normalised_scores
from grants.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from grants.core.guideline import Call, Guideline
from grants.core.lifecycle import State
from grants.core.ranking import (
    FundingLineResult,
    FundingStatus,
    LineEntry,
    Recommendation,
    evaluate_line,
    line_budget,
    what_if,
)
from grants.core.scoring import (
    Aggregate,
    ApplicationScores,
    CriterionScore,
    ScoreSheet,
    ScoringPolicy,
    SheetStatus,
)
from grants.evaluation.ranking.cache import CACHE, inputs_fingerprint
from grants.evaluation.ranking.schemas import (
    AgreementOut,
    AlphaOut,
    DisagreementOut,
    EvaluatorProfileOut,
    EvaluatorTotalOut,
    LineRanking,
    MoveOut,
    PolicyOut,
    RankingEntry,
    RankingPublic,
    ScenarioOut,
    SimulationPublic,
    SimulationRequest,
    TextOut,
    ThresholdFailureOut,
    TieOut,
)
from grants.evaluation.scoring.service import active_assignment
from grants.evaluation.tables import assignments_table, jury_decisions_table, score_sheets_table
from grants.guidelines.registry import GuidelineRegistry

_apps = applications_table
_s = score_sheets_table
_a = assignments_table
_jd = jury_decisions_table

RANKED_STATES = tuple(
    s.value
    for s in (
        State.IN_REVIEW,
        State.REVIEWED,
        State.JURY_DECIDED,
        State.INVITED,
        State.NOT_SELECTED,
        State.APPLICATION_DRAFT,
        State.APPLICATION_SUBMITTED,
        State.APPLICATION_CHECK,
        State.APPLICATION_INFORMATION_REQUESTED,
        State.APPROVED,
        State.PARTIALLY_APPROVED,
        State.REJECTED,
    )
)
EQUAL_SHARE = (
    "Aufrufbudget zu gleichen Teilen auf die Förderlinien verteilt "
    "(call budget split equally across its funding lines)"
)
GIVEN = "vom Aufrufer vorgegeben (given in the request)"
# Entries per page of a line's ranking (and at most): a call of 10,000 proposals is not one
# response a browser or a client should have to take at once.
RANKING_PAGE = 200
RANKING_PAGE_MAX = 1000
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Info:
    """What the ranking shows beside the scores."""

    title: str
    status: str
    recommendation: str | None


@dataclass(frozen=True, slots=True)
class CallScores:
    guideline: Guideline
    call: Call
    policy: ScoringPolicy
    applications: list[ApplicationScores]  # in application id order
    info: dict[str, Info]

    def of_line(self, line: str) -> list[ApplicationScores]:
        return [a for a in self.applications if a.line == line]


def find_call(registry: GuidelineRegistry, code: str) -> tuple[Guideline, Call]:
    found = [(g, c) for g, c in registry.calls() if c.code == code]
    if not found:
        raise NotFound(f"Förderaufruf {code!r} nicht gefunden (call not found)")
    return found[0]


def check_line(call: Call, line: str | None) -> None:
    if line is not None and line not in call.lines:
        raise InvalidInput(
            f"Förderlinie {line!r} gehört nicht zum Aufruf (not a line of call {call.code})",
            problems=(
                FieldProblem("funding_line", "unknown_line", f"erlaubt: {', '.join(call.lines)}"),
            ),
        )


def condition_sql(condition: sa.ColumnElement[bool], table: sa.FromClause) -> str:
    """A Core ``condition`` on ``table`` as PostgreSQL text, its constants inlined, for a raw
    statement that names ``table`` the same way (an alias: its name); correlated subqueries
    of the condition stay correlated to it."""
    probe = sa.select(sa.literal(1)).select_from(table).where(condition)
    froms = probe.get_final_froms()
    if len(froms) != 1 or froms[0] is not table:
        names = [getattr(f, "name", str(f)) for f in froms]
        raise RuntimeError(f"the condition reaches beyond {table}: FROM {names}")
    dialect = PGDialect()  # type: ignore[no-untyped-call]  # (SQLAlchemy leaves it untyped)
    text = str(probe.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    head, found, where = text.partition(" \nWHERE ")
    if not found or "WHERE" in head:  # the compiler's layout changed: fail loudly, at import
        raise RuntimeError(f"cannot cut the WHERE clause out of {text!r}")
    return where


# Which sheets count, by their assignment (``g`` in ``scores_query``): the Core rule itself,
# ``scoring.service.active_assignment`` (``ACTIVE_STATUSES`` and ``not_conflicted``),
# compiled once — not a copy that could drift from it.
_g = _a.alias("g")
COUNTED_ASSIGNMENT = condition_sql(active_assignment(_g), _g)


def scores_query(codes: Sequence[str]) -> str:
    """One row per submitted application of the call (``:guideline``, ``:call``) with the
    title, requested grant and receipt time of its latest submitted version (from the frozen
    snapshot) and its counted sheets aggregated: evaluator ids (``text[]``), the scores
    (``int[][]``, one row per sheet, criteria in rubric order) and, per sheet, whether every
    justification is non-blank (``bool[]``); NULL arrays without any counted sheet. Ordered
    by application id.

    Plain SQL run on the session's own asyncpg connection (same transaction), so that
    asyncpg's array decoding reaches Python untouched: SQLAlchemy's row processing and one
    row per sheet cost more than the query itself (``bench/ranking_db_bench.py``).
    Parameters: $1 guideline, $2 call, $3… the criterion codes. The access rule on the
    sheet's assignment is ``COUNTED_ASSIGNMENT``: the Core ``active_assignment`` compiled to
    text (``tests/integration/evaluation/test_ranking_access_predicate.py`` pins the two).
    Only the justifications' presence is read: the texts are not needed to rank, and they
    were validated when the sheet was submitted."""
    points = ", ".join(f"(s.scores -> ${i + 3}::text ->> 'score')::int" for i in range(len(codes)))
    justified = " AND ".join(
        f"btrim(coalesce(s.scores -> ${i + 3}::text ->> 'justification', '')) <> ''"
        for i in range(len(codes))
    )
    states = ", ".join(f"'{state}'" for state in RANKED_STATES)  # constants of the lifecycle
    return f"""
        SELECT a.id, a.reference_number, v.snapshot #>> '{{content,title}}' AS title, a.status,
               a.funding_line, v.received_at AS submitted_at,
               (v.snapshot #>> '{{content,financing,requested_grant}}')::numeric
                   AS requested_grant,
               d.recommendation, x.evaluators, x.points, x.justified
        FROM applications a
        JOIN application_submissions v
          ON v.application_id = a.id AND v.number = a.submission_count
        LEFT JOIN LATERAL (
            SELECT array_agg(s.evaluator_id::text ORDER BY s.evaluator_id) AS evaluators,
                   array_agg(ARRAY[{points}] ORDER BY s.evaluator_id) AS points,
                   array_agg(({justified}) ORDER BY s.evaluator_id) AS justified
            FROM score_sheets s
            JOIN assignments g ON g.id = s.assignment_id
            WHERE s.application_id = a.id
              AND s.status = '{SheetStatus.SUBMITTED.value}'
              AND ({COUNTED_ASSIGNMENT})
        ) x ON true
        LEFT JOIN jury_decisions d ON d.application_id = a.id
        WHERE a.guideline_id = $1 AND a.call_code = $2 AND a.status IN ({states})
        ORDER BY a.id
        """  # noqa: S608 - only constants and bound parameters


_QUERIES: dict[tuple[str, ...], str] = {}
_ZERO = Decimal(0)
JUSTIFIED = "(eingereicht, begründet)"  # stands in for the texts (see ``scores_query``)


def build_applications(
    rows: Sequence[Any], codes: tuple[str, ...]
) -> tuple[list[ApplicationScores], dict[str, Info]]:
    """The query's rows as the core's inputs. A sheet with a blank justification (which
    submission refuses) reaches the core with blank texts, and the core names it."""
    applications: list[ApplicationScores] = []
    info: dict[str, Info] = {}
    texts = {True: (JUSTIFIED,) * len(codes), False: ("",) * len(codes)}
    # Sheets repeat the same few score rows: build each row's (immutable) criterion scores
    # once and share them — 30,000 dictionary lookups instead of 180,000 tuples.
    interned: dict[tuple[tuple[int, ...], bool], tuple[CriterionScore, ...]] = {}
    make = CriterionScore._make

    def criterion_scores(points: list[int], justified: bool) -> tuple[CriterionScore, ...]:
        key = (tuple(points), justified)
        found = interned.get(key)
        if found is None:
            found = interned[key] = tuple(
                map(make, zip(codes, points, texts[justified], strict=True))
            )
        return found

    for row in rows:
        key = str(row["id"])
        sheets: tuple[ScoreSheet, ...] = ()
        if row["evaluators"] is not None:
            sheets = tuple(
                ScoreSheet(evaluator, criterion_scores(points, justified))
                for evaluator, points, justified in zip(
                    row["evaluators"], row["points"], row["justified"], strict=True
                )
            )
        applications.append(
            ApplicationScores(
                application_id=key,
                reference=row["reference_number"] or "",
                received_at=row["submitted_at"],
                line=row["funding_line"],
                requested_grant=row["requested_grant"] or _ZERO,
                sheets=sheets,
            )
        )
        info[key] = Info(row["title"] or "", row["status"], row["recommendation"])
    return applications, info


async def load_call(session: AsyncSession, registry: GuidelineRegistry, code: str) -> CallScores:
    guideline, call = find_call(registry, code)
    policy = ScoringPolicy.from_rubric(guideline.rubric)
    codes = policy.codes
    query = _QUERIES.get(codes)
    if query is None:
        query = _QUERIES[codes] = scores_query(codes)
    connection = await (await session.connection()).get_raw_connection()
    driver: Any = connection.driver_connection  # asyncpg.Connection
    rows = await driver.fetch(query, guideline.id, call.code, *codes)
    applications, info = build_applications(rows, codes)
    return CallScores(guideline, call, policy, applications, info)


def evaluate(
    loaded: CallScores, budgets: dict[str, Decimal] | None = None
) -> dict[str, FundingLineResult]:
    """Every line of the call ranked and funded (on ``budgets`` or the default shares)."""
    budgets = budgets or {}
    return {
        line: evaluate_line(
            loaded.of_line(line),
            budgets.get(line, line_budget(loaded.call, line)),
            loaded.policy,
            line=line,
        )
        for line in loaded.call.lines
    }


# --- the manager's ranking ------------------------------------------------------------------


def _text(value: Any) -> TextOut:
    return TextOut(de=value.de, en=value.en)


def _entry(
    entry: LineEntry,
    info: Info,
    z: dict[str, tuple[dict[str, float | None], float | None]] | None,
) -> RankingEntry:
    item: Aggregate = entry.aggregate
    application = item.application
    codes = item.policy.codes
    zs, mean_z = z.get(item.application_id, ({}, None)) if z is not None else ({}, None)
    return RankingEntry(
        rank=entry.rank,
        position=entry.position,
        tie_size=entry.tie_size,
        tie_at_funding_line=entry.tie_at_line,
        application_id=item.application_id,
        reference_number=application.reference,
        title=info.title,
        funding_line=application.line,
        status=info.status,
        received_at=application.received_at,
        requested_grant=application.requested_grant,
        final_score=item.final_score,
        evaluations=len(item.evaluator_ids),
        evaluator_totals=[
            EvaluatorTotalOut(
                evaluator_id=t.evaluator_id, total=t.total, z_score=zs.get(t.evaluator_id)
            )
            for t in item.evaluator_totals
        ],
        criterion_means=dict(zip(codes, item.criterion_means, strict=False)),
        passes_thresholds=item.passes_thresholds,
        threshold_failures=[
            ThresholdFailureOut(
                rule=f.rule,
                criterion=f.criterion.code if f.criterion else None,
                required=f.required,
                actual=f.actual,
                reason=_text(f.reason),
            )
            for f in item.failures
        ],
        needs_moderation=item.needs_moderation,
        disagreements=[
            DisagreementOut(
                criterion=d.criterion,
                lowest=d.lowest,
                highest=d.highest,
                bound=d.bound,
                reason=_text(d.reason),
            )
            for d in item.disagreements
        ],
        funding_status=entry.status.value,
        not_funded_reason=entry.reason.value if entry.reason else None,
        explanation=_text(entry.explanation()),
        mean_z=mean_z,
        recommendation=info.recommendation,
    )


def _tie(entries: Sequence[LineEntry]) -> TieOut:
    first = entries[0]
    references = [e.aggregate.application.reference for e in entries]
    return TieOut(
        rank=first.rank,
        application_ids=[e.application_id for e in entries],
        reference_numbers=references,
        explanation=TextOut(
            de=f"Gleichstand an der Förderlinie auf Rang {first.rank} "
            f"({', '.join(references)}): Das Budget reicht nicht für alle; die Jury "
            "entscheidet. Bis dahin sind ihre Förderstatus vorläufig (und bei "
            "„überspringen und fortfahren“ auch die der Vorhaben darunter).",
            en=f"Tie at the funding line at rank {first.rank} ({', '.join(references)}): "
            "the budget does not reach all of them; the jury decides. Until then their "
            "funding statuses are provisional (and with skip-and-continue so are those below).",
        ),
    )


def _policy_out(policy: ScoringPolicy) -> PolicyOut:
    return PolicyOut(
        minimum_total=policy.minimum_total,
        minimum_scores=dict(policy.minimum_scores),
        minimum_evaluators=policy.minimum_evaluators,
        criterion_minimum_rule=policy.criterion_minimum_rule.value,
        max_total_spread=policy.max_total_spread,
        max_criterion_spread=policy.max_criterion_spread,
        tie_break=list(policy.tie_break_criteria),  # then: a tie, shown as one
    )


def _alpha(result: Any) -> AlphaOut:
    return AlphaOut(
        method=result.method,
        alpha=result.alpha,
        units=result.units,
        pairable_values=result.pairable_values,
    )


class Evaluated(NamedTuple):
    loaded: CallScores
    defaults: dict[str, FundingLineResult]  # every line on its default budget
    aggregates: list[Aggregate]
    agreement: Agreement


async def _evaluated(ctx: Context, guideline: Guideline, call: str) -> Evaluated:
    """The call loaded and evaluated on its default budgets, with its aggregates and their
    agreement: from this process's cache while the inputs are unchanged (``cache``), else
    loaded now. The fingerprint is read first, so the cached value is never older."""
    fingerprint = await inputs_fingerprint(ctx.session, guideline.id, call)
    key = (guideline.id, call, guideline.content_hash)
    found: Evaluated | None = CACHE.get(key, fingerprint)
    if found is None:
        loaded = await load_call(ctx.session, ctx.guidelines, call)
        defaults = evaluate(loaded)
        aggregates = [e.aggregate for result in defaults.values() for e in result.entries]
        found = Evaluated(loaded, defaults, aggregates, call_agreement(aggregates, loaded.policy))
        CACHE.put(key, fingerprint, found)
    return found


async def ranking(
    ctx: Context,
    *,
    call: str,
    funding_line: str | None = None,
    budget: Decimal | None = None,
    normalised: bool = False,
    offset: int = 0,
    limit: int | None = RANKING_PAGE,
) -> RankingPublic:
    """The ranking of every line (or of ``funding_line``), each line's entries paged: ranks,
    the funding line and the agreement are computed over all entries, only the entries of
    [offset, offset + limit) are sent (``limit`` None: all of them, for the exports)."""
    guideline, found = find_call(ctx.guidelines, call)
    check_line(found, funding_line)
    if budget is not None and funding_line is None:
        raise InvalidInput(
            "Ein Budget gilt für eine Förderlinie (a budget needs a funding_line)",
            problems=(FieldProblem("funding_line", "missing", "mit budget angeben (required)"),),
        )
    loaded, defaults, aggregates, agreement = await _evaluated(ctx, guideline, call)
    budgets = {funding_line: budget} if funding_line is not None and budget is not None else {}
    results = evaluate(loaded, budgets) if budgets else defaults
    z = None
    profiles = None
    if normalised:
        scores, evaluator_profiles = normalised_scores(aggregates)
        z = {s.application_id: (dict(s.z_scores), s.mean_z) for s in scores}
        profiles = [
            EvaluatorProfileOut(
                evaluator_id=p.evaluator_id, ratings=p.ratings, mean=p.mean, stdev=p.stdev
            )
            for p in evaluator_profiles
        ]
    end = None if limit is None else offset + limit
    lines = [
        LineRanking(
            funding_line=line,
            budget=result.budget,
            budget_rule=GIVEN if line in budgets else EQUAL_SHARE,
            misfit_rule=result.misfit_rule.value,
            committed=result.committed,
            remaining=result.remaining,
            entries=[
                _entry(e, loaded.info[e.application_id], z)
                for e in result.entries[offset : None if end is None else end]
            ],
            entries_total=len(result.entries),
            offset=offset,
            next_offset=end if end is not None and end < len(result.entries) else None,
            ties_at_funding_line=[_tie(tie) for tie in result.ties_at_line],
        )
        for line, result in results.items()
        if funding_line is None or line == funding_line
    ]
    return RankingPublic(
        call=loaded.call.code,
        guideline=loaded.guideline.id,
        guideline_hash=loaded.guideline.content_hash,
        policy=_policy_out(loaded.policy),
        agreement=AgreementOut(
            totals=_alpha(agreement.totals),
            criteria={code: _alpha(result) for code, result in agreement.criteria},
        ),
        evaluator_profiles=profiles,
        lines=lines,
    )


# --- what-if --------------------------------------------------------------------------------


def _scenario(result: FundingLineResult, policy: ScoringPolicy) -> ScenarioOut:
    return ScenarioOut(
        budget=result.budget,
        minimum_total=policy.minimum_total,
        minimum_scores=dict(policy.minimum_scores),
        committed=result.committed,
        remaining=result.remaining,
        funded=len(result.funded()),
        reserve=len(result.reserve()),
    )


async def simulate(ctx: Context, request: SimulationRequest) -> SimulationPublic:
    """The line on its default budget and thresholds against the scenario (another budget,
    other thresholds): who crosses the funding line. Reads only; the call's loaded scores come
    from the cache while unchanged, so moving a slider on the page does not reload them."""
    guideline, found = find_call(ctx.guidelines, request.call)
    check_line(found, request.funding_line)
    loaded = (await _evaluated(ctx, guideline, request.call))[0]
    base_budget = line_budget(loaded.call, request.funding_line)
    result = what_if(
        loaded.of_line(request.funding_line),
        base_budget,
        loaded.policy,
        new_budget=request.budget,
        minimum_total=request.minimum_total,
        minimum_scores=request.minimum_scores,
        line=request.funding_line,
    )
    scenario_policy = loaded.policy
    if request.minimum_total is not None or request.minimum_scores is not None:
        merged = dict(loaded.policy.minimum_scores) | (request.minimum_scores or {})
        scenario_policy = replace(
            loaded.policy,
            minimum_total=loaded.policy.minimum_total
            if request.minimum_total is None
            else request.minimum_total,
            minimum_scores=tuple(merged.items()),
        )

    def moves(items: Sequence[Any]) -> list[MoveOut]:
        return [
            MoveOut(
                application_id=m.application_id,
                reference_number=m.reference,
                rank=m.rank,
                position=m.position,
                before=m.before.value,
                after=m.after.value,
            )
            for m in items
        ]

    return SimulationPublic(
        call=loaded.call.code,
        funding_line=request.funding_line,
        base=_scenario(result.base, loaded.policy),
        scenario=_scenario(result.scenario, scenario_policy),
        moved_in=moves(result.moved_in),
        moved_out=moves(result.moved_out),
        changed=moves(result.changed),
    )


# --- the proposal for one application (jury decisions) --------------------------------------

PROPOSAL = {
    FundingStatus.FUNDED: Recommendation.RECOMMENDED.value,
    FundingStatus.RESERVE: Recommendation.RESERVE.value,
    FundingStatus.NOT_FUNDED: Recommendation.NOT_RECOMMENDED.value,
}
# A tie the funding line cuts: the system proposes nothing, the jury decides between them.
TIE_AT_LINE = "tie_at_funding_line"


@dataclass(frozen=True, slots=True)
class Proposal:
    recommendation: str  # a Recommendation value, or TIE_AT_LINE
    final_score: Decimal | None
    rank: int
    received_at: datetime
    evaluations: int  # the sheets that counted


async def proposal_for(
    session: AsyncSession, registry: GuidelineRegistry, call: str, line: str, application: uuid.UUID
) -> Proposal:
    """What the funding line (default budget and thresholds) says about one application."""
    loaded = await load_call(session, registry, call)
    result = evaluate_line(
        loaded.of_line(line), line_budget(loaded.call, line), loaded.policy, line=line
    )
    key = str(application)
    entry = next((e for e in result.entries if e.application_id == key), None)
    if entry is None:  # not in a ranked state, or never submitted: nothing to propose
        raise Conflict(
            "Der Antrag steht nicht in der Rangliste (not in the ranking).",
            extra={"application_id": key},
        )
    return Proposal(
        TIE_AT_LINE if entry.tie_at_line else PROPOSAL[entry.status],
        entry.aggregate.final_score,
        entry.rank,
        entry.aggregate.application.received_at,
        len(entry.aggregate.evaluator_ids),
    )
