"""The formal application (Antrag, stage two), one transaction per use case.

- ``get_formal``: the working copy with every problem the checks find (``core.
  formal_application``), the due date, the declarations to confirm again, the received
  versions. The organisation's members always; managers once something was received.
- ``save_formal``: the applicant saves the working copy as it is (If-Match once it exists);
  the first save of an invited application takes the step "start the formal application".
  Editable while drafting and while the authority asks for more (a new version follows).
- ``submit_formal``: complete and consistent (422 naming every problem), every declaration
  confirmed again, not after the due date (which the authority may extend): a received
  version with its frozen snapshot and hash, its own Eingangsnummer (the sketch's with
  ``-A``), the receipt e-mail, the history row and the audit entry, in one transaction.
- ``extend_due``: a programme manager sets a later due date, with a reason.

The due date: the invitation's day plus the programme's weeks (default 8), to the end of
that day in Europe/Berlin.
"""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.access import load_application
from grants.applications.history import invited_at, latest_submission
from grants.applications.transitions import apply_transition
from grants.awards.formal.schemas import (
    DeclarationOut,
    DueDateIn,
    FormalApplicationIn,
    FormalApplicationPublic,
    FormalReceipt,
    FormalSubmissionIn,
    FormalSubmissionSummary,
    ProblemOut,
)
from grants.awards.formal.tables import formal_submissions_table, formal_table
from grants.awards.tables import programme_settings_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.canonical import canonical_json, sha256_of
from grants.core.deadlines import BERLIN, berlin_date, format_date_de, in_time
from grants.core.errors import Conflict, DeadlinePassed, FieldProblem, InvalidInput, NotFound
from grants.core.formal_application import (
    BesserstellungStatus,
    FormalApplication,
    besserstellung_check,
    canonical_dict,
    check_formal_application,
    from_dict,
)
from grants.core.guideline import Guideline
from grants.core.lifecycle import Event, State, transition
from grants.core.money import ZERO
from grants.core.roles import Role
from grants.core.snapshot import berlin_time, declaration_record
from grants.core.versions import ensure_version, parse_if_match
from grants.notifications.service import enqueue_message

_f, _fs, _ps = formal_table, formal_submissions_table, programme_settings_table
DEFAULT_WEEKS = 8
_EDITABLE = frozenset(
    {State.INVITED, State.APPLICATION_DRAFT, State.APPLICATION_INFORMATION_REQUESTED}
)
_SUBMITTABLE = frozenset({State.APPLICATION_DRAFT, State.APPLICATION_INFORMATION_REQUESTED})
_MAX_CONTENT_BYTES = 500_000


def _not_found(application_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"Zum Antrag {application_id} gibt es keinen förmlichen Antrag (no formal application)."
    )


async def _due_at(ctx: UserContext, app: Any) -> datetime:
    """The end of the due day: the invitation's day (Europe/Berlin) plus the weeks."""
    weeks = (
        await ctx.session.execute(
            sa.select(_ps.c.formal_application_weeks).where(_ps.c.guideline_id == app.guideline_id)
        )
    ).scalar_one_or_none() or DEFAULT_WEEKS
    invited = await invited_at(ctx.session, app.id)
    if invited is None:
        raise Conflict(
            "Der Antrag wurde nicht zur Antragstellung aufgefordert (the application was not "
            "invited to the formal application).",
            extra={"current_state": app.status},
        )
    last_day = berlin_date(invited) + timedelta(weeks=weeks)
    return datetime.combine(last_day, time(23, 59, 59), BERLIN)


async def formal_due(ctx: UserContext, app: Any) -> tuple[datetime, str]:
    """The formal application's due date and, where it was extended, why — for a caller that
    has checked access to ``app`` (the invitation letter). Conflict when never invited."""
    row = await _row(ctx, app.id)
    if row is None:
        return await _due_at(ctx, app), ""
    return row.due_at, str(row.due_reason)


