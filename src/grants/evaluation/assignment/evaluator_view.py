"""The evaluator's own side: my assignments, accepting or declining one (declining with a
conflict declaration), and reading the submitted proposal as far as evaluating needs it.

Every query here goes through ``conflict_service.visible_assignment``: the evaluator's own
active assignment, of an application under evaluation, with no detected conflict — in the
SQL ``WHERE``. Anything else is 404, as if it did not exist.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.attachments.storage import Storage, storage_key
from grants.applications.queries import (
    applications_table,
    attachment_states,
    submissions_table,
)
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.assignment import AssignmentStatus
from grants.core.attachments import ScanStatus
from grants.core.audit_actions import AuditAction
from grants.core.errors import Conflict, NotFound
from grants.evaluation.assignment.conflicts import assignment_of_evaluator, visible_assignment
from grants.evaluation.assignment.pool import record_declaration
from grants.evaluation.assignment.schemas import (
    AttachmentRef,
    CostCategoryOut,
    CostLineOut,
    DeclineRequest,
    EvaluatorApplicationView,
    FinancingOut,
    MyAssignment,
    OrganisationSummary,
    PartnerOut,
    RuleOut,
    VerdictSummary,
)
from grants.evaluation.tables import assignments_table

_apps = applications_table
_subs = submissions_table
_asg = assignments_table

# Cost categories shown as a total only: individual lines would disclose salaries.
WITHHELD_CATEGORIES = frozenset({"personnel"})


def assignment_not_found(assignment_id: uuid.UUID) -> NotFound:
    return NotFound(f"Zuordnung {assignment_id} nicht gefunden (assignment not found)")


# An assignment as its evaluator lists it: with the application's reference, title and state.
_MY_ASSIGNMENT = sa.select(
    _asg,
    _apps.c.reference_number,
    _apps.c.title,
    _apps.c.call_code,
    _apps.c.funding_line,
    _apps.c.status.label("application_status"),
).select_from(_asg.join(_apps, _apps.c.id == _asg.c.application_id))


def _my_assignment_out(row: Any) -> MyAssignment:
    return MyAssignment(
        id=row.id,
        application_id=row.application_id,
        reference_number=row.reference_number,
        title=row.title,
        call=row.call_code,
        funding_line=row.funding_line,
        application_status=row.application_status,
        status=row.status,
        assigned_at=row.assigned_at,
        responded_at=row.responded_at,
        due_at=row.due_at,
        version=row.version,
    )


async def my_assignments(ctx: UserContext) -> list[MyAssignment]:
    rows = await ctx.session.execute(
        _MY_ASSIGNMENT.where(visible_assignment(ctx.principal.user_id)).order_by(
            _apps.c.reference_number, _asg.c.id
        )
    )
    return [_my_assignment_out(row) for row in rows]


async def _own(
    session: AsyncSession, principal: Principal, assignment_id: uuid.UUID, *, for_update: bool
) -> Any:
    row = await assignment_of_evaluator(
        session, principal.user_id, assignment_id, for_update=for_update
    )
    if row is None:
        raise assignment_not_found(assignment_id)
    return row


async def _my_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> MyAssignment:
    row = (await session.execute(_MY_ASSIGNMENT.where(_asg.c.id == assignment_id))).one()
    return _my_assignment_out(row)


async def accept_assignment(ctx: UserContext, assignment_id: uuid.UUID) -> MyAssignment:
    async with ctx.session.begin():
        row = await _own(ctx.session, ctx.principal, assignment_id, for_update=True)
        if row.status != AssignmentStatus.PENDING.value:
            raise Conflict(
                f"Die Zuordnung ist bereits „{row.status}“ (assignment already {row.status}).",
                extra={"current_status": str(row.status)},
            )
        await ctx.session.execute(
            sa.update(_asg)
            .where(_asg.c.id == assignment_id)
            .values(
                status=AssignmentStatus.ACCEPTED.value,
                responded_at=ctx.now,
                version=row.version + 1,
            )
        )
        out = await _my_assignment(ctx.session, assignment_id)
        await ctx.audit(
            action=AuditAction.ASSIGNMENT_ACCEPTED,
            object_type="assignment",
            object_id=assignment_id,
            before={"status": str(row.status)},
            after={"status": AssignmentStatus.ACCEPTED.value},
        )
    return out


async def decline_assignment(
    ctx: UserContext, assignment_id: uuid.UUID, data: DeclineRequest
) -> MyAssignment:
    """Decline (pending or accepted); with ``conflict``, also a declaration of a conflict of
    interest, which blocks the pair from now on (recorded and materialised)."""
    reason = data.reason.strip()
    async with ctx.session.begin():
        row = await _own(ctx.session, ctx.principal, assignment_id, for_update=True)
        await ctx.session.execute(
            sa.update(_asg)
            .where(_asg.c.id == assignment_id)
            .values(
                status=AssignmentStatus.DECLINED.value,
                decline_reason=reason,
                responded_at=ctx.now,
                version=row.version + 1,
            )
        )
        if data.conflict:
            await record_declaration(
                ctx.session,
                evaluator_id=ctx.principal.user_id,
                application_id=row.application_id,
                reason=reason,
                excluded=data.excluded,
                now=ctx.now,
            )
        out = await _my_assignment(ctx.session, assignment_id)
        await ctx.audit(
            action=(
                AuditAction.CONFLICT_DECLARED if data.conflict else AuditAction.ASSIGNMENT_DECLINED
            ),
            object_type="assignment",
            object_id=assignment_id,
            before={"status": str(row.status)},
            after={
                "status": AssignmentStatus.DECLINED.value,
                "application_id": str(row.application_id),
                "reason": reason,
                "conflict": data.conflict,
                "excluded": data.excluded if data.conflict else None,
            },
        )
    return out


# --- the proposal as evaluators see it --------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: Any) -> date | None:
    return None if not value else date.fromisoformat(str(value))


def _costs(lines: list[dict[str, Any]]) -> tuple[list[CostCategoryOut], Decimal]:
    by_category: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_category.setdefault(str(line.get("category", "")), []).append(line)
    categories = []
    grand_total = Decimal("0.00")
    for category, items in by_category.items():
        total = sum((Decimal(str(item.get("amount", "0"))) for item in items), Decimal("0.00"))
        grand_total += total
        withheld = category in WITHHELD_CATEGORIES
        categories.append(
            CostCategoryOut(
                category=category,
                total=total,
                line_count=len(items),
                lines=[]
                if withheld
                else [
                    CostLineOut(
                        description=str(item.get("description", "")),
                        amount=Decimal(str(item.get("amount", "0"))),
                    )
                    for item in items
                ],
                detail_withheld=withheld,
            )
        )
    return categories, grand_total


def _verdict(verdict: dict[str, Any] | None) -> VerdictSummary:
    verdict = verdict or {}
    return VerdictSummary(
        eligible=verdict.get("eligible"),
        failed_rules=list(verdict.get("failed_rules", [])),
        needs_review=list(verdict.get("needs_review", [])),
        # The facts behind each rule stay out: they carry prior aid and other personal data.
        results=[
            RuleOut(
                rule=str(result.get("rule", "")),
                outcome=str(result.get("outcome", "")),
                section=str(result.get("section", "")),
                title=dict(result.get("title") or {}),
                message=dict(result.get("message") or {}),
            )
            for result in verdict.get("results", [])
        ],
    )


def evaluator_view(assignment_id: uuid.UUID, row: Any) -> EvaluatorApplicationView:
    """Pure: the snapshot cut down to what evaluating needs (a list of what to show, not of
    what to hide, so a field added to snapshots later stays out until named here)."""
    snapshot: dict[str, Any] = row.snapshot
    content: dict[str, Any] = snapshot.get("content") or {}
    organisation: dict[str, Any] = snapshot.get("organisation") or {}
    costs, total = _costs(list(content.get("cost_lines") or []))
    financing: dict[str, Any] = content.get("financing") or {}
    return EvaluatorApplicationView(
        assignment_id=assignment_id,
        application_id=row.application_id,
        reference_number=snapshot.get("reference_number"),
        submission_number=row.number,
        received_at=snapshot.get("received_at"),
        call=str(snapshot.get("call", "")),
        funding_line=str(snapshot.get("funding_line", "")),
        guideline=dict(snapshot.get("guideline") or {}),
        organisation=OrganisationSummary(
            legal_name=str(organisation.get("legal_name", "")),
            legal_form=str(organisation.get("legal_form", "")),
            applicant_type=str(organisation.get("applicant_type", "")),
            municipality_key=organisation.get("municipality_key"),
        ),
        title=str(content.get("title", "")),
        summary=str(content.get("summary", "")),
        concept={str(k): str(v) for k, v in (content.get("concept") or {}).items()},
        objectives=[str(o) for o in content.get("objectives") or []],
        municipality_key=content.get("municipality_key"),
        planned_start=_date(content.get("planned_start")),
        planned_end=_date(content.get("planned_end")),
        partners=[
            PartnerOut(
                name=str(p.get("name", "")),
                type=str(p.get("type", "")),
                role=str(p.get("role", "")),
            )
            for p in content.get("partners") or []
        ],
        costs=costs,
        financing=FinancingOut(
            requested_grant=_decimal(financing.get("requested_grant")),
            own_funds=_decimal(financing.get("own_funds")),
            third_party_funds=_decimal(financing.get("third_party_funds")),
            total_costs=total,
        ),
        verdict=_verdict(snapshot.get("verdict")),
        attachments=[
            AttachmentRef(
                id=str(a.get("id")),
                kind=str(a.get("kind", "")),
                filename=str(a.get("filename", "")),
                media_type=str(a.get("media_type", "")),
                size_bytes=int(a.get("size_bytes", 0)),
                sha256=str(a.get("sha256", "")),
            )
            for a in snapshot.get("attachments") or []
        ],
    )


async def _submitted_snapshot(
    session: AsyncSession, principal: Principal, assignment_id: uuid.UUID
) -> Any:
    """The latest submitted snapshot of the assignment's application, through the SQL block."""
    row = (
        await session.execute(
            sa.select(_subs.c.application_id, _subs.c.number, _subs.c.snapshot)
            .select_from(
                _asg.join(_apps, _apps.c.id == _asg.c.application_id).join(
                    _subs,
                    sa.and_(
                        _subs.c.application_id == _apps.c.id,
                        _subs.c.number == _apps.c.submission_count,
                    ),
                )
            )
            .where(_asg.c.id == assignment_id, visible_assignment(principal.user_id))
        )
    ).first()
    if row is None:
        raise assignment_not_found(assignment_id)
    return row


