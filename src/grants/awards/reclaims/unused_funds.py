"""Interest on funds paid out but not used soon enough (§ 49a Abs. 4 VwVfG), over a whole
award, once its final proof of use has been checked: only then is it known when the money
was spent.

What counts, and why:

* **Payments** are the ledger's payment entries, each on the Berlin day it was ordered (the
  bank's value day is not recorded; ordering and crediting are a day or two apart, which
  favours the recipient by those days).
* **Uses** are the receipts (*Belegliste*) of the checked final proof, which covers the
  whole project: each receipt's amount times the grant's approved rate for its category
  (share financing: every euro spent is financed pro rata), and times the share of the
  category's receipts the check recognised (a cost not recognised did not use grant money
  for the purpose; that money is for the reclaim, § 49a Abs. 1 and 3, not for this
  interest). Each use is rounded half up to the cent.
* ``core.interest.unused_funds_interest_over`` matches uses to payments first in, first out
  and computes the interest on what waited longer than two months (ANBest-P Nr. 1.4 in the
  Länder versions; Saxony's wording was not read: an assumption, and the answer says so).

The statute says the authority *may* claim the interest: the computation is a proposal shown
to staff only, and a person sets the claim — all, part or nothing — with the discretion
used, once per award, in one transaction with its ledger entry, audit entry and e-mail.
"""

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from grants.accounts.service import contact_of
from grants.applications.access import load_application
from grants.awards import ledger
from grants.awards.base_rates import load_base_rates
from grants.awards.proofs.tables import proofs_table
from grants.awards.reclaims.schemas import (
    CountFrom,
    UnusedFundsInterestIn,
    UnusedFundsInterestPublic,
    UsePiecePublic,
)
from grants.awards.reclaims.tables import unused_funds_interest_table
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import berlin_date
from grants.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from grants.core.interest import (
    TWO_MONTHS,
    InterestError,
    UnusedFundsResult,
    unused_funds_interest_over,
)
from grants.core.money import CENT, ZERO, format_eur
from grants.core.roles import Role
from grants.notifications.service import enqueue_message

_p, _u, _d = proofs_table, unused_funds_interest_table, decisions_table
ALLOWED = TWO_MONTHS  # an assumption for Saxony (DOMAIN §3.8), reported as one
LEGAL_BASIS = "§ 49a Abs. 4 VwVfG (i. V. m. § 1 SächsVwVfZG)"


async def _checked_final_proof(ctx: UserContext, application_id: uuid.UUID) -> Any:
    proof = (
        await ctx.session.execute(
            sa.select(_p)
            .where(
                _p.c.application_id == application_id,
                _p.c.kind == "final",
                _p.c.status == "checked",
            )
            .order_by(_p.c.number.desc())
            .limit(1)
        )
    ).first()
    if proof is None:
        raise Conflict(
            "Zinsen nach § 49a Abs. 4 VwVfG lassen sich erst berechnen, wenn der "
            "Verwendungsnachweis geprüft ist: erst dann steht fest, wann das Geld verwendet "
            "wurde (interest on funds used late is computed once the final proof of use is "
            "checked)."
        )
    return proof


def _uses(proof: Any, grant: Any) -> list[dict[str, Any]]:
    """The grant's part of each receipt: amount × approved rate × recognised share."""
    rates = {c["category"]: Decimal(c["approved_rate"]) for c in grant.content["categories"]}
    declared: dict[str, Decimal] = {}
    for receipt in proof.receipts:
        category = receipt["category"]
        declared[category] = declared.get(category, ZERO) + Decimal(receipt["amount"])
    recognised = {r["category"]: Decimal(r["amount"]) for r in proof.recognised or []}
    uses = []
    for receipt in proof.receipts:
        category = receipt["category"]
        total = declared[category]
        share = min(Decimal(1), recognised.get(category, ZERO) / total) if total else ZERO
        part = (Decimal(receipt["amount"]) * rates.get(category, ZERO) * share).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        if part > ZERO:
            uses.append(
                {
                    "receipt": receipt["number"],
                    "paid_on": receipt["paid_on"],
                    "category": category,
                    "amount": receipt["amount"],
                    "rate": str(rates.get(category, ZERO)),
                    "recognised_share": str(share.quantize(Decimal("0.000001"))),
                    "grant_part": str(part),
                }
            )
    return uses


async def _payments(ctx: UserContext, application_id: uuid.UUID) -> list[dict[str, str]]:
    entries = await ledger.application_entries(ctx.session, application_id)
    return [
        {"paid_on": berlin_date(e.occurred_at).isoformat(), "amount": str(e.amount)}
        for e in entries
        if e.kind == ledger.Movement.PAYMENT
    ]


