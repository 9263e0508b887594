"""The money a follow-on decision moves when it is released — a revocation or withdrawal, or
the final settlement after the proof of use — in the release's own transaction
(``decisions.service.release`` calls :func:`apply_follow_on`): checked against the ledger as
it stands at that moment, then the de-commitments and any reclaim per fiscal year, and the
recipient's e-mail. Kept apart from ``reclaims.service`` (which drafts these decisions and
imports the decisions service) so that the release can call it without a cycle.

Both kinds carry the same ``figures`` (current grant, new grant, paid, decommitment,
reclaim) and name the granting decision they change (``grant.decision_id``).
"""

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from grants.accounts.service import contact_of
from grants.awards import ledger
from grants.context import UserContext
from grants.core.decision import DecisionKind
from grants.core.errors import Conflict
from grants.core.lifecycle import State
from grants.core.money import ZERO, format_eur
from grants.core.revocation import Allocation, allocate
from grants.notifications.service import enqueue_message

REVOKING = frozenset({DecisionKind.REVOCATION, DecisionKind.WITHDRAWAL})
FOLLOW_ON = REVOKING | {DecisionKind.FINAL_SETTLEMENT, DecisionKind.AMENDMENT}
AWARDED = (State.APPROVED.value, State.PARTIALLY_APPROVED.value)


def grant_reference(grant: Any) -> dict[str, str]:
    """The granting decision a follow-on decision changes, as its content names it (and as
    :func:`apply_follow_on` checks it at release)."""
    return {
        "decision_id": str(grant.id),
        "file_reference": grant.file_reference,
        "decision_date": grant.decision_date.isoformat(),
    }


def follow_on_parties(app: Any, grant: Any) -> dict[str, Any]:
    """Application, recipient and granting decision of a follow-on decision's content."""
    return {
        "application": {
            "id": str(app.id),
            "reference_number": app.reference_number,
            "title": grant.content.get("application", {}).get("title"),
        },
        "recipient": grant.content.get("recipient"),
        "grant": grant_reference(grant),
    }


def allocation_content(split: Allocation) -> list[dict[str, Any]]:
    """The allocation per fiscal year as content (amounts as exact strings)."""
    return [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(y).items()}
        for y in split.years
    ]


async def award_money(ctx: UserContext, app: Any) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Committed and paid per fiscal year (net of de-commitments and refunds)."""
    balances = await ledger.application_balances(ctx.session, app.id)
    committed = {y: b.committed for y, b in balances.items() if b.committed or b.paid}
    paid = {y: b.paid for y, b in balances.items() if b.committed or b.paid}
    return committed, paid


def new_instalments(content: dict[str, Any]) -> dict[int, Decimal]:
    return {int(i["fiscal_year"]): Decimal(i["amount"]) for i in content["instalments"]}


def below_paid(new: dict[int, Decimal], paid: dict[int, Decimal]) -> list[int]:
    """The fiscal years whose new instalment is less than was paid in them already."""
    return sorted(y for y, amount in paid.items() if amount > new.get(y, ZERO))


async def _apply_amendment(ctx: UserContext, app: Any, decision: Any, reason: str) -> None:
    """An amendment's money: each year's commitment moved to its new instalment — more is
    bound on the line's budget under its row lock (``ledger.commit_funds``: 409 when it does
    not hold), less is freed, never below what the year has paid."""
    new = new_instalments(decision.content)
    committed, paid = await award_money(ctx, app)
    short = below_paid(new, paid)
    if short:
        raise Conflict(
            "In den Haushaltsjahren "
            + ", ".join(map(str, short))
            + " wurde mehr ausgezahlt, als die Änderung bewilligt; bitte neu entwerfen "
            "(more was paid in these years than the amendment grants: draft again).",
            extra={"fiscal_years": short},
        )
    key = ledger.LineKey(app.guideline_id, app.call_code, app.funding_line)
    years = sorted(set(new) | set(committed))
    more = {y: new.get(y, ZERO) - committed.get(y, ZERO) for y in years}
    increases = {y: d for y, d in more.items() if d > ZERO}
    if increases:
        await ledger.commit_funds(
            ctx,
            key=key,
            application_id=app.id,
            decision_id=decision.id,
            instalments=increases,
            reason=reason,
        )
    for year, change in more.items():
        if change < ZERO:
            await ledger.record_movement(
                ctx,
                ledger.Movement.DECOMMITMENT,
                key=key,
                application_id=app.id,
                fiscal_year=year,
                amount=-change,
                reason=reason,
                decision_id=decision.id,
            )
    recipient, _ = await contact_of(ctx.session, app.created_by)
    reference = app.reference_number or "—"
    await enqueue_message(
        ctx.session,
        dedupe_key=f"follow_on_released:{decision.id}",
        kind="amendment_released",
        recipient=recipient,
        subject=f"Änderungsbescheid zum Vorhaben {reference} (amended decision)",
        body_text=(
            f"Guten Tag,\n\nzum Vorhaben {reference} ist ein Änderungsbescheid ergangen: die "
            f"Zuwendung beträgt bis zu {format_eur(Decimal(decision.max_amount))}. Den Bescheid "
            "mit Begründung und Rechtsbehelfsbelehrung finden Sie im Portal.\n\n"
            f"An amended decision on {reference} has been issued; it is in the portal.\n"
        ),
        now=ctx.now,
        application_id=app.id,
    )


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
    if granting is None or str(granting.id) != content["grant"]["decision_id"]:
        raise Conflict(
            "Seit dem Entwurf ist ein anderer Bescheid ergangen; bitte den Entwurf verwerfen "
            "und neu entwerfen (another decision was issued since the draft: draft again).",
            extra={"decision_id": str(decision.id)},
        )
    if DecisionKind(decision.kind) is DecisionKind.AMENDMENT:
        await _apply_amendment(ctx, app, decision, reason)
        return
    committed, paid = await award_money(ctx, app)
    figures = content["figures"]
    if sum(committed.values(), ZERO) != Decimal(figures["current_grant"]) or sum(
        paid.values(), ZERO
    ) != Decimal(figures["paid"]):
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
