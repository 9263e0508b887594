"""The jury as a committee (§§ 88–93 VwVfG), for programme managers: the members of a call's
jury, its sessions, attendance, the agenda, who left which item, the votes and the minutes.
The rules are ``core.jury``; this module loads their inputs, writes their answers and audits
every change through the context.

- Members: a portal user (holding a staff role; their declared ties are checked like an
  evaluator's) or a named external person; one chair per call. Membership is fixed while a
  session of the call is open: the quorum's base must not move during a sitting.
- A session is planned, opened (the attendance list is made from the members then), and
  closed. One open session per call at a time (a partial unique index backs the check).
- Agenda items are applications of the call that were submitted. A member leaves an item
  (``record_exclusion``): declared by the member, decided by the committee, or detected from
  the member's declared ties (a § 20 ground; recorded by the system when the session is
  open). § 21 concerns from declared ties are shown for the committee to decide (§ 21 Abs. 2).
- A vote needs the quorum for its item (§ 90) and ballots only from members present and not
  excluded from it (§ 20 Abs. 4 Satz 4): refused with 409 here, and by a trigger in the
  database. A carried motion (§ 91) is the item's resolution; a failed one leaves the item
  open for another motion.
- Closing writes the minutes (§ 93: canonical JSON with SHA-256). From then on every change
  of the session is refused: 409 here, and the database's triggers refuse UPDATE and DELETE
  of the minutes and any write below a closed session.

``resolution_of`` gives the decision services the jury's resolution on an application, from
closed minutes only.

Concurrency: every writer locks the session row (or, for membership and opening, an advisory
lock per call) to its commit, so a vote cannot slip in beside the close.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.queries import staff_roles_table, users_table
from grants.applications.queries import applications_table, submissions_table
from grants.context import Context, UserContext
from grants.core.audit_actions import AuditAction
from grants.core.conflicts import ConflictOfInterest, Ground, Subject, detect_conflicts
from grants.core.conflicts import legal_basis as ground_basis
from grants.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from grants.core.guideline import Text
from grants.core.jury import (
    Ballot,
    ExclusionRecord,
    ExclusionSource,
    ItemRecord,
    JuryRole,
    MemberRecord,
    Quorum,
    SessionRecord,
    SessionStatus,
    Tally,
    VoteRecord,
    build_minutes,
    check_ballots,
    ensure_quorate,
    ensure_status,
    minutes_digest,
    next_status,
    quorum,
    tally,
)
from grants.core.lifecycle import State
from grants.core.ranking import Recommendation
from grants.evaluation.assignment.conflicts import DEFAULT_POLICY, load_evaluators, load_parties
from grants.evaluation.jury.schemas import (
    AttendancePublic,
    AttendanceUpdate,
    BallotPublic,
    ConcernPublic,
    ExclusionCreate,
    ExclusionPublic,
    ItemCreate,
    ItemPublic,
    MemberCreate,
    MemberPublic,
    Message,
    MinutesPublic,
    QuorumPublic,
    SessionCreate,
    SessionPublic,
    SessionSummary,
    VoteCreate,
    VotePublic,
)
from grants.evaluation.jury.tables import (
    attendance_table,
    ballots_table,
    exclusions_table,
    items_table,
    members_table,
    minutes_table,
    sessions_table,
    votes_table,
)

_mem, _ses, _att, _item = members_table, sessions_table, attendance_table, items_table
_exc, _vote, _bal, _min = exclusions_table, votes_table, ballots_table, minutes_table
_apps, _subs, _users = applications_table, submissions_table, users_table

# Submitted applications that may still be deliberated (not withdrawn, never a draft).
_NOT_ON_AGENDA = (State.DRAFT.value, State.WITHDRAWN.value)


def _message(text: Text) -> Message:
    return Message(de=text.de, en=text.en)


def _scope(ctx: Context, guideline_id: str, call_code: str) -> str:
    """The call exists (404 otherwise); its key for audit entries and locks."""
    guideline = ctx.guidelines.get(guideline_id)
    if guideline is None or guideline.call(call_code) is None:
        raise NotFound(f"Förderaufruf {guideline_id}/{call_code} nicht gefunden (call not found)")
    return f"{guideline_id}/{call_code}"


async def _lock_call(session: AsyncSession, key: str) -> None:
    """Membership changes and opening a session of one call, one at a time."""
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("grants:jury:" + key)))
    )


def _member_public(row: Any) -> MemberPublic:
    return MemberPublic(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        organisation=row.organisation,
        role=row.role,
        added_at=row.added_at,
    )


def _in_call(table: sa.Table, guideline_id: str, call_code: str) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.guideline_id == guideline_id, table.c.call_code == call_code)


async def _active_members(session: AsyncSession, guideline_id: str, call_code: str) -> list[Any]:
    rows = await session.execute(
        sa.select(_mem)
        .where(_in_call(_mem, guideline_id, call_code), _mem.c.removed_at.is_(None))
        .order_by(_mem.c.role, _mem.c.name, _mem.c.id)
    )
    return list(rows)


async def _open_session_id(
    session: AsyncSession, guideline_id: str, call_code: str
) -> uuid.UUID | None:
    found: uuid.UUID | None = (
        await session.execute(
            sa.select(_ses.c.id).where(
                _in_call(_ses, guideline_id, call_code),
                _ses.c.status == SessionStatus.OPEN.value,
            )
        )
    ).scalar()
    return found


async def _refuse_while_sitting(session: AsyncSession, guideline_id: str, call_code: str) -> None:
    if await _open_session_id(session, guideline_id, call_code) is not None:
        raise Conflict(
            "Während eine Sitzung der Jury eröffnet ist, bleibt die Besetzung unverändert "
            "(membership is fixed while a session is open)."
        )


# --- members --------------------------------------------------------------------------------


async def list_members(ctx: Context, guideline_id: str, call_code: str) -> list[MemberPublic]:
    _scope(ctx, guideline_id, call_code)
    return [_member_public(r) for r in await _active_members(ctx.session, guideline_id, call_code)]


async def add_member(
    ctx: UserContext, guideline_id: str, call_code: str, data: MemberCreate
) -> MemberPublic:
    key = _scope(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        await _lock_call(ctx.session, key)
        await _refuse_while_sitting(ctx.session, guideline_id, call_code)
        members = await _active_members(ctx.session, guideline_id, call_code)
        name = data.name.strip()
        if data.user_id is not None:
            user = (
                await ctx.session.execute(
                    sa.select(_users.c.display_name).where(
                        _users.c.id == data.user_id,
                        sa.exists().where(staff_roles_table.c.user_id == _users.c.id),
                    )
                )
            ).first()
            if user is None:
                raise InvalidInput(
                    "Jurymitglieder mit Konto müssen Beschäftigte mit einer Rolle sein "
                    "(a member with an account must be a staff user).",
                    problems=(FieldProblem("user_id", "not_staff", "Kein Konto mit einer Rolle."),),
                )
            name = name or user.display_name
            if any(m.user_id == data.user_id for m in members):
                raise Conflict("Diese Person gehört der Jury schon an (already a member).")
        if data.role is JuryRole.CHAIR and any(m.role == JuryRole.CHAIR for m in members):
            raise Conflict("Die Jury hat bereits einen Vorsitz (the jury already has a chair).")
        row = (
            await ctx.session.execute(
                sa.insert(_mem)
                .values(
                    id=uuid.uuid4(),
                    guideline_id=guideline_id,
                    call_code=call_code,
                    user_id=data.user_id,
                    name=name,
                    organisation=data.organisation.strip(),
                    role=data.role.value,
                    added_by=ctx.principal.user_id,
                    added_at=ctx.now,
                )
                .returning(_mem)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.JURY_MEMBER_ADDED,
            object_type="jury",
            object_id=key,
            after={
                "member_id": str(row.id),
                "user_id": None if row.user_id is None else str(row.user_id),
                "name": row.name,
                "organisation": row.organisation,
                "role": row.role,
            },
        )
    return _member_public(row)


async def remove_member(
    ctx: UserContext, guideline_id: str, call_code: str, member_id: uuid.UUID
) -> None:
    """The member leaves the jury; the row stays, closed minutes name them."""
    key = _scope(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        await _lock_call(ctx.session, key)
        await _refuse_while_sitting(ctx.session, guideline_id, call_code)
        row = (
            await ctx.session.execute(
                sa.update(_mem)
                .where(
                    _mem.c.id == member_id,
                    _in_call(_mem, guideline_id, call_code),
                    _mem.c.removed_at.is_(None),
                )
                .values(removed_at=ctx.now, removed_by=ctx.principal.user_id)
                .returning(_mem)
            )
        ).first()
        if row is None:
            raise NotFound(f"Jurymitglied {member_id} nicht gefunden (member not found)")
        await ctx.audit(
            action=AuditAction.JURY_MEMBER_REMOVED,
            object_type="jury",
            object_id=key,
            before={"member_id": str(member_id), "name": row.name, "role": row.role},
        )


# --- sessions: loading ----------------------------------------------------------------------


def _summary(row: Any) -> SessionSummary:
    return SessionSummary(
        id=row.id,
        guideline_id=row.guideline_id,
        call_code=row.call_code,
        place=row.place,
        starts_at=row.starts_at,
        status=row.status,
        reconvened=row.reconvened,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
    )


async def _session_row(
    ctx: Context,
    guideline_id: str,
    call_code: str,
    session_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Any:
    _scope(ctx, guideline_id, call_code)
    query = sa.select(_ses).where(_ses.c.id == session_id, _in_call(_ses, guideline_id, call_code))
    if for_update:
        query = query.with_for_update()
    row = (await ctx.session.execute(query)).first()
    if row is None:
        raise NotFound(f"Sitzung {session_id} nicht gefunden (session not found)")
    return row


class _Attendee(NamedTuple):
    member_id: uuid.UUID
    user_id: uuid.UUID | None
    name: str
    organisation: str
    role: JuryRole
    present: bool


async def _attendance(session: AsyncSession, session_id: uuid.UUID) -> list[_Attendee]:
    rows = await session.execute(
        sa.select(
            _att.c.member_id,
            _att.c.present,
            _mem.c.user_id,
            _mem.c.name,
            _mem.c.organisation,
            _mem.c.role,
        )
        .select_from(_att.join(_mem, _mem.c.id == _att.c.member_id))
        .where(_att.c.session_id == session_id)
        .order_by(_mem.c.role, _mem.c.name, _mem.c.id)
    )
    return [
        _Attendee(r.member_id, r.user_id, r.name, r.organisation, JuryRole(r.role), r.present)
        for r in rows
    ]


async def _items(session: AsyncSession, session_id: uuid.UUID) -> list[Any]:
    """Agenda items with the application's reference number and submitted title."""
    latest = sa.and_(
        _subs.c.application_id == _apps.c.id, _subs.c.number == _apps.c.submission_count
    )
    rows = await session.execute(
        sa.select(
            _item,
            _apps.c.reference_number,
            sa.func.coalesce(_subs.c.snapshot["content"]["title"].astext, _apps.c.title).label(
                "submitted_title"
            ),
        )
        .select_from(
            _item.join(_apps, _apps.c.id == _item.c.application_id).outerjoin(_subs, latest)
        )
        .where(_item.c.session_id == session_id)
        .order_by(_item.c.position)
    )
    return list(rows)


