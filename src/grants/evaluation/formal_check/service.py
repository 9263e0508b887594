"""The formal check (Formalprüfung) of a submission by a programme manager.

The checklist is prefilled from the guideline's verdict frozen in the submitted snapshot;
the manager confirms or overrules each item (an overruled item needs a reason) and decides:
on to review, a request for information (Nachforderung), or formal rejection (reason
required: it feeds the rejection letter). Outcome, status change, e-mail and audit entry are
one transaction.

**Only after the call's deadline.** A competition with a cut-off date treats everyone alike
only if nobody's proposal is checked — with hints or a rejection — while others may still
correct theirs: recording a check (and so starting it) is refused with 409 until the call is
closed (``Call.status(now)``). The record keeps the deadline it was judged against, and the
database refuses a check dated at or before it (migration 0011).

**The check records; it does not decide.** "To review" moves the application into review
(``accept_for_review``, which itself requires this record) and "information requested" opens
a Nachforderung. A *formal rejection* is an administrative act and is made by a written
Bescheid with reasons and a legal-remedy notice, which the awards work brings. So the outcome
``formally_rejected`` is recorded as the check's result — the proposal for that Bescheid, with
its reason for the letter — and the application stays ``formal_check``, awaiting the Bescheid:
no status change, and no e-mail carrying the reason. Until the Bescheid is issued the check
can be recorded again (a corrected assessment, or after an answer to a Nachforderung); the
Bescheid record will take the ``reject_formally`` step (``awaiting_decision_notice`` in the
answer says that it is due)."""

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from grants.applications.access import load_application
from grants.applications.history import latest_snapshot
from grants.applications.information_requests import open_information_request
from grants.applications.transitions import apply_transition, step_facts
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.errors import Conflict, FieldProblem, InvalidInput
from grants.core.guideline import Text
from grants.core.lifecycle import (
    EVENT_LABELS,
    STATE_LABELS,
    Event,
    FormalOutcome,
    Requirement,
    State,
    require,
)
from grants.core.roles import Role
from grants.evaluation.formal_check.schemas import (
    ChecklistItemOut,
    FormalCheckOut,
    FormalCheckRecord,
)
from grants.evaluation.jury.officials import ensure_official_not_excluded
from grants.evaluation.tables import formal_checks_table

_checks = formal_checks_table


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    code: str
    label: Text
    rules: tuple[str, ...]  # the verdict's rules that prefill it (all must pass)


# The checklist of the issue (item 1), each tied to the rules of the engine that decide it.
CHECKLIST = (
    ChecklistItem(
        "complete",
        Text("Antrag vollständig", "Application complete"),
        ("cost_plan_valid", "financing_balanced"),
    ),
    ChecklistItem(
        "on_time",
        Text("Fristgerecht eingegangen", "Received on time"),
        ("received_before_deadline",),
    ),
    ChecklistItem(
        "applicant_eligible",
        Text("Antragsteller antragsberechtigt", "Applicant eligible"),
        ("applicant_type_eligible",),
    ),
    ChecklistItem(
        "located_in_saxony",
        Text("Standort in Sachsen", "Located in Saxony"),
        ("location_in_saxony",),
    ),
    ChecklistItem(
        "not_started",
        Text("Vorhaben nicht vorzeitig begonnen", "Project not started early"),
        ("not_started_before_receipt",),
    ),
    ChecklistItem(
        "objective",
        Text("Mindestens ein Förderziel", "At least one funding objective"),
        ("funding_objective_chosen",),
    ),
)
_BY_CODE = {item.code: item for item in CHECKLIST}

# Where a formal check can be recorded: submitted (the check starts with it), under check,
# or after the answer to a request for information came back (state formal_check again).
_CHECKABLE = frozenset({State.SUBMITTED, State.FORMAL_CHECK})


def prefill(snapshot: Any) -> list[ChecklistItemOut]:
    """Each item's proposal from the verdict in the snapshot: pass only if all its rules
    passed; the rules' outcomes and sections are shown so the manager sees why."""
    results = {r["rule"]: r for r in snapshot.get("verdict", {}).get("results", [])}
    items = []
    for item in CHECKLIST:
        found = [results[rule] for rule in item.rules if rule in results]
        outcomes = [r["outcome"] for r in found]
        proposed = (
            "fail"
            if "fail" in outcomes
            else "needs_review"
            if "needs_review" in outcomes or len(found) < len(item.rules)
            else "pass"
        )
        items.append(
            ChecklistItemOut(
                code=item.code,
                label={"de": item.label.de, "en": item.label.en},
                proposed=proposed,
                evidence=[
                    {"rule": r["rule"], "outcome": r["outcome"], "section": r["section"]}
                    for r in found
                ],
                confirmed=None,
                reason=None,
            )
        )
    return items


async def get_formal_check(ctx: UserContext, application_id: uuid.UUID) -> FormalCheckOut:
    async with ctx.session.begin():
        row, _ = await load_application(ctx, application_id, require=Role.PROGRAMME_MANAGER)
        number, snapshot = await latest_snapshot(ctx.session, application_id)
        recorded = (
            await ctx.session.execute(sa.select(_checks).where(_checks.c.application_id == row.id))
        ).first()
    items = prefill(snapshot)
    if recorded is not None and recorded.submission_number == number:
        decided = {i["code"]: i for i in recorded.items}
        items = [
            item.model_copy(
                update={
                    "confirmed": decided[item.code]["confirmed"],
                    "reason": decided[item.code].get("reason"),
                }
            )
            if item.code in decided
            else item
            for item in items
        ]
    current = recorded is not None and recorded.submission_number == number
    return FormalCheckOut(
        application_id=row.id,
        status=row.status,
        submission_number=number,
        items=items,
        outcome=recorded.outcome if current and recorded else None,
        reason=recorded.reason if current and recorded else None,
        checked_at=recorded.checked_at if current and recorded else None,
        awaiting_decision_notice=bool(
            current
            and recorded
            and recorded.outcome == FormalOutcome.FORMALLY_REJECTED
            and row.status == State.FORMAL_CHECK
        ),
    )


