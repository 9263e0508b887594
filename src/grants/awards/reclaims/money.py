"""The money a revocation or withdrawal moves when it is released, in the release's own
transaction (``decisions.service.release`` calls :func:`apply_revocation`): checked against
the ledger as it stands at that moment, then the de-commitments and the reclaim per fiscal
year, and the recipient's e-mail. Kept apart from ``reclaims.service`` (which drafts the
decision and imports the decisions service) so that the release can call it without a cycle.
"""

from decimal import Decimal
from typing import Any

from grants.accounts.service import contact_of
from grants.awards import ledger
from grants.context import UserContext
from grants.core.decision import DecisionKind
from grants.core.errors import Conflict
from grants.core.lifecycle import State
from grants.core.money import ZERO, format_eur
from grants.core.revocation import allocate
from grants.notifications.service import enqueue_message

FOLLOW_ON = frozenset({DecisionKind.REVOCATION, DecisionKind.WITHDRAWAL})
AWARDED = (State.APPROVED.value, State.PARTIALLY_APPROVED.value)


async def award_money(ctx: UserContext, app: Any) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Committed and paid per fiscal year (net of de-commitments and refunds)."""
    balances = await ledger.application_balances(ctx.session, app.id)
    committed = {y: b.committed for y, b in balances.items() if b.committed or b.paid}
    paid = {y: b.paid for y, b in balances.items() if b.committed or b.paid}
    return committed, paid


async def apply_revocation(
    ctx: UserContext, app: Any, decision: Any, granting: Any | None, reason: str
) -> None:
    """The money of a revocation being released, in the release's transaction: checked
    against the ledger as it stands now (a payment or another decision since the draft makes
    it stale: 409, redraft), then the de-commitments and the reclaim per fiscal year.
    ``granting`` is the granting decision in force, which the revocation must name."""
    if app.status not in AWARDED:
        raise Conflict(
            "Nur ein bewilligtes Vorhaben kann widerrufen werden (only an award is revoked).",
            extra={"current_state": app.status},
        )
    content = decision.content
    committed, paid = await award_money(ctx, app)
    figures = content["figures"]
    if (
        granting is None
        or str(granting.id) != content["revokes"]["decision_id"]
        or sum(committed.values(), ZERO) != Decimal(figures["current_grant"])
        or sum(paid.values(), ZERO) != Decimal(figures["paid"])
    ):
        raise Conflict(
            "Seit dem Entwurf hat sich die Zuwendung oder die Auszahlung geändert; bitte den "
            "Entwurf verwerfen und neu entwerfen (the grant or payments changed since the "
            "draft: discard it and draft again).",
            extra={"decision_id": str(decision.id)},
        )
    split = allocate(committed, paid, Decimal(figures["new_grant"]))
    key = ledger.LineKey(app.guideline_id, app.call_code, app.funding_line)
    for year in split.years:
        for kind, amount in (
            (ledger.Movement.DECOMMITMENT, year.decommitment),
            (ledger.Movement.RECLAIM, year.reclaim),
        ):
            if amount > ZERO:
                await ledger.record_movement(
                    ctx,
                    kind,
                    key=key,
                    application_id=app.id,
                    fiscal_year=year.fiscal_year,
                    amount=amount,
                    reason=reason,
                    decision_id=decision.id,
                )
    recipient, _ = await contact_of(ctx.session, app.created_by)
    reference = app.reference_number or "—"
    reclaim = Decimal(figures["reclaim"])
    owed = (
        f" Zu erstatten sind {format_eur(reclaim)} nebst Zinsen (§ 49a VwVfG)."
        if reclaim > ZERO
        else ""
    )
    await enqueue_message(
        ctx.session,
        dedupe_key=f"revocation_released:{decision.id}",
        kind="revocation_released",
        recipient=recipient,
        subject=f"Bescheid zum Vorhaben {reference}: Zuwendung geändert (decision issued)",
        body_text=(
            f"Guten Tag,\n\nzum Vorhaben {reference} ist ein Bescheid ergangen: die "
            f"Zuwendung beträgt nun {format_eur(Decimal(figures['new_grant']))}.{owed} "
            "Den Bescheid mit Begründung und Rechtsbehelfsbelehrung finden Sie im Portal.\n\n"
            f"A decision on {reference} has been issued; you find it with its reasons in the "
            "portal.\n"
        ),
        now=ctx.now,
        application_id=app.id,
    )
