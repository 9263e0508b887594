"""Score sheets: an evaluator's draft, its submission (then locked) and a programme manager's
reopening with a reason.

Who may touch a sheet is part of every query's ``WHERE`` (``evaluator_access``): the
assignment must be the caller's own, still pending or accepted, and no conflict of interest
may be recorded for the pair. Everybody else — other evaluators, conflicted ones, applicants,
staff of other roles — gets 404 for every score-sheet URL, as if the sheet did not exist.

Writes lock the assignment row first (``FOR UPDATE``) and only then read the sheet, in a
second statement: under READ COMMITTED a statement's snapshot is taken before it waits for a
lock, so reading the sheet in the locking statement could return what the winner of a race
had already replaced. Two tabs submitting the same sheet therefore serialise on the lock; the
second sees the submitted sheet and gets 409 (or 412 when its ``If-Match`` is stale).

No anchoring: an evaluator sees only their own sheet while it is a draft. Once it is
submitted (and so locked), the answer also lists the other evaluators' *submitted* sheets of
the same application, anonymised ("Gutachter/in 1", by submission order) — what the
moderation of a disagreement needs, at a point where it can no longer anchor the scores. A
reopened sheet is a draft again and shows no peers until it is resubmitted.
"""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from grants.accounts.queries import users_table
from grants.applications.access import load_application
from grants.applications.queries import applications_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from grants.core.guideline import Guideline, Rubric
from grants.core.lifecycle import State
from grants.core.roles import Role
from grants.core.scoring import (
    CriterionScore,
    ScoreSheet,
    ScoringPolicy,
    SheetStatus,
    sheet_problems,
    validate_sheet,
    weighted_total,
)
from grants.core.versions import parse_if_match
from grants.evaluation.assignment.conflicts import ACTIVE_STATUSES, not_conflicted
from grants.evaluation.scoring.schemas import (
    CriterionInfo,
    CriterionScoreOut,
    ManagerSheetOut,
    PeerSheet,
    ScoreSheetDraft,
    ScoreSheetPublic,
)
from grants.evaluation.tables import assignments_table, conflicts_table, score_sheets_table
from grants.guidelines.registry import GuidelineRegistry

_a = assignments_table
_c = conflicts_table
_s = score_sheets_table
_apps = applications_table

SCORING_STATE = State.IN_REVIEW  # sheets are written, submitted and reopened only in review


def active_assignment(assignments: Any = _a) -> ColumnElement[bool]:
    """Pending or accepted, and not conflicted (the one rule of ``conflict_service``): the
    assignments whose sheets count. Unlike the evaluator's view of the application, a sheet
    stays readable to its author after the review ends; writing is limited to the review."""
    return sa.and_(
        assignments.c.status.in_(ACTIVE_STATUSES),
        not_conflicted(assignments.c.application_id, assignments.c.evaluator_id),
    )


def evaluator_access(evaluator_id: uuid.UUID) -> ColumnElement[bool]:
    """The evaluator's own active, conflict-free assignments (the access rule, in SQL)."""
    return sa.and_(_a.c.evaluator_id == evaluator_id, active_assignment())


_ASSIGNMENT_COLUMNS = (
    _a.c.id.label("assignment_id"),
    _a.c.application_id,
    _a.c.evaluator_id,
    _apps.c.status.label("application_status"),
    _apps.c.guideline_id,
    _apps.c.reference_number,
    _apps.c.title,
)
_JOIN = _a.join(_apps, _apps.c.id == _a.c.application_id)


def _not_found(assignment_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"Bewertungsbogen {assignment_id} nicht gefunden (score sheet not found)",
    )