async def assignment_application(
    ctx: UserContext, assignment_id: uuid.UUID
) -> EvaluatorApplicationView:
    return evaluator_view(
        assignment_id, await _submitted_snapshot(ctx.session, ctx.principal, assignment_id)
    )


@dataclass(frozen=True, slots=True)
class EvaluatorDownload:
    attachment: AttachmentRef
    chunks: AsyncIterator[bytes]


async def open_attachment(
    ctx: UserContext, assignment_id: uuid.UUID, attachment_id: uuid.UUID, *, storage: Storage
) -> EvaluatorDownload:
    """An attachment of the submitted version (only those its snapshot names), its bytes from
    the attachments' storage under the server-chosen key."""
    row = await _submitted_snapshot(ctx.session, ctx.principal, assignment_id)
    view = evaluator_view(assignment_id, row)
    named = next((a for a in view.attachments if a.id == str(attachment_id)), None)
    if named is None:
        raise NotFound(f"Anhang {attachment_id} nicht gefunden (attachment not found)")
    # The stored bytes outlive a later removal from the working copy, but a file may be
    # received while still being scanned: only one scanned clean by now is served.
    state = (await attachment_states(ctx.session, row.application_id, [attachment_id])).get(
        str(attachment_id)
    )
    if state is None or state.scan_status is ScanStatus.INFECTED:
        raise NotFound(f"Anhang {attachment_id} nicht gefunden (attachment not found)")
    if not state.servable:
        raise Conflict(
            "Der Anhang wird noch auf Schadsoftware geprüft; bitte später erneut versuchen "
            "(still being scanned for malware; try again later).",
            extra={"scan_status": state.scan_status.value},
        )
    chunks = await storage.open_stream(storage_key(row.application_id, attachment_id))
    return EvaluatorDownload(named, chunks)