def _compute(
    payments: list[dict[str, str]], uses: list[dict[str, Any]], count_from: CountFrom
) -> UnusedFundsResult:
    try:
        return unused_funds_interest_over(
            [(date.fromisoformat(p["paid_on"]), Decimal(p["amount"])) for p in payments],
            [(date.fromisoformat(u["paid_on"]), Decimal(u["grant_part"])) for u in uses],
            table=load_base_rates(),
            allowed=ALLOWED,
            from_payment=count_from is CountFrom.PAYMENT,
        )
    except InterestError as error:
        raise Conflict(
            "Die Zinsen lassen sich so nicht berechnen (interest cannot be computed).",
            extra={"reason": str(error)},
        ) from None


def _pieces(result: UnusedFundsResult) -> list[UsePiecePublic]:
    return [
        UsePiecePublic(
            paid_on=piece.paid_on,
            used_on=piece.used_on,
            amount=piece.amount,
            late=piece.late,
            interest_days=0 if piece.interest is None else piece.interest.days,
            interest=None if piece.interest is None else piece.interest.total,
            rate_assumed=piece.interest is not None and piece.interest.any_assumed,
        )
        for piece in result.pieces
    ]


def _computation(
    payments: list[dict[str, str]], uses: list[dict[str, Any]], result: UnusedFundsResult
) -> dict[str, Any]:
    return {
        "legal_basis": LEGAL_BASIS,
        "allowed_months": ALLOWED.months,
        "matching": "first in, first out",
        "day_count": "act/365",
        "payments": payments,
        "uses": uses,
        "pieces": [
            {
                **piece.model_dump(mode="json"),
                "segments": []
                if raw.interest is None
                else [
                    {
                        "from_day": s.from_day.isoformat(),
                        "until_day": s.until_day.isoformat(),
                        "days": s.days,
                        "annual_rate": str(s.annual_rate),
                        "amount": str(s.amount),
                        "assumed": s.assumed,
                    }
                    for s in raw.interest.segments
                ],
            }
            for piece, raw in zip(_pieces(result), result.pieces, strict=True)
        ],
        "total": str(result.total),
        "never_used": str(result.never_used),
    }


def _public(
    app_id: uuid.UUID,
    proof: Any,
    count_from: CountFrom,
    payments: list[dict[str, str]],
    uses: list[dict[str, Any]],
    result: UnusedFundsResult,
    decided: Any | None,
) -> UnusedFundsInterestPublic:
    return UnusedFundsInterestPublic(
        application_id=app_id,
        decision_id=proof.decision_id,
        proof_id=proof.id,
        allowed_months=ALLOWED.months,
        allowed_period_assumed=True,
        count_from=count_from,
        paid=sum((Decimal(p["amount"]) for p in payments), ZERO),
        used=sum((Decimal(u["grant_part"]) for u in uses), ZERO),
        never_used=result.never_used,
        computed=result.total,
        claimed=None if decided is None else decided.claimed,
        discretion="" if decided is None else decided.discretion,
        rate_assumed=result.any_assumed,
        pieces=_pieces(result),
        computation=_computation(payments, uses, result),
        decided_at=None if decided is None else decided.decided_at,
    )


def _from_record(app_id: uuid.UUID, decided: Any) -> UnusedFundsInterestPublic:
    """The decision as it was taken: its stored computation, not a fresh one (the base-rate
    table may have grown since)."""
    c = decided.computation
    return UnusedFundsInterestPublic(
        application_id=app_id,
        decision_id=decided.decision_id,
        proof_id=decided.proof_id,
        allowed_months=decided.allowed_months,
        allowed_period_assumed=True,
        count_from=CountFrom(decided.count_from),
        paid=sum((Decimal(p["amount"]) for p in c["payments"]), ZERO),
        used=sum((Decimal(u["grant_part"]) for u in c["uses"]), ZERO),
        never_used=Decimal(c["never_used"]),
        computed=decided.computed,
        claimed=decided.claimed,
        discretion=decided.discretion,
        rate_assumed=decided.rate_assumed,
        pieces=[
            UsePiecePublic.model_validate({k: v for k, v in p.items() if k != "segments"})
            for p in c["pieces"]
        ],
        computation=c,
        decided_at=decided.decided_at,
    )


async def _decided(ctx: UserContext, application_id: uuid.UUID) -> Any | None:
    return (
        await ctx.session.execute(sa.select(_u).where(_u.c.application_id == application_id))
    ).first()