async def _assignment(
    session: AsyncSession,
    assignment_id: uuid.UUID,
    *,
    evaluator: uuid.UUID | None,
    lock: bool,
) -> Any:
    """The assignment joined with its application; ``evaluator`` set: only when the access
    rule holds for them. ``lock``: the assignment row ``FOR UPDATE`` (serialises writes)."""
    query = sa.select(*_ASSIGNMENT_COLUMNS).select_from(_JOIN).where(_a.c.id == assignment_id)
    if evaluator is not None:
        query = query.where(evaluator_access(evaluator))
    if lock:
        query = query.with_for_update(of=_a)
    row = (await session.execute(query)).first()
    if row is None:
        raise _not_found(assignment_id)
    return row


async def _sheet(session: AsyncSession, assignment_id: uuid.UUID) -> Any:
    return (await session.execute(sa.select(_s).where(_s.c.assignment_id == assignment_id))).first()


def _guideline(registry: GuidelineRegistry, guideline_id: str) -> Guideline:
    guideline = registry.get(guideline_id)
    if guideline is None:  # a guideline file removed while applications of it are open
        raise Conflict(f"Richtlinie {guideline_id} ist nicht geladen (guideline not loaded)")
    return guideline


def _ensure_scoring_state(row: Any) -> None:
    if row.application_status != SCORING_STATE.value:
        raise Conflict(
            "Bewertungen sind nur während der Begutachtung möglich "
            f"(scoring is possible only in state {SCORING_STATE.value}; "
            f"the application is {row.application_status}).",
            extra={"current_state": row.application_status},
        )


def _ensure_sheet_version(current: int, expected: int) -> None:
    if current != expected:
        raise PreconditionFailed(
            f"Der Bewertungsbogen wurde inzwischen geändert (version {expected} is stale; "
            f"current is {current}). Bitte neu laden (reload).",
            extra={"current_version": current},
        )


def _locked(version: int) -> Conflict:
    error = Conflict(
        "Der Bewertungsbogen ist eingereicht und gesperrt; nur die Programmleitung kann ihn "
        "mit Begründung wieder öffnen (the score sheet is submitted and locked; only a "
        "programme manager can reopen it, with a reason).",
        extra={"sheet_status": SheetStatus.SUBMITTED.value, "current_version": version},
    )
    return error


def _core_sheet(evaluator_id: str, scores: dict[str, Any]) -> ScoreSheet:
    """The stored scores as the core's sheet; unscored criteria are left out (the core then
    names them as missing)."""
    return ScoreSheet(
        evaluator_id,
        tuple(
            CriterionScore(code, item.get("score"), item.get("justification", ""))
            for code, item in scores.items()
            if item.get("score") is not None
        ),
    )


def _draft_problems(draft: ScoreSheetDraft, rubric: Rubric) -> list[FieldProblem]:
    """What a draft may not hold even while incomplete: an unknown criterion, a criterion
    twice, a score outside the scale (the core's checks). Missing scores and justifications
    wait for submission: placeholders stand in for them here."""
    core = ScoreSheet(
        "draft",
        tuple(
            CriterionScore(
                item.criterion, rubric.scale_min if item.score is None else item.score, "-"
            )
            for item in draft.scores
        ),
    )
    return [p for p in sheet_problems(core, rubric) if p.rule != "required"]


def _stored(draft: ScoreSheetDraft, rubric: Rubric) -> dict[str, Any]:
    by_code = {item.criterion: item for item in draft.scores}
    return {
        c.code: {
            "score": by_code[c.code].score,
            "justification": by_code[c.code].justification.strip(),
        }
        for c in rubric.criteria
        if c.code in by_code
    }


