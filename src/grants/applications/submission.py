"""Submitting an application: one transaction that judges the deadline by the server's
receipt time, checks completeness and the guideline, freezes a snapshot with its hash,
assigns a gap-free reference number, and writes history, audit and the receipt e-mail.

Retries are safe twice over: ``If-Match`` makes a second submit of the same version a 412,
and an ``Idempotency-Key`` makes a retried request return the first answer unchanged."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationPublic
from grants.accounts.service import organisation_profile
from grants.applications.access import load_application
from grants.applications.attachments.service import attachments_for_snapshot
from grants.applications.checking import judge, verdict_problems
from grants.applications.content import (
    clean_kinds,
    draft_from_row,
    guideline_of,
    line_and_call,
    missing_for_submission,
)
from grants.applications.notify import receipt_message
from grants.applications.schemas import Receipt
from grants.applications.tables import (
    applications_table,
    counters_table,
    idempotency_table,
    submissions_table,
)
from grants.applications.transitions import event_insert
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.audit_actions import TRANSITION_ACTIONS
from grants.core.canonical import sha256_of
from grants.core.errors import Conflict, DeadlinePassed, FieldProblem, InvalidInput
from grants.core.lifecycle import Event, State, transition
from grants.core.roles import Role
from grants.core.snapshot import (
    GuidelineRef,
    OrganisationRecord,
    Submitter,
    build_snapshot,
    reference_number,
    with_reference_number,
)
from grants.core.versions import ensure_version, parse_if_match
from grants.db.audit import audit_table, lock_audit_head
from grants.db.batch import execute_together

_apps = applications_table
_counters = counters_table
_keys = idempotency_table
_submissions = submissions_table


async def _next_number(session: AsyncSession, guideline_id: str, call: str, line: str) -> int:
    """Increment the counter row in this transaction: its row lock serialises concurrent
    submissions of the same call and line, and a rollback gives the number back."""
    statement = (
        insert(_counters)
        .values(guideline_id=guideline_id, call_code=call, funding_line=line, last_value=1)
        .on_conflict_do_update(
            index_elements=[
                _counters.c.guideline_id,
                _counters.c.call_code,
                _counters.c.funding_line,
            ],
            set_={"last_value": _counters.c.last_value + 1},
        )
        .returning(_counters.c.last_value)
    )
    return int((await session.execute(statement)).scalar_one())


async def _claim_idempotency_key(
    session: AsyncSession, principal: Principal, key: str, fingerprint: str, now: datetime
) -> Any | None:
    """Reserve ``key`` for this request, or return the answer stored for it. A concurrent
    request with the same key waits on the primary key until this one commits or rolls
    back, so exactly one of them does the work."""
    claimed = (
        await session.execute(
            insert(_keys)
            .values(
                user_id=principal.user_id,
                key=key,
                fingerprint=fingerprint,
                status_code=0,
                body={},
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(_keys.c.key)
        )
    ).first()
    if claimed is not None:
        return None
    stored = (
        await session.execute(
            sa.select(_keys).where(_keys.c.user_id == principal.user_id, _keys.c.key == key)
        )
    ).one()
    if stored.fingerprint != fingerprint:
        raise InvalidInput(
            "Dieser Idempotency-Key wurde schon für eine andere Anfrage verwendet "
            "(key already used for a different request).",
            problems=(FieldProblem("Idempotency-Key", "reused", "neuen Schlüssel verwenden"),),
        )
    return stored


def _refuse_unclean(attachments: list[dict[str, Any]]) -> None:
    pending = [a for a in attachments if a["scan_status"] != "clean"]
    if pending:
        raise Conflict(
            "Anhänge werden noch auf Schadsoftware geprüft; bitte gleich erneut einreichen "
            "(attachments are still being scanned; retry shortly).",
            extra={"pending_attachments": [a["id"] for a in pending]},
        )


def _organisation_record(organisation: OrganisationPublic) -> OrganisationRecord:
    """The master data the snapshot keeps, field by field: a new field on the profile
    schema does not enter the legal record unless added here (and to the core record)."""
    return OrganisationRecord(
        id=organisation.id,
        customer_number=organisation.customer_number,
        legal_name=organisation.legal_name,
        legal_form=organisation.legal_form,
        applicant_type=organisation.applicant_type.value,
        street=organisation.street,
        postal_code=organisation.postal_code,
        city=organisation.city,
        municipality_key=organisation.municipality_key,
    )


async def submit_application(
    ctx: UserContext,
    application_id: uuid.UUID,
    *,
    if_match: str | None,
    idempotency_key: str | None,
) -> tuple[Receipt, bool]:
    """The receipt, and whether this request created it (False: replayed by key)."""
    fingerprint = sha256_of({"action": "submit", "application": str(application_id)})
    async with ctx.session.begin():
        if idempotency_key is not None:
            stored = await _claim_idempotency_key(
                ctx.session, ctx.principal, idempotency_key, fingerprint, ctx.now
            )
            if stored is not None:
                return Receipt.model_validate(stored.body), False
        expected = parse_if_match(if_match)
        row, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        status = State(row.status)
        event = Event.RESUBMIT if status is State.SUBMITTED else Event.SUBMIT
        transition(status, event, role=Role.APPLICANT)
        ensure_version(row.version, expected)
        guideline = guideline_of(ctx.guidelines, row.guideline_id)
        _, call = line_and_call(guideline, row.call_code, row.funding_line)
        if not call.is_open(ctx.now):
            raise DeadlinePassed(
                f"Eingang {ctx.now.isoformat()} nach Fristende {call.deadline_at.isoformat()} "
                "(received after the deadline); der Antrag kann nicht mehr eingereicht werden.",
                extra={
                    "deadline_at": call.deadline_at.isoformat(),
                    "received_at": ctx.now.isoformat(),
                },
            )

        draft = draft_from_row(row)
        attachments = await attachments_for_snapshot(ctx.session, application_id)
        _refuse_unclean(attachments)
        problems = missing_for_submission(draft, attachment_kinds=clean_kinds(attachments))
        organisation = await organisation_profile(ctx.session, row.organisation_id)
        verdict = await judge(
            ctx.session,
            row,
            draft,
            registry=ctx.guidelines,
            received_at=ctx.now,
            organisation=organisation,
        )
        if verdict is not None:
            problems.extend(verdict_problems(verdict))
        if problems or verdict is None:
            raise InvalidInput(
                "Der Antrag kann so nicht eingereicht werden (cannot be submitted); siehe errors.",
                problems=tuple(problems),
            )

        content = row.draft
        if event is Event.RESUBMIT:
            previous = (
                await ctx.session.execute(
                    sa.select(_submissions.c.snapshot).where(
                        _submissions.c.application_id == application_id,
                        _submissions.c.number == row.submission_count,
                    )
                )
            ).scalar_one()
            if previous["content"] == content and previous["attachments"] == attachments:
                raise Conflict(
                    "Keine Änderung gegenüber der eingereichten Fassung (nothing changed since "
                    "the last submission)."
                )

        number = row.submission_count + 1
        snapshot = build_snapshot(
            application_id=application_id,
            reference_number=row.reference_number,
            submission_number=number,
            received_at=ctx.now,
            guideline=GuidelineRef(guideline.id, guideline.version, guideline.content_hash),
            call=call.code,
            funding_line=row.funding_line,
            organisation=_organisation_record(organisation),
            submitted_by=Submitter(
                ctx.principal.user_id, ctx.principal.email, ctx.principal.display_name
            ),
            content=content,
            attachments=attachments,
            verdict=verdict,
        )

        # The history row does not need the number: written before the serialised part.
        await ctx.session.execute(
            event_insert(
                application_id=application_id,
                event=event,
                from_state=status,
                to_state=State.SUBMITTED,
                principal=ctx.principal,
                reason=None,
                now=ctx.now,
            )
        )

        # From here to the commit, submissions of this call and line are serialised (the
        # counter's row lock keeps the numbers gap-free), and from the audit head on, every
        # audited action is (the hash chain). So everything above was prepared without
        # locks, and what follows is three round trips: the number, the audit head, and one
        # statement writing all rows.
        if row.reference_number is None:
            serial = await _next_number(ctx.session, guideline.id, call.code, row.funding_line)
            snapshot = with_reference_number(
                snapshot, reference_number(guideline, call, row.funding_line, serial)
            )
        reference = str(snapshot["reference_number"])
        digest = sha256_of(snapshot)
        receipt = Receipt(
            application_id=application_id,
            reference_number=reference,
            submission_number=number,
            received_at=ctx.now,
            snapshot_sha256=digest,
            guideline_hash=guideline.content_hash,
            attachments=[
                {"id": a["id"], "filename": a["filename"], "sha256": a["sha256"]}
                for a in attachments
            ],
            status=State.SUBMITTED.value,
        )
        writes: list[Any] = [
            sa.insert(_submissions)
            .values(
                id=uuid.uuid4(),
                application_id=application_id,
                number=number,
                reference_number=reference,
                received_at=ctx.now,
                submitted_by=ctx.principal.user_id,
                snapshot=snapshot,
                snapshot_sha256=digest,
                guideline_hash=guideline.content_hash,
            )
            .returning(_submissions.c.id),
            sa.update(_apps)
            .where(_apps.c.id == application_id)
            .values(
                status=State.SUBMITTED,
                reference_number=reference,
                submission_count=number,
                version=row.version + 1,
                submitted_at=ctx.now,
                first_submitted_at=row.first_submitted_at or ctx.now,
                updated_at=ctx.now,
            )
            .returning(_apps.c.id),
            receipt_message(
                receipt,
                title=draft.title,
                call=call.code,
                recipient=ctx.principal.email,
                now=ctx.now,
            ),
        ]
        if idempotency_key is not None:
            writes.append(
                sa.update(_keys)
                .where(_keys.c.user_id == ctx.principal.user_id, _keys.c.key == idempotency_key)
                .values(status_code=201, body=receipt.model_dump(mode="json"))
                .returning(_keys.c.key)
            )
        head = await lock_audit_head(ctx.session)
        audit_row = ctx.audit_row(
            head,
            TRANSITION_ACTIONS[event],
            object_type="application",
            object_id=application_id,
            before={"status": status.value, "version": row.version},
            after={
                "status": State.SUBMITTED.value,
                "reference_number": reference,
                "submission_number": number,
                "snapshot_sha256": digest,
            },
        )
        writes.append(sa.insert(audit_table).values(**audit_row).returning(audit_table.c.seq))
        await execute_together(ctx.session, writes)
    return receipt, True
