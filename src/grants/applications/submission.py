"""Submitting an application: one transaction that judges the deadline by the server's
receipt time, checks completeness and the guideline, freezes a snapshot with its hash,
assigns a gap-free reference number, and writes history, audit and the receipt e-mail.

Retries are safe twice over: ``If-Match`` makes a second submit of the same version a 412,
and an ``Idempotency-Key`` makes a retried request return the first answer unchanged."""

import uuid
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

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
from grants.applications.snapshots import SNAPSHOT_SCHEMA, reference_number, sha256_of
from grants.applications.tables import (
    applications_table,
    counters_table,
    idempotency_table,
    submissions_table,
)
from grants.applications.transitions import event_insert
from grants.core.access import Principal
from grants.core.deadlines import in_time
from grants.core.errors import Conflict, DeadlinePassed, FieldProblem, InvalidInput
from grants.core.lifecycle import Event, State, transition
from grants.core.roles import Role
from grants.core.versions import ensure_version, parse_if_match
from grants.db.audit import audit_table, audit_values, lock_audit_head
from grants.db.batch import execute_together
from grants.guidelines.registry import GuidelineRegistry
from grants.guidelines.schemas import verdict_out

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
        error = Conflict(
            "Anhänge werden noch auf Schadsoftware geprüft; bitte gleich erneut einreichen "
            "(attachments are still being scanned; retry shortly)."
        )
        error.extra = {"pending_attachments": [a["id"] for a in pending]}
        raise error


async def submit_application(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    if_match: str | None,
    idempotency_key: str | None,
    registry: GuidelineRegistry,
    now: datetime,
    request_id: str | None,
) -> tuple[Receipt, bool]:
    """The receipt, and whether this request created it (False: replayed by key)."""
    fingerprint = sha256_of({"action": "submit", "application": str(application_id)})
    async with session.begin():
        if idempotency_key is not None:
            stored = await _claim_idempotency_key(
                session, principal, idempotency_key, fingerprint, now
            )
            if stored is not None:
                return Receipt.model_validate(stored.body), False
        expected = parse_if_match(if_match)
        row, _ = await load_application(
            session, principal, application_id, for_update=True, require=Role.APPLICANT
        )
        status = State(row.status)
        event = Event.RESUBMIT if status is State.SUBMITTED else Event.SUBMIT
        transition(status, event, role=Role.APPLICANT)
        ensure_version(row.version, expected)
        guideline = guideline_of(registry, row.guideline_id)
        _, call = line_and_call(guideline, row.call_code, row.funding_line)
        if now < call.published_at or not in_time(now, call.deadline_at):
            error = DeadlinePassed(
                f"Eingang {now.isoformat()} nach Fristende {call.deadline_at.isoformat()} "
                "(received after the deadline); der Antrag kann nicht mehr eingereicht werden."
            )
            error.extra = {
                "deadline_at": call.deadline_at.isoformat(),
                "received_at": now.isoformat(),
            }
            raise error

        draft = draft_from_row(row)
        attachments = await attachments_for_snapshot(session, application_id)
        _refuse_unclean(attachments)
        problems = missing_for_submission(draft, attachment_kinds=clean_kinds(attachments))
        organisation = await organisation_profile(session, row.organisation_id)
        verdict = await judge(
            session, row, draft, registry=registry, received_at=now, organisation=organisation
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
                await session.execute(
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
        snapshot = {
            "schema": SNAPSHOT_SCHEMA,
            "application_id": str(application_id),
            "reference_number": row.reference_number,
            "submission_number": number,
            "received_at": now.isoformat(),
            "guideline": {
                "id": guideline.id,
                "version": guideline.version,
                "content_hash": guideline.content_hash,
            },
            "call": call.code,
            "funding_line": row.funding_line,
            "organisation": organisation.model_dump(
                mode="json", exclude={"version", "created_at", "updated_at"}
            ),
            "submitted_by": {
                "id": str(principal.user_id),
                "email": principal.email,
                "name": principal.display_name,
            },
            "content": content,
            "attachments": attachments,
            "verdict": msgspec.to_builtins(verdict_out(verdict)),
        }

        # The history row does not need the number: written before the serialised part.
        await session.execute(
            event_insert(
                application_id=application_id,
                event=event,
                from_state=status,
                to_state=State.SUBMITTED,
                principal=principal,
                reason=None,
                now=now,
            )
        )

        # From here to the commit, submissions of this call and line are serialised (the
        # counter's row lock keeps the numbers gap-free), and from the audit head on, every
        # audited action is (the hash chain). So everything above was prepared without
        # locks, and what follows is three round trips: the number, the audit head, and one
        # statement writing all rows.
        if row.reference_number is None:
            serial = await _next_number(session, guideline.id, call.code, row.funding_line)
            snapshot["reference_number"] = reference_number(
                guideline, call, row.funding_line, serial
            )
        reference = str(snapshot["reference_number"])
        digest = sha256_of(snapshot)
        receipt = Receipt(
            application_id=application_id,
            reference_number=reference,
            submission_number=number,
            received_at=now,
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
                received_at=now,
                submitted_by=principal.user_id,
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
                submitted_at=now,
                first_submitted_at=row.first_submitted_at or now,
                updated_at=now,
            )
            .returning(_apps.c.id),
            receipt_message(
                receipt, title=draft.title, call=call.code, recipient=principal.email, now=now
            ),
        ]
        if idempotency_key is not None:
            writes.append(
                sa.update(_keys)
                .where(_keys.c.user_id == principal.user_id, _keys.c.key == idempotency_key)
                .values(status_code=201, body=receipt.model_dump(mode="json"))
                .returning(_keys.c.key)
            )
        head = await lock_audit_head(session)
        audit_row = audit_values(
            head,
            actor=principal.as_actor(request_id),
            action="application.resubmitted"
            if event is Event.RESUBMIT
            else "application.submitted",
            object_type="application",
            object_id=application_id,
            now=now,
            before={"status": status.value, "version": row.version},
            after={
                "status": State.SUBMITTED.value,
                "reference_number": reference,
                "submission_number": number,
                "snapshot_sha256": digest,
            },
        )
        writes.append(sa.insert(audit_table).values(**audit_row).returning(audit_table.c.seq))
        await execute_together(session, writes)
    return receipt, True
