"""Payments (Mittelabrufe), one transaction each, serialised per award on the application's
row (so two orders of one award can never both draw the same open amount):

- ``request_payment``: a member of the recipient organisation asks for an amount from one
  fiscal year's annual instalment, with its purpose, when the money will be spent and what
  has been spent so far. Checked at once (``core.payments``): a 422 names every rule broken,
  a 409 says why no payment is possible at all (no decision in force).
- ``certify``: a programme manager certifies it as factually and arithmetically correct
  (*sachlich und rechnerisch richtig*), checked again on the facts of that moment.
- ``order``: another programme manager orders it (*Anordnung*): the database and the core
  refuse the same person doing both. Only now the payment enters the ledger, and the
  recipient is told by e-mail (outbox, same transaction).
- ``refuse``: a manager refuses it with a reason.

The open amount counts requests not yet ordered, so two requests cannot together draw more
than the instalment holds.
"""

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from grants.accounts.service import contact_of
from grants.applications.access import load_application
from grants.awards import ledger
from grants.awards.access import load_with_application
from grants.awards.decisions.service import granting_decision
from grants.awards.payments.schemas import PaymentRequestIn, PaymentRequestPublic, RefusalIn
from grants.awards.tables import payments_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import berlin_date
from grants.core.errors import Conflict, NotFound
from grants.core.lifecycle import State
from grants.core.money import ZERO, format_eur
from grants.core.payments import (
    PaymentFacts,
    PaymentRequest,
    check_four_eyes,
    check_payment_request,
)
from grants.core.roles import Role
from grants.core.versions import ensure_version, parse_if_match
from grants.notifications.service import enqueue_message

_p = payments_table
_PENDING = ("requested", "certified")


def _public(row: Any) -> PaymentRequestPublic:
    return PaymentRequestPublic.model_validate(row, from_attributes=True)


def _not_found(payment_id: uuid.UUID) -> NotFound:
    return NotFound(f"Mittelabruf {payment_id} nicht gefunden (payment request not found)")


async def _facts(
    ctx: UserContext, app: Any, *, excluding: uuid.UUID | None = None
) -> tuple[Any, PaymentFacts]:
    """The granting decision in force and the facts a request is judged on: the annual
    instalments, what is paid or already asked for (other requests not yet ordered count
    as drawn), the approval period, the grant's share of the total financing."""
    found = await granting_decision(ctx, app.id)
    today = berlin_date(ctx.now)
    if found is None:
        # No grant: the core's state check says so (409 naming the state).
        facts = PaymentFacts(
            state=State(app.status),
            decision_in_force=False,
            period_start=today,
            period_end=today,
            committed={},
            paid={},
            closed_years=frozenset(),
            grant_share=Decimal(0),
            today=today,
        )
        return None, facts
    decision, standing = found
    balances = await ledger.application_balances(ctx.session, app.id)
    pending = sa.select(_p.c.fiscal_year, sa.func.sum(_p.c.amount)).where(
        _p.c.application_id == app.id, _p.c.status.in_(_PENDING)
    )
    if excluding is not None:
        pending = pending.where(_p.c.id != excluding)
    asked: dict[int, Decimal] = {
        int(year): Decimal(total)
        for year, total in await ctx.session.execute(pending.group_by(_p.c.fiscal_year))
    }
    years = set(balances) | set(asked)
    content = decision.content
    total = Decimal(content["figures"]["total_costs"])
    grant = Decimal(content["figures"]["max_amount"])
    period = content["approval_period"]
    facts = PaymentFacts(
        state=State(app.status),
        decision_in_force=standing.effective,
        period_start=date.fromisoformat(period["start"]),
        period_end=date.fromisoformat(period["end"]),
        committed={y: b.committed for y, b in balances.items()},
        paid={y: (balances[y].paid if y in balances else ZERO) + asked.get(y, ZERO) for y in years},
        # Appropriations lapse at the end of their fiscal year (§ 45 SäHO); a carry-over
        # is not modelled yet, so every past year is closed.
        closed_years=frozenset(y for y in years | {today.year - 1} if y < today.year),
        grant_share=min(grant / total, Decimal(1)) if total > ZERO else Decimal(0),
        today=today,
    )
    return decision, facts


