"""Submitting an application: one transaction that judges the deadline by the server's
receipt time, checks completeness and the guideline, freezes a snapshot with its hash,
assigns a gap-free reference number, and writes history, audit and the receipt e-mail.

Every application is accepted (§ 24 Abs. 3 VwVfG): only what is missing from the form holds
a submission back. A rule that fails is acknowledged by the applicant in the request
(``acknowledged_rules``) and decided on by a person at the formal check; the
acknowledgement is frozen in the snapshot and recorded on the submission row. An attachment
still being scanned does not make the applicant late: it is received (the receipt time
counts), stays quarantined, and the formal check sees the scan result. A file found infected
is no document and blocks.

The receipt (Eingangsbestätigung) is built from the stored snapshot (``core.snapshot``), so
the answer to the submission, the receipt e-mail and ``GET …/receipt`` say the same.

Retries are safe twice over: ``If-Match`` makes a second submit of the same version a 412,
and an ``Idempotency-Key`` makes a retried request return the first answer unchanged (the
key's fingerprint covers the body, so the same key with other acknowledgements is refused)."""

import uuid
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationPublic
from grants.accounts.service import organisation_profile
from grants.applications.access import load_application
from grants.applications.attachments.service import attachments_for_snapshot
from grants.applications.checking import (
    ACKNOWLEDGEMENT_FIELD,
    acknowledgement_out,
    acknowledgement_problems,
    judge,
    received_kinds,
)
from grants.applications.content import (
    draft_from_row,
    guideline_of,
    line_and_call,
    missing_for_submission,
)
from grants.applications.notify import receipt_message
from grants.applications.queries import attachment_states
from grants.applications.schemas import (
    AcknowledgedRuleOut,
    Receipt,
    ReceiptApplicant,
    ReceiptAuthority,
    ReceiptCall,
    ReceiptDocument,
    ReceiptFundingLine,
    ReceiptText,
    SubmissionRequest,
    SubmittedAttachment,
)
from grants.applications.tables import (
    applications_table,
    counters_table,
    idempotency_table,
    submissions_table,
)
from grants.applications.transitions import event_insert
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.attachments import ScanStatus
from grants.core.audit_actions import TRANSITION_ACTIONS
from grants.core.canonical import sha256_of
from grants.core.errors import Conflict, DeadlinePassed, FieldProblem, InvalidInput, NotFound
from grants.core.guideline import Call, Guideline, Text
from grants.core.lifecycle import Event, State, transition
from grants.core.roles import Role
from grants.core.snapshot import (
    RECEIPT_NUMBER_LABEL,
    Acknowledgement,
    GuidelineRef,
    OrganisationRecord,
    ReceiptContent,
    Submitter,
    build_snapshot,
    receipt_of,
    reference_number,
    to_acknowledge,
    to_review,
    with_reference_number,
)
from grants.core.verdict import RuleResult, Verdict
from grants.core.versions import ensure_version, parse_if_match
from grants.db.audit import audit_table
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