def _public(
    row: Any,
    sheet: Any,
    guideline: Guideline,
    *,
    peers: list[PeerSheet] | None = None,
) -> ScoreSheetPublic:
    rubric = guideline.rubric
    stored: dict[str, Any] = sheet.scores if sheet is not None else {}
    status = sheet.status if sheet is not None else SheetStatus.DRAFT.value
    problems = sheet_problems(_core_sheet(str(row.evaluator_id), stored), rubric)
    return ScoreSheetPublic(
        assignment_id=row.assignment_id,
        application_id=row.application_id,
        reference_number=row.reference_number,
        title=row.title,
        status=status,
        version=sheet.version if sheet is not None else 0,
        scores=[
            CriterionScoreOut(
                criterion=c.code,
                score=stored.get(c.code, {}).get("score"),
                justification=stored.get(c.code, {}).get("justification", ""),
            )
            for c in rubric.criteria
        ],
        total=sheet.total if sheet is not None else None,
        submitted_at=sheet.submitted_at if sheet is not None else None,
        reopened_at=sheet.reopened_at if sheet is not None else None,
        reopen_reason=sheet.reopen_reason if sheet is not None else None,
        guideline_hash=sheet.guideline_hash if sheet is not None else guideline.content_hash,
        scale_min=rubric.scale_min,
        scale_max=rubric.scale_max,
        criteria=[
            CriterionInfo(
                code=c.code,
                label_de=c.label.de,
                label_en=c.label.en,
                weight=c.weight,
                minimum_score=c.minimum_score,
            )
            for c in rubric.criteria
        ],
        missing=[f"{p.field}: {p.message}" for p in problems] if status == "draft" else [],
        peers=peers if status == SheetStatus.SUBMITTED.value else None,
    )


async def _peers(session: AsyncSession, row: Any, guideline: Guideline) -> list[PeerSheet]:
    """The other evaluators' submitted sheets of the application (active, conflict-free
    assignments only), anonymised in submission order."""
    query = (
        sa.select(_s.c.scores, _s.c.total)
        .select_from(_s.join(_a, _a.c.id == _s.c.assignment_id))
        .where(
            _s.c.application_id == row.application_id,
            _s.c.assignment_id != row.assignment_id,
            _s.c.status == SheetStatus.SUBMITTED.value,
            active_assignment(),
        )
        .order_by(_s.c.submitted_at, _s.c.id)
    )
    codes = [c.code for c in guideline.rubric.criteria]
    return [
        PeerSheet(
            label=f"Gutachter/in {number}",
            total=peer.total,
            scores=[
                CriterionScoreOut(
                    criterion=code,
                    score=peer.scores.get(code, {}).get("score"),
                    justification=peer.scores.get(code, {}).get("justification", ""),
                )
                for code in codes
            ],
        )
        for number, peer in enumerate((await session.execute(query)).all(), 1)
    ]


# --- evaluator ------------------------------------------------------------------------------


async def my_sheet_states(ctx: UserContext) -> dict[uuid.UUID, str]:
    """The state of each of my sheets ("draft", "submitted"), by assignment: for the list of
    my assignments (an assignment without a sheet has not been started)."""
    rows = await ctx.session.execute(
        sa.select(_s.c.assignment_id, _s.c.status).where(_s.c.evaluator_id == ctx.principal.user_id)
    )
    return {row.assignment_id: row.status for row in rows}


async def get_sheet(ctx: UserContext, assignment_id: uuid.UUID) -> ScoreSheetPublic:
    row = await _assignment(ctx.session, assignment_id, evaluator=ctx.principal.user_id, lock=False)
    guideline = _guideline(ctx.guidelines, row.guideline_id)
    sheet = await _sheet(ctx.session, assignment_id)
    peers = None
    if sheet is not None and sheet.status == SheetStatus.SUBMITTED.value:
        peers = await _peers(ctx.session, row, guideline)
    return _public(row, sheet, guideline, peers=peers)


async def _open_for_writing(
    ctx: UserContext, assignment_id: uuid.UUID, expected: int
) -> tuple[Any, Guideline, Any]:
    """The evaluator's own assignment (locked), its guideline and sheet, once it is certain
    the sheet may still change: in review, not submitted, at the version the client read."""
    row = await _assignment(ctx.session, assignment_id, evaluator=ctx.principal.user_id, lock=True)
    _ensure_scoring_state(row)
    guideline = _guideline(ctx.guidelines, row.guideline_id)
    sheet = await _sheet(ctx.session, assignment_id)
    if sheet is not None and sheet.status == SheetStatus.SUBMITTED.value:
        raise _locked(sheet.version)
    _ensure_sheet_version(sheet.version if sheet is not None else 0, expected)
    return row, guideline, sheet