async def _item_row(session: AsyncSession, session_id: uuid.UUID, item_id: uuid.UUID) -> Any:
    row = (
        await session.execute(
            sa.select(_item).where(_item.c.id == item_id, _item.c.session_id == session_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"Tagesordnungspunkt {item_id} nicht gefunden (agenda item not found)")
    return row


async def _exclusions(session: AsyncSession, session_id: uuid.UUID) -> dict[uuid.UUID, list[Any]]:
    rows = await session.execute(
        sa.select(_exc)
        .where(_exc.c.session_id == session_id)
        .order_by(_exc.c.recorded_at, _exc.c.member_id)
    )
    found: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        found.setdefault(row.item_id, []).append(row)
    return found


async def _votes(
    session: AsyncSession, session_id: uuid.UUID
) -> tuple[dict[uuid.UUID, list[Any]], dict[uuid.UUID, dict[uuid.UUID, Ballot]]]:
    votes: dict[uuid.UUID, list[Any]] = {}
    for row in await session.execute(
        sa.select(_vote).where(_vote.c.session_id == session_id).order_by(_vote.c.round)
    ):
        votes.setdefault(row.item_id, []).append(row)
    ballots: dict[uuid.UUID, dict[uuid.UUID, Ballot]] = {}
    for row in await session.execute(sa.select(_bal).where(_bal.c.session_id == session_id)):
        ballots.setdefault(row.vote_id, {})[row.member_id] = Ballot(row.choice)
    return votes, ballots


async def _detected(
    session: AsyncSession, people: Sequence[_Attendee], application_ids: Iterable[uuid.UUID]
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[ConflictOfInterest, ...]]:
    """(application, member) -> the conflicts following from the member's declared ties (for
    members with a portal account; external members declare in the session)."""
    by_user = {p.user_id: p.member_id for p in people if p.user_id is not None}
    ids = list(application_ids)
    if not by_user or not ids:
        return {}
    profiles = await load_evaluators(session, list(by_user))
    parties = await load_parties(session, ids)
    found: dict[tuple[uuid.UUID, uuid.UUID], tuple[ConflictOfInterest, ...]] = {}
    for profile in profiles:
        member_id = by_user[uuid.UUID(profile.id)]
        for application in parties:
            conflicts = detect_conflicts(profile, application, DEFAULT_POLICY, Subject.JURY_MEMBER)
            if conflicts:
                found[(uuid.UUID(application.id), member_id)] = conflicts
    return found


def _exclusion_basis(ground: Ground) -> str:
    """What a member's leaving an item rests on: the ground, and § 20 Abs. 4 (by § 21 Abs. 2
    for a concern of bias the committee upheld)."""
    if ground is Ground.BIAS:
        return "§ 21 Abs. 2 i. V. m. § 20 Abs. 4 VwVfG"
    return f"{ground_basis(ground)} i. V. m. § 20 Abs. 4 VwVfG"


async def _record_detected(
    ctx: UserContext, session_row: Any, people: Sequence[_Attendee], items: Sequence[Any]
) -> int:
    """Write the § 20 exclusions that follow from declared ties and are not recorded yet
    (only while the session is open: the attendance says who sits). Returns how many."""
    if session_row.status != SessionStatus.OPEN.value or not items:
        return 0
    detected = await _detected(ctx.session, people, [item.application_id for item in items])
    values = []
    for item in items:
        for person in people:
            excluded = [
                c for c in detected.get((item.application_id, person.member_id), ()) if c.excluded
            ]
            if excluded:
                first = excluded[0]
                values.append(
                    {
                        "item_id": item.id,
                        "member_id": person.member_id,
                        "session_id": session_row.id,
                        "ground": first.ground.value,
                        "legal_basis": _exclusion_basis(first.ground),
                        "source": ExclusionSource.DETECTED.value,
                        "reason": f"{first.text.de} ({first.detail})"[:2000],
                        "recorded_by": ctx.principal.user_id,
                        "recorded_at": ctx.now,
                    }
                )
    if not values:
        return 0
    result = await ctx.session.execute(
        pg_insert(_exc).values(values).on_conflict_do_nothing().returning(_exc.c.item_id)
    )
    return len(result.all())


def _quorum_of(session_row: Any, people: Sequence[_Attendee], excluded: set[uuid.UUID]) -> Quorum:
    present = sum(1 for p in people if p.present and p.member_id not in excluded)
    return quorum(len(people), present, reconvened=session_row.reconvened)


def _quorum_public(found: Quorum) -> QuorumPublic:
    return QuorumPublic(
        members=found.members,
        present=found.present,
        required=found.required,
        quorate=found.quorate,
        legal_basis=found.legal_basis,
        message=_message(found.text()),
    )


def _stored_tally(row: Any) -> Tally:
    """The stored counts and outcome are the record (the ballots are kept beside them)."""
    return Tally(row.yes, row.no, row.abstain, row.carried, row.casting_vote)


def _vote_public(row: Any, ballots: dict[uuid.UUID, Ballot]) -> VotePublic:
    text = _stored_tally(row).text()
    return VotePublic(
        round=row.round,
        motion=row.motion,
        yes=row.yes,
        no=row.no,
        abstain=row.abstain,
        carried=row.carried,
        casting_vote=row.casting_vote,
        result=_message(text),
        ballots=[
            BallotPublic(member_id=member_id, vote=vote)
            for member_id, vote in sorted(ballots.items(), key=lambda kv: str(kv[0]))
        ],
        recorded_at=row.recorded_at,
    )


async def _session_public(ctx: Context, session_row: Any) -> SessionPublic:
    people = await _attendance(ctx.session, session_row.id)
    if not people:  # planned: show the members who would sit
        people = [
            _Attendee(m.id, m.user_id, m.name, m.organisation, JuryRole(m.role), False)
            for m in await _active_members(
                ctx.session, session_row.guideline_id, session_row.call_code
            )
        ]
    names = {p.member_id: p.name for p in people}
    items = await _items(ctx.session, session_row.id)
    recorded = await _exclusions(ctx.session, session_row.id)
    votes, ballots = await _votes(ctx.session, session_row.id)
    closed = session_row.status == SessionStatus.CLOSED.value
    detected = (
        {} if closed else await _detected(ctx.session, people, [i.application_id for i in items])
    )
    sitting = session_row.status != SessionStatus.PLANNED.value
    out_items = []
    for item in items:
        excluded = [
            ExclusionPublic(
                member_id=row.member_id,
                name=names.get(row.member_id, ""),
                ground=row.ground,
                legal_basis=row.legal_basis,
                source=row.source,
                reason=row.reason,
                recorded=True,
            )
            for row in recorded.get(item.id, [])
        ]
        concerns: list[ConcernPublic] = []
        for person in people:
            if any(e.member_id == person.member_id for e in excluded):
                continue
            found = detected.get((item.application_id, person.member_id), ())
            barred = [c for c in found if c.excluded]
            if barred:
                excluded.append(
                    ExclusionPublic(
                        member_id=person.member_id,
                        name=person.name,
                        ground=barred[0].ground,
                        legal_basis=_exclusion_basis(barred[0].ground),
                        source=ExclusionSource.DETECTED,
                        reason=f"{barred[0].text.de} ({barred[0].detail})",
                        recorded=False,
                    )
                )
                continue
            concerns.extend(
                ConcernPublic(
                    member_id=person.member_id,
                    name=person.name,
                    reason=c.reason.value,
                    legal_basis=c.legal_basis,
                    message=_message(c.text),
                )
                for c in found
            )
        out_items.append(
            ItemPublic(
                id=item.id,
                position=item.position,
                application_id=item.application_id,
                reference_number=item.reference_number,
                title=item.submitted_title or "",
                resolution=item.resolution,
                excluded=excluded,
                concerns=concerns,
                quorum=_quorum_public(
                    _quorum_of(session_row, people, {e.member_id for e in excluded})
                )
                if sitting
                else None,
                votes=[_vote_public(v, ballots.get(v.id, {})) for v in votes.get(item.id, [])],
            )
        )
    sha = (
        await ctx.session.execute(
            sa.select(_min.c.sha256).where(_min.c.session_id == session_row.id)
        )
    ).scalar()
    return SessionPublic(
        **_summary(session_row).model_dump(),
        attendance=[
            AttendancePublic(member_id=p.member_id, name=p.name, role=p.role, present=p.present)
            for p in people
        ]
        if sitting
        else [],
        items=out_items,
        minutes_sha256=sha,
    )


# --- sessions: reading ------------------------------------------------------------------


async def list_sessions(ctx: Context, guideline_id: str, call_code: str) -> list[SessionSummary]:
    _scope(ctx, guideline_id, call_code)
    rows = await ctx.session.execute(
        sa.select(_ses)
        .where(_in_call(_ses, guideline_id, call_code))
        .order_by(_ses.c.starts_at, _ses.c.id)
    )
    return [_summary(row) for row in rows]


async def get_session(
    ctx: Context, guideline_id: str, call_code: str, session_id: uuid.UUID
) -> SessionPublic:
    return await _session_public(ctx, await _session_row(ctx, guideline_id, call_code, session_id))


async def get_minutes(
    ctx: Context, guideline_id: str, call_code: str, session_id: uuid.UUID
) -> MinutesPublic:
    await _session_row(ctx, guideline_id, call_code, session_id)
    row = (
        await ctx.session.execute(sa.select(_min).where(_min.c.session_id == session_id))
    ).first()
    if row is None:
        raise NotFound(
            "Die Niederschrift entsteht mit dem Schließen der Sitzung (no minutes before the "
            "session is closed)."
        )
    return MinutesPublic(
        session_id=row.session_id, sha256=row.sha256, created_at=row.created_at, minutes=row.minutes
    )


# --- sessions: writing ----------------------------------------------------------------------


async def create_session(
    ctx: UserContext, guideline_id: str, call_code: str, data: SessionCreate
) -> SessionPublic:
    key = _scope(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        row = (
            await ctx.session.execute(
                sa.insert(_ses)
                .values(
                    id=uuid.uuid4(),
                    guideline_id=guideline_id,
                    call_code=call_code,
                    place=data.place.strip(),
                    starts_at=data.starts_at,
                    status=SessionStatus.PLANNED.value,
                    reconvened=data.reconvened,
                    created_by=ctx.principal.user_id,
                    created_at=ctx.now,
                )
                .returning(_ses)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.JURY_SESSION_PLANNED,
            object_type="jury_session",
            object_id=row.id,
            after={
                "call": key,
                "place": row.place,
                "starts_at": row.starts_at.isoformat(),
                "reconvened": row.reconvened,
            },
        )
        return await _session_public(ctx, row)


async def open_session(
    ctx: UserContext, guideline_id: str, call_code: str, session_id: uuid.UUID
) -> SessionPublic:
    """planned → open: the attendance list is made from the members now (all absent until
    marked present); § 20 grounds from declared ties are recorded for the agenda."""
    key = _scope(ctx, guideline_id, call_code)
    async with ctx.session.begin():
        await _lock_call(ctx.session, key)
        row = await _session_row(ctx, guideline_id, call_code, session_id, for_update=True)
        next_status(SessionStatus(row.status), SessionStatus.OPEN)
        members = await _active_members(ctx.session, guideline_id, call_code)
        if not any(m.role == JuryRole.CHAIR for m in members):
            raise Conflict(
                "Ohne Vorsitz kann die Sitzung nicht eröffnet werden (the jury has no chair).",
                extra={"members": len(members)},
            )
        if await _open_session_id(ctx.session, guideline_id, call_code) is not None:
            raise Conflict(
                "Eine andere Sitzung dieses Aufrufs ist eröffnet (another session is open)."
            )
        await ctx.session.execute(
            sa.insert(_att),
            [
                {
                    "session_id": session_id,
                    "member_id": m.id,
                    "present": False,
                    "recorded_at": ctx.now,
                }
                for m in members
            ],
        )
        row = (
            await ctx.session.execute(
                sa.update(_ses)
                .where(_ses.c.id == session_id)
                .values(status=SessionStatus.OPEN.value, opened_at=ctx.now)
                .returning(_ses)
            )
        ).one()
        people = await _attendance(ctx.session, session_id)
        detected = await _record_detected(ctx, row, people, await _items(ctx.session, session_id))
        await ctx.audit(
            action=AuditAction.JURY_SESSION_OPENED,
            object_type="jury_session",
            object_id=session_id,
            before={"status": SessionStatus.PLANNED.value},
            after={
                "status": SessionStatus.OPEN.value,
                "members": [str(m.id) for m in members],
                "exclusions_detected": detected,
            },
        )
        return await _session_public(ctx, row)


async def set_attendance(
    ctx: UserContext,
    guideline_id: str,
    call_code: str,
    session_id: uuid.UUID,
    member_id: uuid.UUID,
    data: AttendanceUpdate,
) -> SessionPublic:
    async with ctx.session.begin():
        row = await _session_row(ctx, guideline_id, call_code, session_id, for_update=True)
        ensure_status(
            SessionStatus(row.status),
            {SessionStatus.OPEN},
            Text("Die Anwesenheit zu erfassen", "recording attendance"),
        )
        changed = (
            await ctx.session.execute(
                sa.update(_att)
                .where(_att.c.session_id == session_id, _att.c.member_id == member_id)
                .values(present=data.present, recorded_at=ctx.now)
                .returning(_att.c.member_id)
            )
        ).first()
        if changed is None:
            raise NotFound(f"Jurymitglied {member_id} nicht gefunden (member not found)")
        await ctx.audit(
            action=AuditAction.JURY_ATTENDANCE_RECORDED,
            object_type="jury_session",
            object_id=session_id,
            after={"member_id": str(member_id), "present": data.present},
        )
        return await _session_public(ctx, row)


async def add_item(
    ctx: UserContext, guideline_id: str, call_code: str, session_id: uuid.UUID, data: ItemCreate
) -> SessionPublic:
    async with ctx.session.begin():
        row = await _session_row(ctx, guideline_id, call_code, session_id, for_update=True)
        ensure_status(
            SessionStatus(row.status),
            {SessionStatus.PLANNED, SessionStatus.OPEN},
            Text("Einen Tagesordnungspunkt aufzunehmen", "adding an agenda item"),
        )
        application = (
            await ctx.session.execute(
                sa.select(_apps.c.id, _apps.c.status).where(
                    _apps.c.id == data.application_id, _in_call(_apps, guideline_id, call_code)
                )
            )
        ).first()
        if application is None or application.status in _NOT_ON_AGENDA:
            raise InvalidInput(
                "Nur eingereichte Anträge dieses Aufrufs kommen auf die Tagesordnung (only "
                "submitted applications of this call).",
                problems=(
                    FieldProblem(
                        "application_id",
                        "not_in_call",
                        "Kein eingereichter, nicht zurückgezogener Antrag dieses Aufrufs.",
                    ),
                ),
            )
        existing = (
            await ctx.session.execute(
                sa.select(_item.c.id, _item.c.position).where(_item.c.session_id == session_id)
            )
        ).all()
        duplicate = (
            await ctx.session.execute(
                sa.select(_item.c.id).where(
                    _item.c.session_id == session_id,
                    _item.c.application_id == data.application_id,
                )
            )
        ).first()
        if duplicate is not None:
            raise Conflict(
                "Der Antrag steht bereits auf der Tagesordnung (already on the agenda).",
                extra={"item_id": str(duplicate.id)},
            )
        position = max((item.position for item in existing), default=0) + 1
        item = (
            await ctx.session.execute(
                sa.insert(_item)
                .values(
                    id=uuid.uuid4(),
                    session_id=session_id,
                    application_id=data.application_id,
                    position=position,
                    added_at=ctx.now,
                )
                .returning(_item)
            )
        ).one()
        people = await _attendance(ctx.session, session_id)
        detected = await _record_detected(ctx, row, people, [item])
        await ctx.audit(
            action=AuditAction.JURY_AGENDA_ITEM_ADDED,
            object_type="jury_session",
            object_id=session_id,
            after={
                "item_id": str(item.id),
                "application_id": str(data.application_id),
                "position": position,
                "exclusions_detected": detected,
            },
        )
        return await _session_public(ctx, row)


async def record_exclusion(
    ctx: UserContext,
    guideline_id: str,
    call_code: str,
    session_id: uuid.UUID,
    item_id: uuid.UUID,
    data: ExclusionCreate,
) -> SessionPublic:
    """A member leaves the deliberation of an item (§ 20 Abs. 4 Satz 4)."""
    async with ctx.session.begin():
        row = await _session_row(ctx, guideline_id, call_code, session_id, for_update=True)
        ensure_status(
            SessionStatus(row.status),
            {SessionStatus.PLANNED, SessionStatus.OPEN},
            Text("Einen Ausschluss zu erfassen", "recording an exclusion"),
        )
        item = await _item_row(ctx.session, session_id, item_id)
        if item.resolution is not None:
            raise Conflict(
                "Zu diesem Punkt ist bereits beschlossen; ein Ausschluss ist vor der Abstimmung "
                "zu erfassen (the item is resolved already).",
                extra={"resolution": item.resolution},
            )
        members = {m.id for m in await _active_members(ctx.session, guideline_id, call_code)}
        members.update(p.member_id for p in await _attendance(ctx.session, session_id))
        if data.member_id not in members:
            raise NotFound(f"Jurymitglied {data.member_id} nicht gefunden (member not found)")
        inserted = (
            await ctx.session.execute(
                pg_insert(_exc)
                .values(
                    item_id=item_id,
                    member_id=data.member_id,
                    session_id=session_id,
                    ground=data.ground.value,
                    legal_basis=_exclusion_basis(data.ground),
                    source=data.source.value,
                    reason=data.reason.strip(),
                    recorded_by=ctx.principal.user_id,
                    recorded_at=ctx.now,
                )
                .on_conflict_do_nothing()
                .returning(_exc.c.member_id)
            )
        ).first()
        if inserted is None:
            raise Conflict(
                "Das Jurymitglied ist von diesem Punkt bereits ausgeschlossen (already excluded)."
            )
        await ctx.audit(
            action=AuditAction.JURY_MEMBER_EXCLUDED,
            object_type="jury_session",
            object_id=session_id,
            after={
                "item_id": str(item_id),
                "member_id": str(data.member_id),
                "ground": data.ground.value,
                "legal_basis": _exclusion_basis(data.ground),
                "source": data.source.value,
                "reason": data.reason.strip(),
            },
        )
        return await _session_public(ctx, row)


async def record_vote(
    ctx: UserContext,
    guideline_id: str,
    call_code: str,
    session_id: uuid.UUID,
    item_id: uuid.UUID,
    data: VoteCreate,
) -> ItemPublic:
    """A motion on an item: quorum (§ 90), ballots only from members present and not
    excluded (§ 20 Abs. 4), majority (§ 91). A carried motion is the item's resolution."""
    async with ctx.session.begin():
        row = await _session_row(ctx, guideline_id, call_code, session_id, for_update=True)
        ensure_status(
            SessionStatus(row.status),
            {SessionStatus.OPEN},
            Text("Eine Abstimmung zu erfassen", "recording a vote"),
        )
        item = await _item_row(ctx.session, session_id, item_id)
        if item.resolution is not None:
            raise Conflict(
                "Zu diesem Punkt ist bereits beschlossen (the item is resolved already).",
                extra={"resolution": item.resolution},
            )
        people = await _attendance(ctx.session, session_id)
        await _record_detected(ctx, row, people, [item])
        excluded = {
            r.member_id
            for r in (
                await ctx.session.execute(
                    sa.select(_exc.c.member_id).where(_exc.c.item_id == item_id)
                )
            )
        }
        ballots = {str(b.member_id): b.vote for b in data.ballots}
        check_ballots(
            ballots,
            members={str(p.member_id) for p in people},
            present={str(p.member_id) for p in people if p.present},
            excluded={str(m) for m in excluded},
        )
        found = _quorum_of(row, people, excluded)
        ensure_quorate(found)
        chair = next((p.member_id for p in people if p.role is JuryRole.CHAIR), None)
        result = tally(ballots, None if chair is None else str(chair))
        round_number = (
            await ctx.session.execute(
                sa.select(sa.func.coalesce(sa.func.max(_vote.c.round), 0)).where(
                    _vote.c.item_id == item_id
                )
            )
        ).scalar_one() + 1
        vote = (
            await ctx.session.execute(
                sa.insert(_vote)
                .values(
                    id=uuid.uuid4(),
                    item_id=item_id,
                    session_id=session_id,
                    round=round_number,
                    motion=data.motion.value,
                    yes=result.yes,
                    no=result.no,
                    abstain=result.abstain,
                    carried=result.carried,
                    casting_vote=result.casting_vote,
                    members=found.members,
                    present=found.present,
                    required=found.required,
                    recorded_by=ctx.principal.user_id,
                    recorded_at=ctx.now,
                )
                .returning(_vote)
            )
        ).one()
        await ctx.session.execute(
            sa.insert(_bal),
            [
                {
                    "vote_id": vote.id,
                    "member_id": b.member_id,
                    "item_id": item_id,
                    "session_id": session_id,
                    "choice": b.vote.value,
                }
                for b in data.ballots
            ],
        )
        if result.carried:
            await ctx.session.execute(
                sa.update(_item)
                .where(_item.c.id == item_id)
                .values(resolution=data.motion.value, resolved_at=ctx.now)
            )
        await ctx.audit(
            action=AuditAction.JURY_VOTE_RECORDED,
            object_type="jury_session",
            object_id=session_id,
            after={
                "item_id": str(item_id),
                "application_id": str(item.application_id),
                "round": round_number,
                "motion": data.motion.value,
                "yes": result.yes,
                "no": result.no,
                "abstain": result.abstain,
                "carried": result.carried,
                "casting_vote": result.casting_vote,
                "quorum": [found.present, found.members, found.required],
                "ballots": {member: vote.value for member, vote in sorted(ballots.items())},
            },
        )
        session_out = await _session_public(ctx, row)
    return next(i for i in session_out.items if i.id == item_id)


async def close_session(
    ctx: UserContext, guideline_id: str, call_code: str, session_id: uuid.UUID
) -> MinutesPublic:
    """open → closed, writing the minutes (§ 93) with their SHA-256. Items without a carried
    motion are recorded as deferred."""
    async with ctx.session.begin():
        row = await _session_row(ctx, guideline_id, call_code, session_id, for_update=True)
        next_status(SessionStatus(row.status), SessionStatus.CLOSED)
        people = await _attendance(ctx.session, session_id)
        items = await _items(ctx.session, session_id)
        await _record_detected(ctx, row, people, items)
        recorded = await _exclusions(ctx.session, session_id)
        votes, ballots = await _votes(ctx.session, session_id)
        secretary = (
            await ctx.session.execute(
                sa.select(_users.c.display_name).where(_users.c.id == ctx.principal.user_id)
            )
        ).scalar() or ctx.principal.display_name
        minutes = build_minutes(
            SessionRecord(
                id=str(row.id),
                guideline_id=row.guideline_id,
                call_code=row.call_code,
                place=row.place,
                starts_at=row.starts_at,
                opened_at=row.opened_at,
                closed_at=ctx.now,
                reconvened=row.reconvened,
            ),
            [
                MemberRecord(str(p.member_id), p.name, p.organisation, p.role, p.present)
                for p in people
            ],
            [
                ItemRecord(
                    position=item.position,
                    application_id=str(item.application_id),
                    reference_number=item.reference_number,
                    title=item.submitted_title or "",
                    exclusions=[
                        ExclusionRecord(
                            str(e.member_id),
                            Ground(e.ground),
                            e.legal_basis,
                            ExclusionSource(e.source),
                            e.reason,
                        )
                        for e in recorded.get(item.id, [])
                    ],
                    votes=[
                        VoteRecord(
                            round=v.round,
                            motion=Recommendation(v.motion),
                            ballots={str(k): b for k, b in ballots.get(v.id, {}).items()},
                            tally=_stored_tally(v),
                            quorum=Quorum(
                                v.members,
                                v.present,
                                v.required,
                                row.reconvened or v.present >= v.required,
                                row.reconvened,
                            ),
                        )
                        for v in votes.get(item.id, [])
                    ],
                    resolution=None if item.resolution is None else Recommendation(item.resolution),
                )
                for item in items
            ],
            secretary=(str(ctx.principal.user_id), secretary),
        )
        digest = minutes_digest(minutes)
        await ctx.session.execute(
            sa.insert(_min).values(
                session_id=session_id,
                minutes=minutes,
                sha256=digest,
                created_by=ctx.principal.user_id,
                created_at=ctx.now,
            )
        )
        await ctx.session.execute(
            sa.update(_ses)
            .where(_ses.c.id == session_id)
            .values(
                status=SessionStatus.CLOSED.value,
                closed_at=ctx.now,
                closed_by=ctx.principal.user_id,
            )
        )
        await ctx.audit(
            action=AuditAction.JURY_SESSION_CLOSED,
            object_type="jury_session",
            object_id=session_id,
            before={"status": SessionStatus.OPEN.value},
            after={
                "status": SessionStatus.CLOSED.value,
                "minutes_sha256": digest,
                "resolutions": {str(item.application_id): item.resolution for item in items},
            },
        )
    return MinutesPublic(session_id=session_id, sha256=digest, created_at=ctx.now, minutes=minutes)


# --- for the decision services --------------------------------------------------------------


class JuryResolution(NamedTuple):
    recommendation: Recommendation
    session_id: uuid.UUID
    closed_at: datetime
    minutes_sha256: str


async def resolution_of(session: AsyncSession, application_id: uuid.UUID) -> JuryResolution | None:
    """The jury's resolution on an application, from the most recently closed minutes that
    hold one; None when no closed session resolved it."""
    row = (
        await session.execute(
            sa.select(_item.c.resolution, _ses.c.id, _ses.c.closed_at, _min.c.sha256)
            .select_from(
                _item.join(_ses, _ses.c.id == _item.c.session_id).join(
                    _min, _min.c.session_id == _ses.c.id
                )
            )
            .where(
                _item.c.application_id == application_id,
                _item.c.resolution.is_not(None),
                _ses.c.status == SessionStatus.CLOSED.value,
            )
            .order_by(_ses.c.closed_at.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return JuryResolution(Recommendation(row.resolution), row.id, row.closed_at, row.sha256)
