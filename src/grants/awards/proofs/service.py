"""Proofs of use (Verwendungsnachweise), one transaction each, serialised per award on the
application's row:

- ``create_proof`` / ``save_proof``: the recipient drafts an interim proof (one fiscal year
  of the approval period before its last) or the final one, saved as it is; every read names
  what still stands in the way of submitting it (``core.proof_check.submission_problems``).
  Drafts are the recipient's alone: staff neither list nor open them.
- ``submit_proof``: complete, it is fixed with the SHA-256 of its content (``receipt_hash``),
  the recipient gets a receipt by e-mail; from then on the database refuses any change of
  what was submitted.
- ``check_proof``: a programme manager accepts it (recognising per category at most what was
  declared) or returns it with what is to be completed (the recipient then drafts a new
  one). Whether the check must be detailed comes from the call's sample in force
  (§ 44 Abs. 2 SäHO); which it was, and the sample, are recorded with the check. Accepting
  the final proof computes the final grant (``core.final_grant``) against the payments and
  commitments in the ledger and proposes the decision it leads to — a final settlement, or
  a (partial) revocation with a reclaim. The proposal is staff-only data; the decision is a
  person's, made as a Bescheid.
- ``draw_sample``: a manager draws the call's sample of cases checked in detail, seeded at
  random unless a seed is given; a re-draw is a new row with its reason.
"""

import secrets
import uuid
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from grants.accounts.service import contact_of
from grants.applications.access import load_application
from grants.applications.queries import applications_table as _a
from grants.awards import ledger
from grants.awards.access import ensure_call, ensure_manager, load_with_application
from grants.awards.decisions.service import granting_decision
from grants.awards.proofs.schemas import (
    ProblemOut,
    ProofCheckIn,
    ProofContentIn,
    ProofCreateIn,
    ProofPublic,
    SampleIn,
    SamplePublic,
)
from grants.awards.proofs.tables import proofs_table, samples_table
from grants.awards.tables import decisions_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.canonical import sha256_of
from grants.core.deadlines import BERLIN, berlin_date
from grants.core.decision import GRANTING, DecisionStatus
from grants.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from grants.core.final_grant import ActualCategory, compute_final_grant
from grants.core.final_grant import ProofOfUse as CheckedFigures
from grants.core.guideline import Text
from grants.core.legal_dates import final_report_due, interim_reports_due
from grants.core.money import ZERO
from grants.core.proof_check import (
    CheckInput,
    CheckOutcome,
    CostItem,
    Coverage,
    ProofContent,
    ProofKind,
    ProofStatus,
    Receipt,
    Recognised,
    approved_plan,
    check_problems,
    coverage_of,
    settlement,
    submission_problems,
)
from grants.core.roles import Role
from grants.core.sampling import select_sample
from grants.core.versions import ensure_version, parse_if_match
from grants.notifications.service import enqueue_message

_p, _s, _d = proofs_table, samples_table, decisions_table


def _not_found(proof_id: uuid.UUID) -> NotFound:
    return NotFound(f"Verwendungsnachweis {proof_id} nicht gefunden (proof of use not found)")


def _costs_json(data: ProofContentIn) -> list[dict[str, str]]:
    return [{"category": c.category, "amount": str(c.amount)} for c in data.costs]


def _receipts_json(data: ProofContentIn) -> list[dict[str, str]]:
    return [
        {
            "number": r.number,
            "paid_on": r.paid_on.isoformat(),
            "payee": r.payee,
            "reason": r.reason,
            "category": r.category,
            "amount": str(r.amount),
        }
        for r in data.receipts
    ]


def _content(row: Any) -> ProofContent:
    """The core's view of a stored proof (amounts back to ``Decimal``)."""
    return ProofContent(
        factual_report=row.factual_report,
        costs=tuple(CostItem(c["category"], Decimal(c["amount"])) for c in row.costs),
        receipts=tuple(
            Receipt(
                number=r["number"],
                paid_on=date.fromisoformat(r["paid_on"]),
                payee=r["payee"],
                reason=r["reason"],
                category=r["category"],
                amount=Decimal(r["amount"]),
            )
            for r in row.receipts
        ),
        third_party_funds=Decimal(row.third_party_funds),
    )


def _known_categories(ctx: UserContext, app: Any) -> frozenset[str]:
    guideline = ctx.guidelines.get(app.guideline_id)
    return (
        frozenset() if guideline is None else frozenset(c.code for c in guideline.cost_categories)
    )