def _refuse_infected(attachments: list[dict[str, Any]]) -> None:
    """A file found infected is not a document at all: it blocks until removed. (The
    scanner removes such files from the working copy itself; this guards the rest.)"""
    infected = [
        (index, a) for index, a in enumerate(attachments) if a["scan_status"] == ScanStatus.INFECTED
    ]
    if infected:
        raise InvalidInput(
            "Ein Anhang enthält Schadsoftware (an attachment contains malware).",
            problems=tuple(
                FieldProblem(
                    f"attachments.{index}",
                    "malware_found",
                    f"„{a['filename']}“ ({a['id']}) enthält Schadsoftware; bitte entfernen und "
                    "sauber neu hochladen (contains malware: remove it, upload a clean file)",
                )
                for index, a in infected
            ),
            extra={"infected_attachments": [a["id"] for _, a in infected]},
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


def _ensure_open(call: Call, now: datetime) -> None:
    if not call.is_open(now):
        raise DeadlinePassed(
            f"Eingang {now.isoformat()} nach Fristende {call.deadline_at.isoformat()} "
            "(received after the deadline); der Antrag kann nicht mehr eingereicht werden.",
            extra={"deadline_at": call.deadline_at.isoformat(), "received_at": now.isoformat()},
        )


def _refuse_unknown_rule_ids(guideline: Guideline, request: SubmissionRequest) -> None:
    known = {rule.id for rule in guideline.rules}
    unknown = tuple(
        FieldProblem(
            f"{ACKNOWLEDGEMENT_FIELD}.{index}",
            "unknown_code",
            f"„{rule_id}“ ist keine Regel dieser Förderrichtlinie (not a rule of this guideline)",
        )
        for index, rule_id in enumerate(request.acknowledged_rules)
        if rule_id not in known
    )
    if unknown:
        raise InvalidInput(
            "Unbekannte Regel in der Bestätigung (unknown rule acknowledged).", problems=unknown
        )


def _refuse_unless_complete(
    missing: list[FieldProblem], unacknowledged: tuple[RuleResult, ...], *, verdict: Verdict | None
) -> Verdict:
    """The verdict, if the submission may go ahead. Missing form content holds it back,
    each gap named; so does a failing rule until the applicant acknowledges it (rules a
    person will review are listed beside, for information). Everything is listed at once:
    one answer says all there is to do."""
    if not missing and not unacknowledged and verdict is not None:
        return verdict
    extra: dict[str, object] = {}
    if unacknowledged:
        extra = {
            "acknowledgement_field": ACKNOWLEDGEMENT_FIELD,
            "rules_to_acknowledge": [
                msgspec.to_builtins(acknowledgement_out(r)) for r in unacknowledged
            ],
            "rules_to_review": [
                msgspec.to_builtins(acknowledgement_out(r))
                for r in ([] if verdict is None else to_review(verdict))
            ],
        }
    detail = (
        "Der Antrag kann so nicht eingereicht werden (cannot be submitted); siehe errors."
        if missing or verdict is None
        else "Die Vorabprüfung meldet Regeln, die nicht erfüllt sind. Sie können trotzdem "
        f"einreichen: bestätigen Sie dazu jede in „{ACKNOWLEDGEMENT_FIELD}“; darüber "
        "entscheidet die Bewilligungsstelle bei der formalen Prüfung (rules fail: list each "
        f"in {ACKNOWLEDGEMENT_FIELD} to submit anyway; the authority decides at the formal "
        "check)."
    )
    raise InvalidInput(
        detail, problems=(*missing, *acknowledgement_problems(unacknowledged)), extra=extra
    )


def _unacknowledged(
    findings: tuple[RuleResult, ...], request: SubmissionRequest
) -> tuple[RuleResult, ...]:
    confirmed = set(request.acknowledged_rules)
    return tuple(r for r in findings if r.rule_id not in confirmed)


def _same_documents(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    """Whether two attachment lists name the same files: a scan finishing in between is no
    change the applicant made."""

    def identity(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(a["id"], a["kind"], a["filename"], a["sha256"]) for a in items]

    return identity(before) == identity(after)


async def _refuse_unchanged(ctx: UserContext, row: Any, attachments: list[dict[str, Any]]) -> None:
    previous = (
        await ctx.session.execute(
            sa.select(_submissions.c.snapshot).where(
                _submissions.c.application_id == row.id,
                _submissions.c.number == row.submission_count,
            )
        )
    ).scalar_one()
    if previous["content"] == row.draft and _same_documents(previous["attachments"], attachments):
        raise Conflict(
            "Keine Änderung gegenüber der eingereichten Fassung (nothing changed since the "
            "last submission)."
        )


def _text(text: Text) -> ReceiptText:
    return ReceiptText(de=text.de, en=text.en)


def receipt_out(content: ReceiptContent) -> Receipt:
    """The receipt as the API gives it; the e-mail renders the same ``ReceiptContent``."""
    authority = content.authority
    return Receipt(
        application_id=uuid.UUID(content.application_id),
        reference_number=content.reference_number,
        reference_label=_text(RECEIPT_NUMBER_LABEL),
        submission_number=content.submission_number,
        replaces_submission=content.replaces,
        received_at=content.received_at,
        received_at_local=_text(content.received_at_local),
        snapshot_sha256=content.snapshot_sha256,
        guideline_hash=content.guideline_hash,
        status=State.SUBMITTED.value,
        authority=None
        if authority is None
        else ReceiptAuthority(
            name=authority.name,
            unit=authority.unit,
            street=authority.street,
            postal_code=authority.postal_code,
            city=authority.city,
            phone=authority.phone,
            email=authority.email,
            website=authority.website,
            on_behalf_of=authority.on_behalf_of,
        ),
        applicant=ReceiptApplicant(
            legal_name=content.applicant.legal_name,
            legal_form=content.applicant.legal_form,
            customer_number=content.applicant.customer_number,
        ),
        title=content.title,
        call=ReceiptCall(code=content.call, title=_text(content.call_title)),
        funding_line=ReceiptFundingLine(
            code=content.funding_line, label=_text(content.funding_line_label)
        ),
        attachments=[
            ReceiptDocument(
                id=d.id,
                kind=d.kind,
                filename=d.filename,
                sha256=d.sha256,
                size_bytes=d.size_bytes,
                scan_status=d.scan_status,
                scan_label=_text(d.scan_label),
            )
            for d in content.documents
        ],
        acknowledged_rules=[
            AcknowledgedRuleOut(
                rule=r.rule,
                outcome=r.outcome,
                outcome_label=_text(r.outcome_label),
                citation=_text(r.citation),
                title=_text(r.title),
                message=_text(r.message),
            )
            for r in content.acknowledged
        ],
        notes=[_text(note) for note in content.notes],
    )


async def _replayed(session: AsyncSession, body: Any) -> Receipt:
    """The answer stored for an idempotency key. One stored in an older shape of the receipt
    is rebuilt from its snapshot: the receipt is a function of the snapshot."""
    try:
        return Receipt.model_validate(body)
    except ValidationError:
        row = (
            await session.execute(
                sa.select(_submissions.c.snapshot, _submissions.c.snapshot_sha256).where(
                    _submissions.c.application_id == uuid.UUID(str(body["application_id"])),
                    _submissions.c.number == int(body["submission_number"]),
                )
            )
        ).one()
        return receipt_out(receipt_of(row.snapshot, row.snapshot_sha256))


async def submit_application(
    ctx: UserContext,
    application_id: uuid.UUID,
    *,
    if_match: str | None,
    idempotency_key: str | None,
    request: SubmissionRequest | None = None,
) -> tuple[Receipt, bool]:
    """The receipt, and whether this request created it (False: replayed by key)."""
    request = request or SubmissionRequest()
    fingerprint = sha256_of(
        {
            "action": "submit",
            "application": str(application_id),
            "body": request.model_dump(mode="json"),
        }
    )
    async with ctx.session.begin():
        if idempotency_key is not None:
            stored = await _claim_idempotency_key(
                ctx.session, ctx.principal, idempotency_key, fingerprint, ctx.now
            )
            if stored is not None:
                return await _replayed(ctx.session, stored.body), False
        expected = parse_if_match(if_match)
        row, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        status = State(row.status)
        event = Event.RESUBMIT if status is State.SUBMITTED else Event.SUBMIT
        transition(status, event, role=Role.APPLICANT)
        ensure_version(row.version, expected)
        guideline = guideline_of(ctx.guidelines, row.guideline_id)
        line, call = line_and_call(guideline, row.call_code, row.funding_line)
        _ensure_open(call, ctx.now)
        _refuse_unknown_rule_ids(guideline, request)

        draft = draft_from_row(row)
        attachments = await attachments_for_snapshot(ctx.session, application_id)
        _refuse_infected(attachments)
        # Received counts, scanned or not: a pending scan is the authority's delay.
        organisation = await organisation_profile(ctx.session, row.organisation_id)
        problems = missing_for_submission(
            draft,
            attachment_kinds=received_kinds(attachments),
            applicant_type=guideline.applicant_type(organisation.applicant_type.value),
        )
        verdict = await judge(
            ctx.session,
            row,
            draft,
            registry=ctx.guidelines,
            received_at=ctx.now,
            organisation=organisation,
        )
        findings = () if verdict is None else to_acknowledge(verdict)
        verdict = _refuse_unless_complete(
            problems, _unacknowledged(findings, request), verdict=verdict
        )
        acknowledgement = (
            Acknowledgement(ctx.principal.user_id, ctx.now, findings) if findings else None
        )

        content = row.draft
        if event is Event.RESUBMIT:
            await _refuse_unchanged(ctx, row, attachments)

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
            call_title=call.title,
            funding_line_label=line.label,
            authority=guideline.authority,
            declarations=guideline.declarations,
            acknowledgement=acknowledgement,
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

        # From here to the commit, first submissions of this call and line are serialised
        # (the counter's row lock keeps the numbers gap-free; the audit entry takes no lock).
        # So everything above was prepared without locks, and what follows is two round
        # trips: the number, and one statement writing all rows.
        if row.reference_number is None:
            serial = await _next_number(ctx.session, guideline.id, call.code, row.funding_line)
            snapshot = with_reference_number(
                snapshot, reference_number(guideline, call, row.funding_line, serial)
            )
        reference = str(snapshot["reference_number"])
        digest = sha256_of(snapshot)
        content_of_receipt = receipt_of(snapshot, digest)
        receipt = receipt_out(content_of_receipt)
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
                acknowledgement=None
                if acknowledgement is None
                else {
                    "rules": acknowledgement.rule_ids,
                    "confirmed_by": str(acknowledgement.confirmed_by),
                    "confirmed_at": acknowledgement.confirmed_at.isoformat(),
                },
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
            receipt_message(content_of_receipt, recipient=ctx.principal.email, now=ctx.now),
        ]
        if idempotency_key is not None:
            writes.append(
                sa.update(_keys)
                .where(_keys.c.user_id == ctx.principal.user_id, _keys.c.key == idempotency_key)
                .values(status_code=201, body=receipt.model_dump(mode="json"))
                .returning(_keys.c.key)
            )
        audit_row = ctx.audit_row(
            TRANSITION_ACTIONS[event],
            object_type="application",
            object_id=application_id,
            before={"status": status.value, "version": row.version},
            after={
                "status": State.SUBMITTED.value,
                "reference_number": reference,
                "submission_number": number,
                "snapshot_sha256": digest,
                "acknowledged_rules": [] if acknowledgement is None else acknowledgement.rule_ids,
            },
        )
        writes.append(sa.insert(audit_table).values(**audit_row).returning(audit_table.c.seq))
        await execute_together(ctx.session, writes)
    return receipt, True


async def _stored_submission(ctx: UserContext, application_id: uuid.UUID, number: int) -> Any:
    """A submitted version, behind the same access check as every read of it."""
    await load_application(ctx, application_id)
    row = (
        await ctx.session.execute(
            sa.select(_submissions.c.snapshot, _submissions.c.snapshot_sha256).where(
                _submissions.c.application_id == application_id,
                _submissions.c.number == number,
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"Fassung {number} gibt es nicht (no submission {number}).")
    return row


async def get_receipt(ctx: UserContext, application_id: uuid.UUID, number: int) -> Receipt:
    """The receipt of a submitted version, again: read from its stored snapshot, so it says
    what it said at submission."""
    async with ctx.session.begin():
        row = await _stored_submission(ctx, application_id, number)
    return receipt_out(receipt_of(row.snapshot, row.snapshot_sha256))


async def submitted_attachments(
    ctx: UserContext, application_id: uuid.UUID, number: int
) -> list[SubmittedAttachment]:
    """The documents of a submitted version with their scan status at receipt and now: what
    the formal check needs to see that a file received while being scanned is clean, or
    was found infected (and is never served)."""
    async with ctx.session.begin():
        row = await _stored_submission(ctx, application_id, number)
        documents: list[dict[str, Any]] = list(row.snapshot.get("attachments") or [])
        states = await attachment_states(
            ctx.session, application_id, (str(d["id"]) for d in documents)
        )
    listed = []
    for document in documents:
        state = states.get(str(document["id"]))
        listed.append(
            SubmittedAttachment(
                id=str(document["id"]),
                kind=str(document["kind"]),
                filename=str(document["filename"]),
                sha256=str(document["sha256"]),
                size_bytes=int(document["size_bytes"]),
                scan_status_at_receipt=str(document["scan_status"]),
                # An attachment row is never deleted; a missing one would be lost data.
                scan_status=ScanStatus.FAILED.value if state is None else state.scan_status.value,
                scanned_at=None if state is None else state.scanned_at,
                removed=state is None or state.removed,
                downloadable=state is not None and state.servable,
            )
        )
    return listed