async def _row(ctx: UserContext, application_id: uuid.UUID, *, for_update: bool = False) -> Any:
    query = sa.select(_f).where(_f.c.application_id == application_id)
    if for_update:
        query = query.with_for_update()
    return (await ctx.session.execute(query)).first()


def _guideline(ctx: UserContext, app: Any) -> Guideline:
    guideline = ctx.guidelines.get(app.guideline_id)
    if guideline is None:
        raise Conflict("Die Förderrichtlinie ist hier nicht bekannt (unknown guideline).")
    return guideline


def _with_server_facts(
    content: dict[str, Any], sketch: dict[str, Any], digest: str
) -> dict[str, Any]:
    """The sketch reference and the applicant type come from the record, not the client."""
    organisation = dict(content.get("organisation") or {})
    organisation["applicant_type"] = sketch["organisation"]["applicant_type"]
    return {
        **content,
        "schema": 1,
        "sketch": {
            "reference_number": sketch["reference_number"],
            "snapshot_sha256": digest,
            "funding_line": sketch["funding_line"],
        },
        "organisation": organisation,
    }


async def _sketch(ctx: UserContext, app: Any) -> tuple[dict[str, Any], str]:
    _, snapshot, digest = await latest_submission(ctx.session, app.id)
    return snapshot, digest


def _judged(
    content: dict[str, Any], sketch: dict[str, Any], guideline: Guideline
) -> tuple[FormalApplication | None, list[FieldProblem], dict[str, str]]:
    """The parsed application (None when malformed), every problem, the pay-cap note."""
    try:
        parsed = from_dict(content)
    except InvalidInput as error:
        return None, list(error.problems), {"status": "not_checked", "de": "", "en": ""}
    funding = sketch["verdict"]["funding"]
    totals: dict[str, Decimal] = {}
    for category in funding["categories"]:
        code = category["category"]
        totals[code] = totals.get(code, ZERO) + Decimal(category["eligible_costs"])
    body = sketch["content"]
    start, end = body.get("planned_start"), body.get("planned_end")
    years = (
        (date.fromisoformat(start).year, date.fromisoformat(end).year)
        if start and end
        else (date.min.year, date.max.year)
    )
    rural = bool(sketch["verdict"].get("facts", {}).get("rural"))
    problems = check_formal_application(
        parsed, guideline=guideline, sketch_totals=totals, approval_period_years=years, rural=rural
    )
    # No verified TV-L pay table is shipped: the Besserstellungsverbot is not checked by the
    # system, and the page says so rather than implying it was.
    pay = besserstellung_check(parsed.staff, None)
    note = {"status": pay.status.value, "de": pay.note.de, "en": pay.note.en}
    if pay.status is BesserstellungStatus.NOT_CHECKED and not parsed.staff:
        note = {"status": "no_staff", "de": "Keine Personalstellen.", "en": "No staff posts."}
    return parsed, list(problems), note


def _declarations(guideline: Guideline) -> list[DeclarationOut]:
    return [
        DeclarationOut(
            key=d.key,
            version=d.version,
            title={"de": d.title.de, "en": d.title.en},
            text={"de": d.text.de, "en": d.text.en},
            items=[{"de": i.de, "en": i.en} for i in d.items],
        )
        for d in guideline.declarations
    ]


async def _public(ctx: UserContext, app: Any, row: Any) -> FormalApplicationPublic:
    guideline = _guideline(ctx, app)
    sketch, digest = await _sketch(ctx, app)
    content = {} if row is None else row.content
    _, problems, pay = _judged(_with_server_facts(content, sketch, digest), sketch, guideline)
    submissions = await ctx.session.execute(
        sa.select(_fs.c.number, _fs.c.reference_number, _fs.c.received_at, _fs.c.snapshot_sha256)
        .where(_fs.c.application_id == app.id)
        .order_by(_fs.c.number)
    )
    return FormalApplicationPublic(
        application_id=app.id,
        status=app.status,
        version=0 if row is None else row.version,
        due_at=await _due_at(ctx, app) if row is None else row.due_at,
        due_reason="" if row is None else row.due_reason,
        editable=State(app.status) in _EDITABLE,
        content=content,
        complete=not problems,
        problems=[ProblemOut(field=p.field, rule=p.rule, message=p.message) for p in problems],
        pay_check=pay,
        declarations=_declarations(guideline),
        reference_number=None if row is None else row.reference_number,
        submissions=[FormalSubmissionSummary(**s._mapping) for s in submissions],
    )