async def save_draft(
    ctx: UserContext, assignment_id: uuid.UUID, draft: ScoreSheetDraft, *, if_match: str | None
) -> ScoreSheetPublic:
    """Replace the draft (``If-Match``: the version read; "0" before the first save)."""
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        row, guideline, sheet = await _open_for_writing(ctx, assignment_id, expected)
        problems = _draft_problems(draft, guideline.rubric)
        if problems:
            raise InvalidInput(
                "Bewertungsbogen ungültig (score sheet invalid)", problems=tuple(problems)
            )
        scores = _stored(draft, guideline.rubric)
        values = {
            "scores": scores,
            "guideline_hash": guideline.content_hash,
            "updated_at": ctx.now,
        }
        if sheet is None:
            sheet = (
                await ctx.session.execute(
                    sa.insert(_s)
                    .values(
                        id=uuid.uuid4(),
                        assignment_id=assignment_id,
                        application_id=row.application_id,
                        evaluator_id=row.evaluator_id,
                        status=SheetStatus.DRAFT.value,
                        version=1,
                        created_at=ctx.now,
                        **values,
                    )
                    .returning(_s)
                )
            ).one()
        else:
            sheet = (
                await ctx.session.execute(
                    sa.update(_s)
                    .where(_s.c.id == sheet.id)
                    .values(version=sheet.version + 1, **values)
                    .returning(_s)
                )
            ).one()
        await ctx.audit(
            action=AuditAction.SCORE_SHEET_DRAFT_SAVED,
            object_type="score_sheet",
            object_id=sheet.id,
            after={
                "assignment_id": str(assignment_id),
                "version": sheet.version,
                "scores": {code: item["score"] for code, item in scores.items()},
            },
        )
    return _public(row, sheet, guideline)


