"""The final settlement (*Schlussbescheid*) after the final proof of use was checked: the
grant set at the final amount the check computed (``proofs``), the commitment above it freed,
the rest still to be paid. Drafted here, released as every decision is
(``reclaims.money.apply_follow_on`` enters the de-commitments).

Only where nothing was paid above the final amount: an overpayment is reclaimed by a
(partial) revocation, which needs a hearing first (``reclaims.service``); the settlement
refuses and says so.
"""

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.awards.decisions.schemas import DecisionPublic
from grants.awards.decisions.service import (
    ensure_no_open_draft,
    insert_draft,
    public_view,
    second_approval_required,
)
from grants.awards.proofs.tables import proofs_table
from grants.awards.reclaims.money import allocation_content, award_money, follow_on_parties
from grants.awards.reclaims.schemas import SettlementIn
from grants.awards.reclaims.service import grant_in_force
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.decision import DecisionKind, DecisionStatus
from grants.core.errors import Conflict, FieldProblem, InvalidInput
from grants.core.money import ZERO, format_eur
from grants.core.revocation import allocate
from grants.core.roles import Role
from grants.evaluation.jury.officials import ensure_official_not_excluded

_p, _d = proofs_table, decisions_table
LEGAL_BASIS = (
    "Festsetzung der Zuwendung nach Prüfung des Verwendungsnachweises (§ 44 SäHO, "
    "ANBest-P Nr. 6 und 7)"
)


async def _checked_final_proof(ctx: UserContext, app_id: uuid.UUID, proof_id: uuid.UUID) -> Any:
    proof = (
        await ctx.session.execute(
            sa.select(_p).where(_p.c.id == proof_id, _p.c.application_id == app_id)
        )
    ).first()
    if proof is None:
        raise InvalidInput(
            "Der Nachweis gehört nicht zu diesem Vorhaben (no such proof here).",
            problems=(FieldProblem("proof_id", "unknown", "kein Nachweis hier (none)"),),
        )
    if proof.kind != "final" or proof.status != "checked" or proof.final_amount is None:
        raise Conflict(
            "Ein Schlussbescheid folgt dem geprüften und anerkannten Verwendungsnachweis "
            "(a final settlement follows the accepted final proof of use).",
            extra={"kind": proof.kind, "status": proof.status},
        )
    return proof


async def _refuse_second(ctx: UserContext, app_id: uuid.UUID) -> None:
    await ensure_no_open_draft(ctx, app_id)
    found = (
        await ctx.session.execute(
            sa.select(_d.c.id).where(
                _d.c.application_id == app_id,
                _d.c.status == DecisionStatus.RELEASED.value,
                _d.c.kind == DecisionKind.FINAL_SETTLEMENT.value,
            )
        )
    ).first()
    if found is not None:
        raise Conflict(
            "Es gibt schon einen Schlussbescheid (a final settlement exists).",
            extra={"decision_id": str(found.id)},
        )


async def draft_final_settlement(
    ctx: UserContext, application_id: uuid.UUID, data: SettlementIn
) -> DecisionPublic:
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        await ensure_official_not_excluded(ctx, app.id)
        grant = await grant_in_force(ctx, app)
        proof = await _checked_final_proof(ctx, app.id, data.proof_id)
        await _refuse_second(ctx, app.id)
        committed, paid = await award_money(ctx, app)
        current = sum(committed.values(), ZERO)
        paid_total = sum(paid.values(), ZERO)
        # Never above the grant as it stands (a revocation may have lowered it since).
        final = min(Decimal(proof.final_amount), current)
        if paid_total > final:
            raise Conflict(
                f"Ausgezahlt sind {format_eur(paid_total)}, mehr als die festzusetzende "
                f"Zuwendung von {format_eur(final)}: die Überzahlung wird durch (Teil-)Widerruf "
                "nach Anhörung zurückgefordert, nicht durch Schlussbescheid (overpaid: a "
                "partial revocation after a hearing reclaims it).",
                extra={"overpayment": str(paid_total - final)},
            )
        split = allocate(committed, paid, final)
        content = {
            "kind": DecisionKind.FINAL_SETTLEMENT.value,
            **follow_on_parties(app, grant),
            "legal_basis": LEGAL_BASIS,
            "proof": {
                "id": str(proof.id),
                "number": proof.number,
                "receipt_hash": proof.receipt_hash,
                "checked_at": proof.checked_at.isoformat(),
                "final_grant": (proof.final_grant or {}).get("computation"),
            },
            "notes": [n.strip() for n in data.notes if n.strip()],
            # The letter names the categories as the grant did.
            "category_labels": {
                c["category"]: c.get("label") for c in grant.content.get("categories") or []
            },
            "figures": {
                "current_grant": str(current),
                "new_grant": str(final),
                "paid": str(paid_total),
                "decommitment": str(split.decommitment),
                "reclaim": str(split.reclaim),
                "still_payable": str(final - paid_total),
            },
            "years": allocation_content(split),
            "legal_remedy": grant.content.get("legal_remedy"),
        }
        created = await insert_draft(
            ctx,
            app.id,
            DecisionKind.FINAL_SETTLEMENT,
            content,
            final,
            audit={"final_amount": str(final), "decommitment": str(split.decommitment)},
        )
        required = await second_approval_required(ctx, app.guideline_id)
    return public_view(created, second_required=required)