def _period(decision: Any) -> tuple[date, date]:
    period = decision.content["approval_period"]
    return date.fromisoformat(period["start"]), date.fromisoformat(period["end"])


def _due_on(row: Any, decision: Any | None) -> date | None:
    if decision is None:
        return None
    start, end = _period(decision)
    if row.kind == ProofKind.FINAL.value:
        return final_report_due(end)
    return dict(interim_reports_due(start, end)).get(row.fiscal_year)


def _public(
    ctx: UserContext, app: Any, row: Any, decision: Any | None, *, staff: bool
) -> ProofPublic:
    problems: list[FieldProblem] = []
    if row.status == ProofStatus.DRAFT.value:
        problems = submission_problems(
            _content(row),
            known_categories=_known_categories(ctx, app),
            today=berlin_date(ctx.now),
        )
    # The check's notes and the computed proposal are the authority's working papers: the
    # recipient learns the outcome from the Bescheid, never from a proposal shown as fact.
    return ProofPublic(
        id=row.id,
        application_id=row.application_id,
        decision_id=row.decision_id,
        number=row.number,
        kind=row.kind,
        fiscal_year=row.fiscal_year,
        status=row.status,
        version=row.version,
        due_on=_due_on(row, decision),
        factual_report=row.factual_report,
        costs=row.costs,
        receipts=row.receipts,
        third_party_funds=row.third_party_funds,
        problems=[ProblemOut(field=p.field, rule=p.rule, message=p.message) for p in problems],
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        receipt_hash=row.receipt_hash,
        checked_at=row.checked_at,
        check_scope=row.check_scope,
        check_coverage=row.check_coverage,
        recognised=row.recognised,
        recognised_third_party_funds=row.recognised_third_party_funds,
        receipts_checked=row.receipts_checked,
        check_notes=row.check_notes if staff else None,
        return_reason=row.return_reason,
        final_grant=row.final_grant if staff else None,
        final_amount=row.final_amount if staff else None,
        paid_at_check=row.paid_at_check if staff else None,
        overpayment=row.overpayment if staff else None,
    )


async def _decision_in_force(ctx: UserContext, app: Any) -> Any:
    """The granting decision the proof accounts for: released and in force (notified and
    not suspended); 409 otherwise."""
    found = await granting_decision(ctx, app.id)
    if found is None or not found[1].effective:
        raise Conflict(
            "Für dieses Vorhaben gibt es keinen wirksamen Zuwendungsbescheid; ein "
            "Verwendungsnachweis ist nicht möglich (no decision in force: no proof of use).",
            extra={"current_state": app.status},
        )
    return found[0]


def _kind_problems(data: ProofCreateIn, decision: Any) -> list[FieldProblem]:
    start, end = _period(decision)
    interim_years = [year for year, _ in interim_reports_due(start, end)]
    if data.kind is ProofKind.FINAL:
        if data.fiscal_year is not None:
            return [
                FieldProblem(
                    "fiscal_year",
                    "final_has_no_year",
                    "Der Verwendungsnachweis umfasst das ganze Vorhaben; kein Haushaltsjahr "
                    "angeben (the final proof covers the whole project: no fiscal year)",
                )
            ]
        return []
    if data.fiscal_year not in interim_years:
        allowed = ", ".join(map(str, interim_years)) or "keines (none)"
        return [
            FieldProblem(
                "fiscal_year",
                "not_interim_year",
                "Zwischennachweise gibt es für jedes Haushaltsjahr des Bewilligungszeitraums "
                f"vor dem letzten; erlaubt: {allowed} (interim proofs cover each fiscal year "
                "of the approval period before its last)",
            )
        ]
    return []


