"""The formal check (Formalprüfung) of a submission by a programme manager.

The checklist is prefilled from the guideline's verdict frozen in the submitted snapshot;
the manager confirms or overrules each item (an overruled item needs a reason) and decides:
on to review, a request for information (Nachforderung), or formal rejection (reason
required: it feeds the rejection letter). Outcome, status change, e-mail and audit entry are
one transaction."""

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from grants.applications.access import load_application
from grants.applications.history import latest_snapshot
from grants.applications.information_requests import open_information_request
from grants.applications.transitions import apply_transition
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.errors import Conflict, FieldProblem, InvalidInput
from grants.core.guideline import Text
from grants.core.lifecycle import Event, FormalOutcome, State
from grants.core.roles import Role
from grants.evaluation.formal_check.schemas import (
    ChecklistItemOut,
    FormalCheckOut,
    FormalCheckRecord,
)
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
        status = State(row.status)
        if status not in _CHECKABLE:
            raise Conflict(
                f"Im Zustand „{status.value}“ ist keine Formalprüfung möglich "
                "(no formal check in this state).",
                extra={"current_state": status.value},
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
        if record.outcome is FormalOutcome.TO_REVIEW:
            await apply_transition(ctx, row, Event.ACCEPT_FOR_REVIEW, role, reason=record.reason)
        elif record.outcome is FormalOutcome.FORMALLY_REJECTED:
            await apply_transition(ctx, row, Event.REJECT_FORMALLY, role, reason=record.reason)
        else:
            assert record.information_request is not None  # noqa: S101 (checked above)
            await open_information_request(ctx, row, role, record.information_request)
        values = {
            "submission_number": number,
            "items": items,
            "outcome": record.outcome,
            "reason": record.reason,
            "checked_by": ctx.principal.user_id,
            "checked_at": ctx.now,
        }
        await ctx.session.execute(
            insert(_checks)
            .values(application_id=row.id, **values)
            .on_conflict_do_update(index_elements=[_checks.c.application_id], set_=values)
        )
        await ctx.audit(
            action=AuditAction.FORMAL_CHECK_RECORDED,
            object_type="application",
            object_id=row.id,
            after={"outcome": record.outcome.value, "items": items, "reason": record.reason},
        )
    return await get_formal_check(ctx, application_id)
