"""The money a follow-on decision moves when it is released — a revocation or withdrawal, or
the final settlement after the proof of use — in the release's own transaction
(``decisions.service.release`` calls :func:`apply_follow_on`): checked against the ledger as
it stands at that moment, then the de-commitments and any reclaim per fiscal year, and the
recipient's e-mail. Kept apart from ``reclaims.service`` (which drafts these decisions and
imports the decisions service) so that the release can call it without a cycle.

Both kinds carry the same ``figures`` (current grant, new grant, paid, decommitment,
reclaim) and name the granting decision they change (``grant.decision_id``).
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

REVOKING = frozenset({DecisionKind.REVOCATION, DecisionKind.WITHDRAWAL})
FOLLOW_ON = REVOKING | {DecisionKind.FINAL_SETTLEMENT}
AWARDED = (State.APPROVED.value, State.PARTIALLY_APPROVED.value)


async def award_money(ctx: UserContext, app: Any) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Committed and paid per fiscal year (net of de-commitments and refunds)."""
    balances = await ledger.application_balances(ctx.session, app.id)
    committed = {y: b.committed for y, b in balances.items() if b.committed or b.paid}
    paid = {y: b.paid for y, b in balances.items() if b.committed or b.paid}
    return committed, paid


async def apply_follow_on(
    ctx: UserContext, app: Any, decision: Any, granting: Any | None, reason: str
) -> None:
    """The money of a follow-on decision being released, in the release's transaction:
    checked against the ledger as it stands now (a payment or another decision since the
    draft makes it stale: 409, redraft), then the de-commitments and the reclaim per fiscal
    year. ``granting`` is the granting decision in force, which the decision must name."""
    if app.status not in AWARDED:
        raise Conflict(
            "Nur zu einem bewilligten Vorhaben möglich (only for an award).",
            extra={"current_state": app.status},
        )
    content = decision.content
    committed, paid = await award_money(ctx, app)
    figures = content["figures"]
    if (
        granting is None
        or str(granting.id) != content["grant"]["decision_id"]
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
    subject, body = _message(DecisionKind(decision.kind), app.reference_number or "—", figures)
    await enqueue_message(
        ctx.session,
        dedupe_key=f"follow_on_released:{decision.id}",
        kind=f"{decision.kind}_released",
        recipient=recipient,
        subject=subject,
        body_text=body,
        now=ctx.now,
        application_id=app.id,
    )


def _message(kind: DecisionKind, reference: str, figures: dict[str, str]) -> tuple[str, str]:
    new_grant = format_eur(Decimal(figures["new_grant"]))
    if kind is DecisionKind.FINAL_SETTLEMENT:
        still = Decimal(figures.get("still_payable", "0"))
        rest = (
            f" Noch auszuzahlen sind {format_eur(still)}; bitte rufen Sie den Betrag ab."
            if still > ZERO
            else ""
        )
        return (
            f"Schlussbescheid zum Vorhaben {reference} (final settlement)",
            f"Guten Tag,\n\nnach Prüfung des Verwendungsnachweises ist die Zuwendung zum "
            f"Vorhaben {reference} auf {new_grant} festgesetzt.{rest} Den Bescheid mit "
            "Begründung und Rechtsbehelfsbelehrung finden Sie im Portal.\n\n"
            f"After the check of the proof of use, the grant for {reference} is set at "
            f"{new_grant}; the decision is in the portal.\n",
        )
    reclaim = Decimal(figures["reclaim"])
    owed = (
        f" Zu erstatten sind {format_eur(reclaim)} nebst Zinsen (§ 49a VwVfG)."
        if reclaim > ZERO
        else ""
    )
    return (
        f"Bescheid zum Vorhaben {reference}: Zuwendung geändert (decision issued)",
        f"Guten Tag,\n\nzum Vorhaben {reference} ist ein Bescheid ergangen: die Zuwendung "
        f"beträgt nun {new_grant}.{owed} Den Bescheid mit Begründung und "
        "Rechtsbehelfsbelehrung finden Sie im Portal.\n\n"
        f"A decision on {reference} has been issued; you find it with its reasons in the "
        "portal.\n",
    )