async def create_proof(
    ctx: UserContext, application_id: uuid.UUID, data: ProofCreateIn
) -> ProofPublic:
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        decision = await _decision_in_force(ctx, app)
        problems = _kind_problems(data, decision)
        if problems:
            raise InvalidInput(
                "Art oder Haushaltsjahr des Nachweises passen nicht zum Bescheid "
                "(kind or fiscal year do not fit the decision).",
                problems=tuple(problems),
            )
        open_one = (
            await ctx.session.execute(
                sa.select(_p.c.id, _p.c.status).where(
                    _p.c.application_id == application_id,
                    _p.c.kind == data.kind.value,
                    _p.c.fiscal_year.is_not_distinct_from(data.fiscal_year),
                    _p.c.status != ProofStatus.RETURNED.value,
                )
            )
        ).first()
        if open_one is not None:
            raise Conflict(
                "Für diesen Zeitraum gibt es schon einen Nachweis; er wird bearbeitet oder "
                "wurde eingereicht (a proof for this period exists already).",
                extra={"existing_id": str(open_one.id), "existing_status": open_one.status},
            )
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
                    kind=data.kind.value,
                    fiscal_year=data.fiscal_year,
                    status=ProofStatus.DRAFT.value,
                    factual_report=data.factual_report,
                    costs=_costs_json(data),
                    receipts=_receipts_json(data),
                    third_party_funds=data.third_party_funds,
                    version=1,
                    created_by=ctx.principal.user_id,
                    created_at=ctx.now,
                    updated_at=ctx.now,
                    check_notes="",
                    return_reason="",
                )
                .returning(_p)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.PROOF_OF_USE_DRAFTED,
            object_type="proof_of_use",
            object_id=created.id,
            after={
                "application_id": str(application_id),
                "number": number,
                "kind": created.kind,
                "fiscal_year": created.fiscal_year,
            },
        )
        return _public(ctx, app, created, decision, staff=False)


async def _load(
    ctx: UserContext, proof_id: uuid.UUID, *, manager: bool, for_update: bool = False
) -> tuple[Any, Any, Role]:
    row, app, role = await load_with_application(
        ctx, _p, proof_id, manager=manager, for_update=for_update, not_found=_not_found(proof_id)
    )
    if role is not Role.APPLICANT and row.status == ProofStatus.DRAFT.value:
        raise _not_found(proof_id)  # a draft is the recipient's alone
    return row, app, role


def _ensure_status(row: Any, expected: ProofStatus) -> None:
    if row.status != expected.value:
        raise Conflict(
            f"Der Nachweis ist im Stand „{row.status}“; dieser Schritt ist nicht möglich "
            f"(the proof of use is {row.status}: this step is not possible).",
            extra={"status": row.status},
        )


async def _load_own_draft(ctx: UserContext, proof_id: uuid.UUID, if_match: str | None) -> Any:
    version = parse_if_match(if_match)
    row, app, role = await _load(ctx, proof_id, manager=False, for_update=True)
    if role is not Role.APPLICANT:
        raise Forbidden("Nur der Zuwendungsempfänger (only the recipient).")
    ensure_version(row.version, version)
    _ensure_status(row, ProofStatus.DRAFT)
    return row, app


async def save_proof(
    ctx: UserContext, proof_id: uuid.UUID, data: ProofContentIn, *, if_match: str | None
) -> ProofPublic:
    async with ctx.session.begin():
        row, app = await _load_own_draft(ctx, proof_id, if_match)
        updated = (
            await ctx.session.execute(
                sa.update(_p)
                .where(_p.c.id == proof_id)
                .values(
                    factual_report=data.factual_report,
                    costs=_costs_json(data),
                    receipts=_receipts_json(data),
                    third_party_funds=data.third_party_funds,
                    version=row.version + 1,
                    updated_at=ctx.now,
                )
                .returning(_p)
            )
        ).one()
        decision = await _decision_row(ctx, row.decision_id)
        return _public(ctx, app, updated, decision, staff=False)


def _receipt_document(row: Any) -> dict[str, Any]:
    """What the receipt hash covers: the proof's identity and everything the recipient
    declared, as stored."""
    return {
        "application_id": str(row.application_id),
        "decision_id": str(row.decision_id),
        "number": row.number,
        "kind": row.kind,
        "fiscal_year": row.fiscal_year,
        "factual_report": row.factual_report,
        "costs": row.costs,
        "receipts": row.receipts,
        "third_party_funds": str(row.third_party_funds),
    }