def _checked_items(
    proposals: list[ChecklistItemOut], record: FormalCheckRecord
) -> list[dict[str, Any]]:
    given = {item.code: item for item in record.items}
    problems = [
        FieldProblem(f"items.{i}.code", "unknown_code", f"„{item.code}“ ist kein Prüfpunkt")
        for i, item in enumerate(record.items)
        if item.code not in _BY_CODE
    ]
    items = []
    for proposal in proposals:
        decided = given.get(proposal.code)
        if decided is None:
            problems.append(
                FieldProblem(
                    "items", "missing", f"Prüfpunkt „{proposal.code}“ fehlt (item missing)"
                )
            )
            continue
        overruled = decided.confirmed != (proposal.proposed == "pass")
        if overruled and not (decided.reason and decided.reason.strip()):
            problems.append(
                FieldProblem(
                    f"items.{proposal.code}.reason",
                    "reason_required",
                    "Abweichung vom Vorschlag braucht eine Begründung "
                    "(overruling the proposal needs a reason)",
                )
            )
        items.append(
            {
                "code": proposal.code,
                "proposed": proposal.proposed,
                "confirmed": decided.confirmed,
                "reason": decided.reason,
            }
        )
    if problems:
        raise InvalidInput(
            "Die Checkliste ist nicht vollständig begründet.", problems=tuple(problems)
        )
    return items


async def record_formal_check(
    ctx: UserContext, application_id: uuid.UUID, record: FormalCheckRecord
) -> FormalCheckOut:
    async with ctx.session.begin():
        row, role = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, application_id)
        status = State(row.status)
        if status not in _CHECKABLE:
            where = STATE_LABELS[status]
            raise Conflict(
                f"Im Zustand „{where.de}“ ist keine Formalprüfung möglich "
                f"(no formal check in the state “{where.en}”).",
                extra={"current_state": status.value},
            )
        # Before anything else: not even a checklist is judged before the deadline.
        facts = await step_facts(ctx, row, (Requirement.CALL_CLOSED,))
        require(
            (Requirement.CALL_CLOSED,),
            facts,
            current=status,
            step=EVENT_LABELS[Event.START_FORMAL_CHECK],
            event=Event.START_FORMAL_CHECK,
        )
        number, snapshot = await latest_snapshot(ctx.session, application_id)
        items = _checked_items(prefill(snapshot), record)
        failed = [i["code"] for i in items if not i["confirmed"]]
        if record.outcome is FormalOutcome.TO_REVIEW and failed:
            raise InvalidInput(
                "Zur Bewertung nur, wenn alle Prüfpunkte bestätigt sind (all items must be "
                "confirmed to go to review).",
                problems=tuple(
                    FieldProblem(f"items.{code}.confirmed", "not_confirmed", "nicht bestätigt")
                    for code in failed
                ),
            )
        if record.outcome is not FormalOutcome.TO_REVIEW and not (
            record.reason and record.reason.strip()
        ):
            raise InvalidInput(
                "Begründung fehlt (a reason is required).",
                problems=(FieldProblem("reason", "required", "Begründung angeben"),),
            )
        if (
            record.outcome is FormalOutcome.INFORMATION_REQUESTED
            and record.information_request is None
        ):
            raise InvalidInput(
                "Nachforderung: Unterlagen und Frist angeben (items and due date needed).",
                problems=(FieldProblem("information_request", "required", "angeben"),),
            )
        if status is State.SUBMITTED:
            row = await apply_transition(ctx, row, Event.START_FORMAL_CHECK, role, reason=None)
        # The record first: acceptance for review requires it (and the database checks it).
        values = {
            "submission_number": number,
            "items": items,
            "outcome": record.outcome,
            "reason": record.reason,
            "checked_by": ctx.principal.user_id,
            "checked_at": ctx.now,
            "call_deadline_at": None if facts.call is None else facts.call.deadline_at,
        }
        await ctx.session.execute(
            insert(_checks)
            .values(application_id=row.id, **values)
            .on_conflict_do_update(index_elements=[_checks.c.application_id], set_=values)
        )
        if record.outcome is FormalOutcome.TO_REVIEW:
            await apply_transition(ctx, row, Event.ACCEPT_FOR_REVIEW, role, reason=record.reason)
        elif record.outcome is FormalOutcome.INFORMATION_REQUESTED:
            assert record.information_request is not None  # noqa: S101 (checked above)
            await open_information_request(ctx, row, role, record.information_request)
        # FORMALLY_REJECTED: recorded as the proposal for the Bescheid; the state stays
        # formal_check and nothing is mailed (see the module docstring).
        await ctx.audit(
            action=AuditAction.FORMAL_CHECK_RECORDED,
            object_type="application",
            object_id=row.id,
            after={
                "outcome": record.outcome.value,
                "items": items,
                "reason": record.reason,
                "submission_number": number,
                **facts.record((Requirement.CALL_CLOSED,)),
            },
        )
    return await get_formal_check(ctx, application_id)
