"""Drafting an amendment of the grant in force (see the package). The content is the one
``decisions.compose`` writes for an approval, judged on the amendment's date, plus what it
amends, the request and the changes; it is released through the decisions' release, whose
follow-on path (``reclaims.money``) moves the commitments."""

import uuid
from decimal import Decimal
from typing import Any

from grants.applications.access import load_application
from grants.awards.amendments.schemas import AmendmentIn
from grants.awards.decisions.compose import compose
from grants.awards.decisions.schemas import DecisionDraftIn, DecisionPublic
from grants.awards.decisions.service import (
    ensure_no_open_draft,
    insert_draft,
    public_view,
    second_approval_required,
)
from grants.awards.reclaims.money import (
    award_money,
    below_paid,
    grant_reference,
    new_instalments,
)
from grants.awards.reclaims.service import grant_in_force
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.deadlines import berlin_date
from grants.core.decision import DecisionKind
from grants.core.errors import FieldProblem, InvalidInput
from grants.core.roles import Role
from grants.evaluation.jury.officials import ensure_official_not_excluded

_d = decisions_table


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
        await ensure_no_open_draft(ctx, app.id)
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
            "grant": grant_reference(grant),
            "request": {"text": data.request.strip(), "received_on": data.requested_on.isoformat()},
            "changes": {"before": before, "after": after},
        }
        created = await insert_draft(
            ctx, app.id, DecisionKind.AMENDMENT, content, max_amount, audit={"changes": after}
        )
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(created, second_required=required)