async def submit_proof(
    ctx: UserContext, proof_id: uuid.UUID, *, if_match: str | None
) -> ProofPublic:
    async with ctx.session.begin():
        row, app = await _load_own_draft(ctx, proof_id, if_match)
        problems = submission_problems(
            _content(row), known_categories=_known_categories(ctx, app), today=berlin_date(ctx.now)
        )
        if problems:
            raise InvalidInput(
                "Der Nachweis ist noch nicht vollständig (the proof of use is not complete).",
                problems=tuple(problems),
            )
        digest = sha256_of(_receipt_document(row))
        updated = (
            await ctx.session.execute(
                sa.update(_p)
                .where(_p.c.id == proof_id)
                .values(
                    status=ProofStatus.SUBMITTED.value,
                    submitted_by=ctx.principal.user_id,
                    submitted_at=ctx.now,
                    receipt_hash=digest,
                    version=row.version + 1,
                    updated_at=ctx.now,
                )
                .returning(_p)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.PROOF_OF_USE_SUBMITTED,
            object_type="proof_of_use",
            object_id=proof_id,
            after={"number": row.number, "kind": row.kind, "receipt_hash": digest},
        )
        recipient, _ = await contact_of(ctx.session, ctx.principal.user_id)
        reference = app.reference_number or "—"
        received = ctx.now.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M:%S Uhr")
        label = _label(row)
        await enqueue_message(
            ctx.session,
            dedupe_key=f"proof_submitted:{proof_id}",
            kind="proof_submitted",
            recipient=recipient,
            subject=f"Eingangsbestätigung {label['de']}: {reference} (proof of use received)",
            body_text=(
                f"Guten Tag,\n\nIhr {label['de']} Nr. {row.number} zum Vorhaben {reference} "
                f"ist am {received} (Europe/Berlin) eingegangen. Prüfsumme (SHA-256) des "
                f"Inhalts: {digest}\n\nDer Eingang ist keine Entscheidung über die Prüfung. "
                "Bitte bewahren Sie die Belege mindestens fünf Jahre nach Vorlage des "
                "Verwendungsnachweises auf (ANBest-P Nr. 6.5).\n\n"
                f"Your {label['en']} no. {row.number} for {reference} was received on "
                f"{received} (Europe/Berlin). Content SHA-256: {digest}\n"
            ),
            now=ctx.now,
            application_id=app.id,
        )
        decision = await _decision_row(ctx, row.decision_id)
        return _public(ctx, app, updated, decision, staff=False)


def _label(row: Any) -> dict[str, str]:
    if row.kind == ProofKind.INTERIM.value:
        return {
            "de": f"Zwischennachweis {row.fiscal_year}",
            "en": f"interim proof of use {row.fiscal_year}",
        }
    return {"de": "Verwendungsnachweis", "en": "proof of use"}


async def _decision_row(ctx: UserContext, decision_id: uuid.UUID) -> Any:
    return (await ctx.session.execute(sa.select(_d).where(_d.c.id == decision_id))).one()


async def _sample_in_force(ctx: UserContext, app: Any) -> Any | None:
    return (
        await ctx.session.execute(
            sa.select(_s)
            .where(_s.c.guideline_id == app.guideline_id, _s.c.call_code == app.call_code)
            .order_by(_s.c.number.desc())
            .limit(1)
        )
    ).first()


def _jsonable(value: Any) -> Any:
    """A core result (``dataclasses.asdict``) as JSON: Decimals as exact strings, enums as
    their values, texts as ``{de, en}``."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, Text):
        return {"de": value.de, "en": value.en}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


async def _final_grant(
    ctx: UserContext, app: Any, row: Any, data: ProofCheckIn, third_party: Decimal
) -> dict[str, Any]:
    """The final grant of an accepted final proof, the payments and commitments it is set
    against, and the decision it proposes."""
    # The decision in force now (an amendment may have replaced the one the proof began
    # under); the one it began under when none is in force any more.
    found = await granting_decision(ctx, app.id)
    decision = found[0] if found is not None else await _decision_row(ctx, row.decision_id)
    final = compute_final_grant(
        approved_plan(decision.content),
        CheckedFigures(
            categories=tuple(ActualCategory(r.category, r.amount) for r in data.recognised),
            third_party_funds=third_party,
        ),
    )
    balances = await ledger.application_balances(ctx.session, app.id)
    paid = sum((b.paid for b in balances.values()), ZERO)
    committed = sum((b.committed for b in balances.values()), ZERO)
    proposal = settlement(final, paid=paid, committed=committed)
    return {
        "decision_id": str(decision.id),
        "computation": _jsonable(asdict(final)),
        "proposal": _jsonable(asdict(proposal)),
        "final_amount": final.final_amount,
        "paid": paid,
        "overpayment": proposal.overpayment,
    }


async def check_proof(
    ctx: UserContext, proof_id: uuid.UUID, data: ProofCheckIn, *, if_match: str | None
) -> ProofPublic:
    version = parse_if_match(if_match)
    async with ctx.session.begin():
        row, app, _ = await _load(ctx, proof_id, manager=True, for_update=True)
        ensure_version(row.version, version)
        _ensure_status(row, ProofStatus.SUBMITTED)
        sample = await _sample_in_force(ctx, app)
        coverage = (
            Coverage.NOT_COVERED
            if sample is None
            else coverage_of(str(app.id), sample.selected, sample.not_selected)
        )
        content = _content(row)
        problems = check_problems(
            content,
            CheckInput(
                outcome=data.outcome,
                scope=data.scope,
                recognised=tuple(Recognised(r.category, r.amount) for r in data.recognised),
                receipts_checked=tuple(data.receipts_checked),
                return_reason=data.return_reason,
            ),
            coverage=coverage,
        )
        if problems:
            raise InvalidInput(
                "Die Prüfung kann so nicht festgehalten werden (the check cannot be recorded "
                "as given).",
                problems=tuple(problems),
            )
        accepted = data.outcome is CheckOutcome.ACCEPTED
        third_party = (
            data.recognised_third_party_funds
            if data.recognised_third_party_funds is not None
            else content.third_party_funds
        )
        values: dict[str, Any] = {
            "status": (ProofStatus.CHECKED if accepted else ProofStatus.RETURNED).value,
            "checked_by": ctx.principal.user_id,
            "checked_at": ctx.now,
            "check_scope": data.scope.value,
            "check_coverage": coverage.value,
            "sample_id": None if sample is None else sample.id,
            "receipts_checked": sa.cast(list(data.receipts_checked), JSONB),
            "check_notes": data.notes.strip(),
            "return_reason": "" if accepted else data.return_reason.strip(),
            "version": row.version + 1,
            "updated_at": ctx.now,
        }
        final: dict[str, Any] | None = None
        if accepted:
            values["recognised"] = [
                {"category": r.category, "amount": str(r.amount)} for r in data.recognised
            ]
            values["recognised_third_party_funds"] = third_party
            if row.kind == ProofKind.FINAL.value:
                final = await _final_grant(ctx, app, row, data, third_party)
                values["final_grant"] = {
                    k: final[k] for k in ("decision_id", "computation", "proposal")
                }
                values["final_amount"] = final["final_amount"]
                values["paid_at_check"] = final["paid"]
                values["overpayment"] = final["overpayment"]
        updated = (
            await ctx.session.execute(
                sa.update(_p).where(_p.c.id == proof_id).values(**values).returning(_p)
            )
        ).one()
        await ctx.audit(
            action=(
                AuditAction.PROOF_OF_USE_CHECKED if accepted else AuditAction.PROOF_OF_USE_RETURNED
            ),
            object_type="proof_of_use",
            object_id=proof_id,
            before={"status": row.status},
            after={
                "status": updated.status,
                "scope": data.scope.value,
                "coverage": coverage.value,
                "sample_id": None if sample is None else str(sample.id),
                "final_amount": None if final is None else str(final["final_amount"]),
                "overpayment": None if final is None else str(final["overpayment"]),
            },
        )
        await _tell_recipient(ctx, app, updated, accepted=accepted)
        decision = await _decision_row(ctx, row.decision_id)
        return _public(ctx, app, updated, decision, staff=True)


async def _tell_recipient(ctx: UserContext, app: Any, row: Any, *, accepted: bool) -> None:
    recipient, _ = await contact_of(ctx.session, row.submitted_by)
    reference = app.reference_number or "—"
    label = _label(row)
    if accepted:
        subject = f"{label['de']} geprüft: {reference} (proof of use checked)"
        text = (
            f"Guten Tag,\n\nIhr {label['de']} Nr. {row.number} zum Vorhaben {reference} ist "
            "geprüft. Über das Ergebnis erhalten Sie, soweit erforderlich, einen gesonderten "
            "Bescheid.\n\n"
            f"Your {label['en']} no. {row.number} for {reference} has been checked. Where a "
            "decision follows from it, you will receive it separately.\n"
        )
    else:
        subject = f"{label['de']}: Ergänzung erforderlich: {reference} (completion required)"
        text = (
            f"Guten Tag,\n\nIhr {label['de']} Nr. {row.number} zum Vorhaben {reference} ist "
            "noch nicht vollständig. Bitte reichen Sie einen ergänzten Nachweis ein:\n\n"
            f"{row.return_reason}\n\n"
            f"Your {label['en']} no. {row.number} for {reference} is incomplete. Please submit "
            "a completed proof (reason above).\n"
        )
    await enqueue_message(
        ctx.session,
        dedupe_key=f"proof_checked:{row.id}",
        kind="proof_checked" if accepted else "proof_returned",
        recipient=recipient,
        subject=subject,
        body_text=text,
        now=ctx.now,
        application_id=app.id,
    )


async def list_proofs(ctx: UserContext, application_id: uuid.UUID) -> list[ProofPublic]:
    async with ctx.session.begin():
        app, role = await load_application(ctx, application_id)
        staff = role is not Role.APPLICANT
        query = sa.select(_p).where(_p.c.application_id == application_id)
        if staff:
            query = query.where(_p.c.status != ProofStatus.DRAFT.value)
        rows = (await ctx.session.execute(query.order_by(_p.c.number))).all()
        decisions = {
            r.id: r
            for r in await ctx.session.execute(
                sa.select(_d).where(_d.c.id.in_({row.decision_id for row in rows}))
            )
        }
        return [_public(ctx, app, r, decisions[r.decision_id], staff=staff) for r in rows]


async def get_proof(ctx: UserContext, proof_id: uuid.UUID) -> ProofPublic:
    async with ctx.session.begin():
        row, app, role = await _load(ctx, proof_id, manager=False)
        decision = await _decision_row(ctx, row.decision_id)
        return _public(ctx, app, row, decision, staff=role is not Role.APPLICANT)


# --- the sample (§ 44 Abs. 2 SäHO) ---


def _sample_public(row: Any) -> SamplePublic:
    return SamplePublic.model_validate(row, from_attributes=True)


async def draw_sample(
    ctx: UserContext, guideline_id: str, call_code: str, data: SampleIn
) -> SamplePublic:
    """Draw the call's sample over every case with a released granting decision."""
    ensure_manager(ctx)
    ensure_call(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        # One draw of a call at a time: the numbers stay gap-free and unique.
        key = f"grants:proof_sample:{guideline_id}/{call_code}"
        await ctx.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
        number = (
            await ctx.session.execute(
                sa.select(sa.func.coalesce(sa.func.max(_s.c.number), 0)).where(
                    _s.c.guideline_id == guideline_id, _s.c.call_code == call_code
                )
            )
        ).scalar_one() + 1
        reason = data.reason.strip()
        if number > 1 and not reason:
            raise InvalidInput(
                "Eine erneute Ziehung braucht eine Begründung (a re-draw needs a reason).",
                problems=(
                    FieldProblem(
                        "reason",
                        "required",
                        f"Für diesen Aufruf gibt es schon {number - 1} Ziehung(en) "
                        "(this call has a sample already)",
                    ),
                ),
            )
        cases = [
            str(case)
            for case in (
                await ctx.session.execute(
                    sa.select(_a.c.id).where(
                        _a.c.guideline_id == guideline_id,
                        _a.c.call_code == call_code,
                        sa.exists().where(
                            _d.c.application_id == _a.c.id,
                            _d.c.status == DecisionStatus.RELEASED.value,
                            _d.c.kind.in_([k.value for k in GRANTING]),
                        ),
                    )
                )
            ).scalars()
        ]
        if not cases:
            raise Conflict(
                "Der Aufruf hat noch keine bewilligten Vorhaben; es gibt nichts zu ziehen "
                "(the call has no awards yet: nothing to draw from)."
            )
        seed = data.seed if data.seed is not None else secrets.token_hex(16)
        drawn = select_sample(cases, seed=seed, share=data.share)
        created = (
            await ctx.session.execute(
                sa.insert(_s)
                .values(
                    id=uuid.uuid4(),
                    guideline_id=guideline_id,
                    call_code=call_code,
                    number=number,
                    drawn_by=ctx.principal.user_id,
                    drawn_at=ctx.now,
                    seed=seed,
                    share=data.share,
                    method_code=drawn.method_code,
                    method={"de": drawn.method.de, "en": drawn.method.en},
                    population=sorted(cases),
                    selected=list(drawn.selected),
                    not_selected=list(drawn.not_selected),
                    reason=reason,
                )
                .returning(_s)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.PROOF_SAMPLE_DRAWN,
            object_type="proof_sample",
            object_id=created.id,
            after={
                "call": f"{guideline_id}/{call_code}",
                "number": number,
                "seed": seed,
                "share": str(data.share),
                "method": drawn.method_code,
                "population": drawn.population,
                "selected": list(drawn.selected),
                "reason": reason,
            },
        )
    return _sample_public(created)


async def list_samples(ctx: UserContext, guideline_id: str, call_code: str) -> list[SamplePublic]:
    ensure_manager(ctx)
    ensure_call(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        rows = await ctx.session.execute(
            sa.select(_s)
            .where(_s.c.guideline_id == guideline_id, _s.c.call_code == call_code)
            .order_by(_s.c.number)
        )
        return [_sample_public(r) for r in rows]