def _core_request(data: Any) -> PaymentRequest:
    return PaymentRequest(
        amount=data.amount,
        fiscal_year=data.fiscal_year,
        purpose=data.purpose,
        needed_by=data.needed_by,
        costs_due_by_needed_by=data.costs_due,
        own_funds_used=data.own_funds_used,
        third_party_funds_used=data.third_party_funds_used,
    )


def _record(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "status": row.status,
        "fiscal_year": row.fiscal_year,
        "amount": str(row.amount),
    }


async def request_payment(
    ctx: UserContext, application_id: uuid.UUID, data: PaymentRequestIn
) -> PaymentRequestPublic:
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        decision, facts = await _facts(ctx, app)
        check_payment_request(_core_request(data), facts)
        number = (
            await ctx.session.execute(
                sa.select(sa.func.coalesce(sa.func.max(_p.c.number), 0)).where(
                    _p.c.application_id == application_id
                )
            )
        ).scalar_one() + 1
        created = (
            await ctx.session.execute(
                sa.insert(_p)
                .values(
                    id=uuid.uuid4(),
                    application_id=application_id,
                    decision_id=decision.id,
                    number=number,
                    status="requested",
                    fiscal_year=data.fiscal_year,
                    amount=data.amount,
                    purpose=data.purpose.strip(),
                    needed_by=data.needed_by,
                    costs_due=data.costs_due,
                    own_funds_used=data.own_funds_used,
                    third_party_funds_used=data.third_party_funds_used,
                    version=1,
                    requested_by=ctx.principal.user_id,
                    requested_at=ctx.now,
                    refusal_reason="",
                )
                .returning(_p)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.PAYMENT_REQUESTED,
            object_type="payment_request",
            object_id=created.id,
            after={**_record(created), "application_id": str(application_id)},
        )
    return _public(created)


async def _load(
    ctx: UserContext, payment_id: uuid.UUID, *, manager: bool, for_update: bool = False
) -> tuple[Any, Any]:
    row, app, _ = await load_with_application(
        ctx,
        _p,
        payment_id,
        manager=manager,
        for_update=for_update,
        not_found=_not_found(payment_id),
    )
    return row, app


def _ensure_status(row: Any, *expected: str) -> None:
    if row.status not in expected:
        raise Conflict(
            f"Der Mittelabruf ist im Stand „{row.status}“; dieser Schritt ist nicht möglich "
            f"(the payment request is {row.status}: this step is not possible).",
            extra={"status": row.status},
        )


async def _step(
    ctx: UserContext,
    payment_id: uuid.UUID,
    if_match: str | None,
    *,
    expected: tuple[str, ...],
    values: dict[str, Any],
    action: AuditAction,
    recheck: bool,
    extra: dict[str, Any] | None = None,
    before: Callable[[Any], None] | None = None,
) -> tuple[Any, Any]:
    version = parse_if_match(if_match)
    row, app = await _load(ctx, payment_id, manager=True, for_update=True)
    ensure_version(row.version, version)
    _ensure_status(row, *expected)
    if before is not None:
        before(row)
    if recheck:
        _, facts = await _facts(ctx, app, excluding=row.id)
        check_payment_request(_core_request(row), facts)
    updated = (
        await ctx.session.execute(
            sa.update(_p)
            .where(_p.c.id == payment_id)
            .values(version=row.version + 1, **values)
            .returning(_p)
        )
    ).one()
    await ctx.audit(
        action=action,
        object_type="payment_request",
        object_id=payment_id,
        before=_record(row),
        after={**_record(updated), **(extra or {})},
    )
    return updated, app


async def certify(
    ctx: UserContext, payment_id: uuid.UUID, *, if_match: str | None
) -> PaymentRequestPublic:
    """Factually and arithmetically correct: the first pair of eyes."""
    async with ctx.session.begin():
        updated, _ = await _step(
            ctx,
            payment_id,
            if_match,
            expected=("requested",),
            values={
                "status": "certified",
                "certified_by": ctx.principal.user_id,
                "certified_at": ctx.now,
            },
            action=AuditAction.PAYMENT_CERTIFIED,
            recheck=True,
        )
    return _public(updated)


async def order(
    ctx: UserContext, payment_id: uuid.UUID, *, if_match: str | None
) -> PaymentRequestPublic:
    """The order to pay: the second pair of eyes; the payment enters the ledger."""
    async with ctx.session.begin():
        updated, app = await _step(
            ctx,
            payment_id,
            if_match,
            expected=("certified",),
            values={
                "status": "ordered",
                "ordered_by": ctx.principal.user_id,
                "ordered_at": ctx.now,
            },
            action=AuditAction.PAYMENT_ORDERED,
            recheck=True,
            before=lambda row: check_four_eyes(row.certified_by, ctx.principal.user_id),
        )
        await ledger.record_movement(
            ctx,
            ledger.Movement.PAYMENT,
            key=ledger.LineKey(app.guideline_id, app.call_code, app.funding_line),
            application_id=app.id,
            fiscal_year=updated.fiscal_year,
            amount=updated.amount,
            reason=f"Mittelabruf Nr. {updated.number}: {updated.purpose}",
            decision_id=updated.decision_id,
            payment_id=updated.id,
        )
        recipient, _ = await contact_of(ctx.session, updated.requested_by)
        reference = app.reference_number or "—"
        await enqueue_message(
            ctx.session,
            dedupe_key=f"payment_ordered:{updated.id}",
            kind="payment_ordered",
            recipient=recipient,
            subject=f"Auszahlung angewiesen: {reference} (payment ordered)",
            body_text=(
                f"Guten Tag,\n\nfür Ihren Mittelabruf Nr. {updated.number} zum Vorhaben "
                f"{reference} ist die Auszahlung von {format_eur(updated.amount)} angewiesen "
                "worden. Bitte verwenden Sie die Mittel innerhalb von zwei Monaten nach der "
                "Auszahlung für fällige Zahlungen; sonst können Zinsen verlangt werden "
                "(§ 49a Abs. 4 VwVfG).\n\n"
                f"The payment of your request no. {updated.number} for {reference} has been "
                "ordered. Please use the funds for payments due within two months of receipt; "
                "otherwise interest may be charged.\n"
            ),
            now=ctx.now,
            application_id=app.id,
        )
    return _public(updated)


async def refuse(
    ctx: UserContext, payment_id: uuid.UUID, data: RefusalIn, *, if_match: str | None
) -> PaymentRequestPublic:
    async with ctx.session.begin():
        updated, _ = await _step(
            ctx,
            payment_id,
            if_match,
            expected=("requested", "certified"),
            values={
                "status": "refused",
                "refused_by": ctx.principal.user_id,
                "refused_at": ctx.now,
                "refusal_reason": data.reason.strip(),
            },
            action=AuditAction.PAYMENT_REFUSED,
            recheck=False,
            extra={"reason": data.reason.strip()},
        )
    return _public(updated)


async def list_payments(ctx: UserContext, application_id: uuid.UUID) -> list[PaymentRequestPublic]:
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        rows = await ctx.session.execute(
            sa.select(_p).where(_p.c.application_id == application_id).order_by(_p.c.number)
        )
        return [_public(r) for r in rows]


async def get_payment(ctx: UserContext, payment_id: uuid.UUID) -> PaymentRequestPublic:
    async with ctx.session.begin():
        row, _ = await _load(ctx, payment_id, manager=False)
    return _public(row)