async def get_formal(ctx: UserContext, application_id: uuid.UUID) -> FormalApplicationPublic:
    async with ctx.session.begin():
        app, role = await load_application(ctx, application_id)
        row = await _row(ctx, application_id)
        if role is Role.PROGRAMME_MANAGER and (row is None or not row.submission_count):
            raise _not_found(application_id)  # the applicant's working copy until received
        if row is None and State(app.status) is not State.INVITED:
            raise _not_found(application_id)
        return await _public(ctx, app, row)


def _refuse_large(content: dict[str, Any]) -> None:
    if len(canonical_json(content)) > _MAX_CONTENT_BYTES:
        raise InvalidInput(
            "Der Antrag ist zu umfangreich (the formal application is too large).",
            problems=(
                FieldProblem("content", "too_large", f"höchstens {_MAX_CONTENT_BYTES} Bytes"),
            ),
        )


async def save_formal(
    ctx: UserContext, application_id: uuid.UUID, data: FormalApplicationIn, *, if_match: str | None
) -> FormalApplicationPublic:
    _refuse_large(data.content)
    async with ctx.session.begin():
        app, role = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        state = State(app.status)
        if state not in _EDITABLE:
            raise Conflict(
                "Der förmliche Antrag kann in diesem Zustand nicht bearbeitet werden (the formal "
                "application cannot be edited in this state).",
                extra={"current_state": state.value},
            )
        row = await _row(ctx, application_id, for_update=True)
        if row is None:
            due = await _due_at(ctx, app)
            if state is State.INVITED:
                app = await apply_transition(ctx, app, Event.START_APPLICATION, role, reason=None)
            row = (
                await ctx.session.execute(
                    sa.insert(_f)
                    .values(
                        application_id=application_id,
                        content=data.content,
                        version=1,
                        due_at=due,
                        due_reason="",
                        submission_count=0,
                        created_by=ctx.principal.user_id,
                        created_at=ctx.now,
                        updated_at=ctx.now,
                    )
                    .returning(_f)
                )
            ).one()
        else:
            ensure_version(row.version, parse_if_match(if_match))
            row = (
                await ctx.session.execute(
                    sa.update(_f)
                    .where(_f.c.application_id == application_id)
                    .values(content=data.content, version=row.version + 1, updated_at=ctx.now)
                    .returning(_f)
                )
            ).one()
        await ctx.audit(
            action=AuditAction.FORMAL_APPLICATION_SAVED,
            object_type="application",
            object_id=application_id,
            after={"version": row.version},
        )
        return await _public(ctx, app, row)