async def submit_sheet(
    ctx: UserContext, assignment_id: uuid.UUID, *, if_match: str | None
) -> ScoreSheetPublic:
    """Submit the stored draft at the version named by ``If-Match``: every criterion scored
    within the scale and justified; then the sheet is locked. A second submission is 409."""
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        row, guideline, sheet = await _open_for_writing(ctx, assignment_id, expected)
        core = _core_sheet(str(row.evaluator_id), sheet.scores if sheet is not None else {})
        validate_sheet(core, guideline.rubric)
        if sheet is None:  # unreachable: an empty sheet fails validation (all missing)
            raise _not_found(assignment_id)
        total = weighted_total(core, ScoringPolicy.from_rubric(guideline.rubric))
        sheet = (
            await ctx.session.execute(
                sa.update(_s)
                .where(_s.c.id == sheet.id)
                .values(
                    status=SheetStatus.SUBMITTED.value,
                    total=total,
                    guideline_hash=guideline.content_hash,
                    submitted_at=ctx.now,
                    updated_at=ctx.now,
                    version=sheet.version + 1,
                )
                .returning(_s)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.SCORE_SHEET_SUBMITTED,
            object_type="score_sheet",
            object_id=sheet.id,
            before={"status": SheetStatus.DRAFT.value},
            after={
                "status": SheetStatus.SUBMITTED.value,
                "assignment_id": str(assignment_id),
                "application_id": str(row.application_id),
                "total": str(total),
                "scores": {code: item["score"] for code, item in sheet.scores.items()},
                "guideline_hash": guideline.content_hash,
            },
        )
        peers = await _peers(ctx.session, row, guideline)
    return _public(row, sheet, guideline, peers=peers)


# --- programme manager ----------------------------------------------------------------------


async def reopen_sheet(ctx: UserContext, assignment_id: uuid.UUID, reason: str) -> ScoreSheetPublic:
    """Unlock a submitted sheet (a draft again, its total cleared), with the reason; audited.
    Only while the application is in review."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "Begründung fehlt (a reason is required)",
            problems=(FieldProblem("reason", "missing", "Begründung angeben (required)"),),
        )
    async with ctx.session.begin():
        row = await _assignment(ctx.session, assignment_id, evaluator=None, lock=True)
        sheet = await _sheet(ctx.session, assignment_id)
        if sheet is None:
            raise _not_found(assignment_id)
        _ensure_scoring_state(row)
        if sheet.status != SheetStatus.SUBMITTED.value:
            raise Conflict(
                "Der Bewertungsbogen ist nicht eingereicht (the score sheet is not submitted).",
                extra={"sheet_status": sheet.status},
            )
        guideline = _guideline(ctx.guidelines, row.guideline_id)
        before = {
            "status": sheet.status,
            "total": None if sheet.total is None else str(sheet.total),
            "submitted_at": sheet.submitted_at.isoformat() if sheet.submitted_at else None,
        }
        sheet = (
            await ctx.session.execute(
                sa.update(_s)
                .where(_s.c.id == sheet.id)
                .values(
                    status=SheetStatus.DRAFT.value,
                    total=None,
                    submitted_at=None,
                    reopened_at=ctx.now,
                    reopen_reason=reason,
                    updated_at=ctx.now,
                    version=sheet.version + 1,
                )
                .returning(_s)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.SCORE_SHEET_REOPENED,
            object_type="score_sheet",
            object_id=sheet.id,
            before=before,
            after={
                "status": SheetStatus.DRAFT.value,
                "assignment_id": str(assignment_id),
                "evaluator_id": str(row.evaluator_id),
                "reason": reason,
            },
        )
    return _public(row, sheet, guideline)


# --- programme managers ---------------------------------------------------------------------


async def sheets_of_application(
    ctx: UserContext, application_id: uuid.UUID
) -> list[ManagerSheetOut]:
    """Progress and submitted scores of every evaluator of the application (managers)."""
    async with ctx.session.begin():
        application, _ = await load_application(ctx, application_id, require=Role.PROGRAMME_MANAGER)
        guideline = _guideline(ctx.guidelines, application.guideline_id)
        conflicted = sa.exists().where(
            _c.c.application_id == _a.c.application_id, _c.c.evaluator_id == _a.c.evaluator_id
        )
        rows = (
            await ctx.session.execute(
                sa.select(
                    _a.c.id.label("assignment_id"),
                    _a.c.evaluator_id,
                    _a.c.status.label("assignment_status"),
                    conflicted.label("conflicted"),
                    users_table.c.display_name,
                    users_table.c.email,
                    _s.c.status.label("sheet_status"),
                    _s.c.scores,
                    _s.c.total,
                    _s.c.submitted_at,
                    _s.c.reopened_at,
                    _s.c.reopen_reason,
                )
                .select_from(
                    _a.join(users_table, users_table.c.id == _a.c.evaluator_id).outerjoin(
                        _s, _s.c.assignment_id == _a.c.id
                    )
                )
                .where(_a.c.application_id == application_id)
                .order_by(_a.c.assigned_at, _a.c.id)
            )
        ).all()
    codes = [c.code for c in guideline.rubric.criteria]
    return [
        ManagerSheetOut(
            assignment_id=r.assignment_id,
            evaluator_id=r.evaluator_id,
            evaluator=f"{r.display_name} <{r.email}>",
            assignment_status=str(r.assignment_status),
            conflicted=bool(r.conflicted),
            sheet_status=str(r.sheet_status) if r.sheet_status is not None else "none",
            total=r.total,
            submitted_at=r.submitted_at,
            reopened_at=r.reopened_at,
            reopen_reason=r.reopen_reason,
            scores=[
                CriterionScoreOut(
                    criterion=code,
                    score=r.scores.get(code, {}).get("score"),
                    justification=r.scores.get(code, {}).get("justification", ""),
                )
                for code in codes
            ]
            if r.sheet_status == SheetStatus.SUBMITTED.value
            else None,
        )
        for r in rows
    ]