async def get_unused_funds_interest(
    ctx: UserContext, application_id: uuid.UUID, count_from: CountFrom
) -> UnusedFundsInterestPublic:
    """Managers: the decision, or the computation before it. The recipient: the decision
    only — a computed interest the authority has not claimed is no claim."""
    async with ctx.session.begin():
        app, role = await load_application(ctx, application_id)
        decided = await _decided(ctx, app.id)
        if decided is not None:
            return _from_record(app.id, decided)
        if role is not Role.PROGRAMME_MANAGER:
            raise NotFound(
                "Zu diesem Vorhaben sind keine Zinsen nach § 49a Abs. 4 VwVfG festgesetzt "
                "(no such interest set)."
            )
        proof = await _checked_final_proof(ctx, app.id)
        grant = (await ctx.session.execute(sa.select(_d).where(_d.c.id == proof.decision_id))).one()
        payments, uses = await _payments(ctx, app.id), _uses(proof, grant)
        return _public(
            app.id, proof, count_from, payments, uses, _compute(payments, uses, count_from), None
        )


async def set_unused_funds_interest(
    ctx: UserContext, application_id: uuid.UUID, data: UnusedFundsInterestIn
) -> UnusedFundsInterestPublic:
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        if await _decided(ctx, app.id) is not None:
            raise Conflict(
                "Die Zinsen nach § 49a Abs. 4 VwVfG sind zu diesem Vorhaben schon festgesetzt "
                "(already set)."
            )
        proof = await _checked_final_proof(ctx, app.id)
        grant = (await ctx.session.execute(sa.select(_d).where(_d.c.id == proof.decision_id))).one()
        payments, uses = await _payments(ctx, app.id), _uses(proof, grant)
        result = _compute(payments, uses, data.count_from)
        claimed = result.total if data.claimed is None else data.claimed
        if claimed > result.total:
            raise InvalidInput(
                "Die Zinsen können so nicht festgesetzt werden (interest cannot be set).",
                problems=(
                    FieldProblem(
                        "claimed",
                        "above_computed",
                        f"Höchstens die berechneten {result.total} EUR (at most the computed)",
                    ),
                ),
            )
        view = _public(app.id, proof, data.count_from, payments, uses, result, None)
        row_id = uuid.uuid4()
        await ctx.session.execute(
            sa.insert(_u).values(
                id=row_id,
                application_id=app.id,
                decision_id=proof.decision_id,
                proof_id=proof.id,
                allowed_months=ALLOWED.months,
                count_from=data.count_from.value,
                computation=view.computation,
                computed=result.total,
                claimed=claimed,
                discretion=data.discretion.strip(),
                rate_assumed=result.any_assumed,
                decided_by=ctx.principal.user_id,
                decided_at=ctx.now,
            )
        )
        if claimed > ZERO:
            await ledger.record_movement(
                ctx,
                ledger.Movement.INTEREST,
                key=ledger.LineKey(app.guideline_id, app.call_code, app.funding_line),
                application_id=app.id,
                fiscal_year=berlin_date(ctx.now).year,
                amount=claimed,
                reason=f"Zinsen ({LEGAL_BASIS}) zu {grant.file_reference}",
                decision_id=proof.decision_id,
            )
        await ctx.audit(
            action=AuditAction.UNUSED_FUNDS_INTEREST_SET,
            object_type="application",
            object_id=app.id,
            after={
                "computed": str(result.total),
                "claimed": str(claimed),
                "count_from": data.count_from.value,
                "discretion": data.discretion.strip(),
                "proof_id": str(proof.id),
            },
        )
        if claimed > ZERO:
            recipient, _ = await contact_of(ctx.session, app.created_by)
            reference = app.reference_number or "—"
            await enqueue_message(
                ctx.session,
                dedupe_key=f"unused_funds_interest:{row_id}",
                kind="unused_funds_interest_set",
                recipient=recipient,
                subject=f"Zinsen wegen nicht alsbald verwendeter Mittel: {reference} "
                "(interest on funds used late)",
                body_text=(
                    "Guten Tag,\n\nein Teil der zum Vorhaben "
                    f"{reference} ausgezahlten Zuwendung wurde nicht innerhalb von "
                    f"{ALLOWED.months} Monaten nach der Auszahlung für den Zuwendungszweck "
                    f"verwendet. Für diese Zeit werden Zinsen von {format_eur(claimed)} "
                    f"erhoben ({LEGAL_BASIS}). Die Berechnung finden Sie im Portal beim "
                    "Vorhaben.\n\n"
                    f"Interest of {format_eur(claimed)} is claimed on grant money that was "
                    f"not used within {ALLOWED.months} months of its payment; the computation "
                    "is in the portal.\n"
                ),
                now=ctx.now,
                application_id=app.id,
            )
        decided = await _decided(ctx, app.id)
        return _from_record(app.id, decided)