async def extend_due(
    ctx: UserContext, application_id: uuid.UUID, data: DueDateIn
) -> FormalApplicationPublic:
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        row = await _row(ctx, application_id, for_update=True)
        current = await _due_at(ctx, app) if row is None else row.due_at
        new = datetime.combine(data.due_on, time(23, 59, 59), BERLIN)
        if new <= current:
            raise InvalidInput(
                "Die Frist wird nur verlängert (the due date can only be extended).",
                problems=(
                    FieldProblem(
                        "due_on",
                        "not_later",
                        f"nach dem {format_date_de(current.astimezone(BERLIN).date())} wählen",
                    ),
                ),
            )
        if row is None:
            raise Conflict(
                "Der förmliche Antrag ist noch nicht begonnen; die Frist gilt ab der "
                "Aufforderung (the formal application has not been started yet)."
            )
        row = (
            await ctx.session.execute(
                sa.update(_f)
                .where(_f.c.application_id == application_id)
                .values(due_at=new, due_reason=data.reason.strip(), version=row.version + 1)
                .returning(_f)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.FORMAL_APPLICATION_DUE_EXTENDED,
            object_type="application",
            object_id=application_id,
            before={"due_at": current.isoformat()},
            after={"due_at": new.isoformat(), "reason": data.reason.strip()},
        )
        return await _public(ctx, app, row)


def _receipt(snapshot: dict[str, Any], digest: str) -> FormalReceipt:
    received_at = datetime.fromisoformat(snapshot["received_at"])
    when = berlin_time(received_at)
    return FormalReceipt(
        reference_number=snapshot["reference_number"],
        sketch_reference_number=snapshot["sketch_reference_number"],
        submission_number=snapshot["submission_number"],
        received_at=received_at,
        received_at_text={"de": when.de, "en": when.en},
        snapshot_sha256=digest,
        declarations=snapshot["declarations"],
        notes=[
            {
                "de": "Diese Bestätigung ist keine Entscheidung über den Antrag; über ihn wird "
                "durch schriftlichen Bescheid entschieden.",
                "en": "This receipt is no decision on the application; it is decided by a "
                "written notice.",
            },
            {
                "de": "Mit dem Vorhaben darf erst nach Bekanntgabe des Zuwendungsbescheids oder "
                "nach schriftlicher Zustimmung zum vorzeitigen Maßnahmebeginn begonnen werden.",
                "en": "The project may start only after the grant decision has been notified "
                "or after written consent to an early start.",
            },
        ],
        requested_grant=snapshot["requested_grant"],
        fiscal_years=[
            {"fiscal_year": y["fiscal_year"], "requested_grant": y["requested_grant"]}
            for y in snapshot["content"]["fiscal_years"]
        ],
    )


async def submit_formal(
    ctx: UserContext, application_id: uuid.UUID, data: FormalSubmissionIn, *, if_match: str | None
) -> FormalReceipt:
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        app, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        state = State(app.status)
        if state not in _SUBMITTABLE:
            transition(state, Event.SUBMIT_APPLICATION, role=Role.APPLICANT)  # names the state
        row = await _row(ctx, application_id, for_update=True)
        if row is None:
            raise _not_found(application_id)
        ensure_version(row.version, expected)
        if not in_time(ctx.now, row.due_at):
            due = row.due_at.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M:%S Uhr")
            raise DeadlinePassed(
                f"Die Frist für den förmlichen Antrag ist am {due} abgelaufen; die "
                "Bewilligungsstelle kann sie verlängern (the due date has passed; the "
                "authority may extend it).",
                extra={"due_at": row.due_at.isoformat()},
            )
        guideline = _guideline(ctx, app)
        sketch, digest = await _sketch(ctx, app)
        content = _with_server_facts(row.content, sketch, digest)
        parsed, problems, pay = _judged(content, sketch, guideline)
        wanted = {d.key for d in guideline.declarations}
        missing = sorted(wanted - set(data.confirmed_declarations))
        problems += [
            FieldProblem("confirmed_declarations", "missing", f"„{key}“ nicht bestätigt")
            for key in missing
        ]
        if problems or parsed is None:
            raise InvalidInput(
                "Der förmliche Antrag ist unvollständig oder widersprüchlich (the formal "
                "application is incomplete or inconsistent).",
                problems=tuple(problems),
            )
        number = row.submission_count + 1
        reference = row.reference_number or f"{sketch['reference_number']}-A"
        snapshot = {
            "schema": "formal-1",
            "application_id": str(application_id),
            "reference_number": reference,
            "sketch_reference_number": sketch["reference_number"],
            "sketch_snapshot_sha256": digest,
            "submission_number": number,
            "received_at": ctx.now.isoformat(),
            "guideline": {
                "id": guideline.id,
                "version": guideline.version,
                "hash": guideline.content_hash,
            },
            "organisation": sketch["organisation"],
            "submitted_by": {
                "id": str(ctx.principal.user_id),
                "email": ctx.principal.email,
                "name": ctx.principal.display_name,
            },
            "content": canonical_dict(parsed),
            "requested_grant": str(parsed.requested_grant),
            "pay_check": pay,
            "declarations": [
                {**declaration_record(d), "confirmed": True} for d in guideline.declarations
            ],
            "authority": sketch.get("authority"),
        }
        snapshot_digest = sha256_of(snapshot)
        await ctx.session.execute(
            sa.insert(_fs).values(
                id=uuid.uuid4(),
                application_id=application_id,
                number=number,
                reference_number=reference,
                received_at=ctx.now,
                submitted_by=ctx.principal.user_id,
                snapshot=snapshot,
                snapshot_sha256=snapshot_digest,
            )
        )
        await ctx.session.execute(
            sa.update(_f)
            .where(_f.c.application_id == application_id)
            .values(
                submission_count=number,
                reference_number=reference,
                submitted_at=ctx.now,
                version=row.version + 1,
            )
        )
        if state is State.APPLICATION_DRAFT:
            # The step's history row, audit entry; the receipt below is its e-mail.
            await apply_transition(
                ctx, app, Event.SUBMIT_APPLICATION, Role.APPLICANT, reason=None, notify=False
            )
        receipt = _receipt(snapshot, snapshot_digest)
        await enqueue_message(
            ctx.session,
            dedupe_key=f"formal_receipt:{application_id}:{number}",
            kind="receipt",
            recipient=ctx.principal.email,
            subject=f"Eingangsbestätigung {reference} (receipt of your formal application)",
            body_text=(
                "Sehr geehrte Damen und Herren,\n\n"
                f"Ihr förmlicher Antrag {reference} (zur Vorhabenidee "
                f"{sketch['reference_number']}) ist am {receipt.received_at_text['de']} "
                f"eingegangen (Fassung {number}). Prüfsumme der Fassung (SHA-256): "
                f"{snapshot_digest}.\n\n"
                f"{receipt.notes[0]['de']}\n{receipt.notes[1]['de']}\n\n"
                "Diese Bestätigung als PDF (PDF/A, im Förderportal angemeldet):\n"
                f"  /api/applications/{application_id}/formal-application/submissions/"
                f"{number}/receipt.pdf\n\n"
                f"Your formal application {reference} was received on "
                f"{receipt.received_at_text['en']} (version {number}).\n"
            ),
            now=ctx.now,
            application_id=application_id,
        )
        await ctx.audit(
            action=AuditAction.FORMAL_APPLICATION_RECEIVED,
            object_type="application",
            object_id=application_id,
            after={
                "formal_reference_number": reference,
                "submission_number": number,
                "snapshot_sha256": snapshot_digest,
            },
        )
    return receipt


async def get_receipt(ctx: UserContext, application_id: uuid.UUID, number: int) -> FormalReceipt:
    receipt, _ = await receipt_and_snapshot(ctx, application_id, number)
    return receipt


async def receipt_and_snapshot(
    ctx: UserContext, application_id: uuid.UUID, number: int
) -> tuple[FormalReceipt, dict[str, Any]]:
    """A received version's receipt and the stored snapshot it is read from (the
    applicant's organisation and staff; 404 for a version never received)."""
    async with ctx.session.begin():
        await load_application(ctx, application_id)
        row = (
            await ctx.session.execute(
                sa.select(_fs.c.snapshot, _fs.c.snapshot_sha256).where(
                    _fs.c.application_id == application_id, _fs.c.number == number
                )
            )
        ).first()
    if row is None:
        raise NotFound(f"Fassung {number} gibt es nicht (no version {number}).")
    return _receipt(row.snapshot, row.snapshot_sha256), dict(row.snapshot)


async def latest_received(
    session: AsyncSession, application_id: uuid.UUID
) -> tuple[Any, str] | None:
    """(snapshot, SHA-256) of the latest received version of the formal application, or
    None; in the caller's transaction, after its access check (the decision uses it)."""
    row = (
        await session.execute(
            sa.select(_fs.c.snapshot, _fs.c.snapshot_sha256)
            .where(_fs.c.application_id == application_id)
            .order_by(_fs.c.number.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row.snapshot, str(row.snapshot_sha256))
