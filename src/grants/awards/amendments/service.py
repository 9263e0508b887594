"""Drafting an amendment of the grant in force (see the package). The content is the one
``decisions.compose`` writes for an approval, judged on the amendment's date, plus what it
amends, the request and the changes; it is released through the decisions' release, whose
follow-on path (``reclaims.money``) moves the commitments."""

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.awards.amendments.schemas import AmendmentIn
from grants.awards.decisions.compose import compose
from grants.awards.decisions.schemas import DecisionDraftIn, DecisionPublic
from grants.awards.decisions.service import public_view, second_approval_required
from grants.awards.reclaims.money import award_money, below_paid, new_instalments
from grants.awards.reclaims.service import grant_in_force, next_number
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import berlin_date
from grants.core.decision import DecisionKind, DecisionStatus
from grants.core.errors import Conflict, FieldProblem, InvalidInput
from grants.core.roles import Role
from grants.evaluation.jury.officials import ensure_official_not_excluded

_d = decisions_table
_OPEN = (DecisionStatus.DRAFT.value, DecisionStatus.SECOND_APPROVED.value)


def _money(items: dict[int, Decimal]) -> dict[str, str]:
    return {str(y): str(a) for y, a in sorted(items.items()) if a}


async def draft_amendment(
    ctx: UserContext, application_id: uuid.UUID, data: AmendmentIn
) -> DecisionPublic:
    today = berlin_date(ctx.now)
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, app.id)
        grant = await grant_in_force(ctx, app)
        open_draft = (
            await ctx.session.execute(
                sa.select(_d.c.id).where(_d.c.application_id == app.id, _d.c.status.in_(_OPEN))
            )
        ).first()
        if open_draft is not None:
            raise Conflict(
                "Für diesen Antrag liegt schon ein offener Entwurf vor (an open draft exists).",
                extra={"decision_id": str(open_draft.id)},
            )
        if data.requested_on > today:
            raise InvalidInput(
                "Der Änderungsantrag kann nicht nach heute eingegangen sein (not after today).",
                problems=(FieldProblem("requested_on", "in_future", "höchstens heute"),),
            )
        draft = DecisionDraftIn.model_validate(data.model_dump(exclude={"request", "requested_on"}))
        content, max_amount = await compose(ctx, app, draft, decision_date=today)
        committed, paid = await award_money(ctx, app)
        new = new_instalments(content)
        problems = [
            FieldProblem(
                "instalments",
                "below_paid",
                f"Haushaltsjahr {year}: ausgezahlt sind {paid[year]} EUR, mehr als die neue "
                f"Jahresrate (already paid more in {year})",
            )
            for year in below_paid(new, paid)
        ]
        before: dict[str, Any] = {
            "max_amount": str(grant.max_amount),
            "approval_period": grant.content["approval_period"],
            "instalments": _money(committed),
            "categories": grant.content.get("categories"),
        }
        after: dict[str, Any] = {
            "max_amount": str(max_amount),
            "approval_period": content["approval_period"],
            "instalments": _money(new),
            "categories": content.get("categories"),
        }
        if before == after:
            problems.append(
                FieldProblem(
                    "categories",
                    "nothing_changes",
                    "Die Änderung ändert nichts am geltenden Bescheid (nothing changes)",
                )
            )
        if problems:
            raise InvalidInput(
                "Die Änderung kann so nicht entworfen werden (the amendment cannot be drafted "
                "as given).",
                problems=tuple(problems),
            )
        content |= {
            "kind": DecisionKind.AMENDMENT.value,
            "amended_as": data.kind,
            "grant": {
                "decision_id": str(grant.id),
                "file_reference": grant.file_reference,
                "decision_date": grant.decision_date.isoformat(),
            },
            "request": {"text": data.request.strip(), "received_on": data.requested_on.isoformat()},
            "changes": {"before": before, "after": after},
        }
        created = (
            await ctx.session.execute(
                sa.insert(_d)
                .values(
                    id=uuid.uuid4(),
                    application_id=app.id,
                    number=await next_number(ctx, _d, _d.c.application_id, app.id),
                    kind=DecisionKind.AMENDMENT.value,
                    status=DecisionStatus.DRAFT.value,
                    content=content,
                    max_amount=max_amount,
                    version=1,
                    drafted_by=ctx.principal.user_id,
                    drafted_at=ctx.now,
                    updated_at=ctx.now,
                    official_name="",
                )
                .returning(_d)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.DECISION_DRAFTED,
            object_type="decision",
            object_id=created.id,
            after={"application_id": str(app.id), "kind": "amendment", "changes": after},
        )
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(created, second_required=required)
