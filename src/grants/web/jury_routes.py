"""The jury in the managers' portal: a call's members, its sessions planned, opened and
closed; in a session the attendance (and so the quorum, § 90 VwVfG), the agenda, for each
item who left for it (§ 20 / § 21 VwVfG, declared or decided by the committee; detected
ties shown), the votes by ballot, and the minutes, fixed with their hash when the session
closes.

The same service as ``/api/calls/{guideline}/{call}/jury``; managers and admins only."""

import uuid
from datetime import date, datetime, time
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import listing
from grants.applications.cursor import cursor_key
from grants.context import UserContext
from grants.core.conflicts import Ground
from grants.core.errors import DomainError, NotFound
from grants.core.jury import ROLE_LABELS, STATUS_LABELS, Ballot, JuryRole
from grants.core.lifecycle import State as Status
from grants.core.roles import MANAGER_ROLES
from grants.evaluation.jury import service as jury
from grants.evaluation.jury.schemas import (
    AttendanceUpdate,
    BallotIn,
    ExclusionCreate,
    ItemCreate,
    MemberCreate,
    SessionCreate,
    VoteCreate,
)
from grants.web.pages import error_lines, form_values, page, see_other, staff_context
from grants.web.templating import BERLIN, N_

GROUNDS = {
    Ground.PARTY.value: N_("§ 20 Abs. 1 Nr. 1 VwVfG: selbst beteiligt"),
    Ground.RELATIVE_OF_PARTY.value: N_("§ 20 Abs. 1 Nr. 2 VwVfG: Angehörige/r einer Beteiligten"),
    Ground.REPRESENTATIVE.value: N_("§ 20 Abs. 1 Nr. 3 VwVfG: vertritt eine Beteiligte"),
    Ground.RELATIVE_OF_REPRESENTATIVE.value: N_(
        "§ 20 Abs. 1 Nr. 4 VwVfG: Angehörige/r einer Vertreterin"
    ),
    Ground.EMPLOYED_OR_ORGAN.value: N_("§ 20 Abs. 1 Nr. 5 VwVfG: bei einer Beteiligten tätig"),
    Ground.PRIOR_INVOLVEMENT.value: N_("§ 20 Abs. 1 Nr. 6 VwVfG: in der Sache schon tätig"),
    Ground.EXCLUDED.value: N_("§ 20 VwVfG, ohne Angabe der Nummer"),
    Ground.BIAS.value: N_("§ 21 VwVfG: Besorgnis der Befangenheit"),
}
SOURCES = {
    "declared": N_("selbst angezeigt und den Raum verlassen"),
    "committee": N_("vom Ausschuss entschieden"),
}
MOTIONS = {
    "recommended": N_("zur Förderung empfehlen"),
    "reserve": N_("auf die Nachrückliste setzen"),
    "not_recommended": N_("nicht empfehlen"),
}
BALLOTS = {
    Ballot.YES.value: N_("ja"),
    Ballot.NO.value: N_("nein"),
    Ballot.ABSTAIN.value: N_("Enthaltung"),
}
AGENDA_STATES = (Status.IN_REVIEW, Status.REVIEWED)


class JuryPages(Controller):
    include_in_schema = False
    path = "/verwaltung/jury/{guideline_id:str}/{call_code:str}"

    async def _context(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, now: datetime
    ) -> UserContext:
        return await staff_context(request, db_session, now, *MANAGER_ROLES)

    async def _overview(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        guideline_id: str,
        call_code: str,
        *,
        errors: list[str] | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        members = await jury.list_members(context, guideline_id, call_code)
        sessions = await jury.list_sessions(context, guideline_id, call_code)
        return await page(
            request,
            "manager_jury.html",
            status_code=status_code,
            guideline_id=guideline_id,
            call_code=call_code,
            members=members,
            sessions=sessions,
            errors=errors or [],
            roles=[(r.value, ROLE_LABELS[r]) for r in JuryRole],
            role_labels={r.value: ROLE_LABELS[r] for r in JuryRole},
            status_labels={s.value: STATUS_LABELS[s] for s in STATUS_LABELS},
        )

    @get(exclude_from_auth=True, name="web:jury")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await self._context(request, db_session, now)
        return await self._overview(request, context, guideline_id, call_code)

    @post("/mitglieder", exclude_from_auth=True, name="web:jury-member-add")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await self._context(request, db_session, now)
        values = form_values(await request.form())
        try:
            body = MemberCreate(
                name=values.get("name", "").strip(),
                organisation=values.get("organisation", "").strip(),
                role=JuryRole(values.get("rolle", "member")),
            )
            await jury.add_member(context, guideline_id, call_code, body)
        except NotFound:
            raise
        except (ValidationError, DomainError, ValueError) as error:
            return await self._overview(
                request, context, guideline_id, call_code, errors=error_lines(error),
                status_code=422,
            )  # fmt: skip
        return see_other(f"/verwaltung/jury/{guideline_id}/{call_code}")

    @post(
        "/mitglieder/{member_id:uuid}/entfernen",
        exclude_from_auth=True,
        name="web:jury-member-remove",
    )
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        member_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await self._context(request, db_session, now)
        try:
            await jury.remove_member(context, guideline_id, call_code, member_id)
        except NotFound:
            raise
        except DomainError as error:
            return await self._overview(
                request, context, guideline_id, call_code, errors=error_lines(error),
                status_code=422,
            )  # fmt: skip
        return see_other(f"/verwaltung/jury/{guideline_id}/{call_code}")

    @post("/sitzungen", exclude_from_auth=True, name="web:jury-session-plan")
    async def plan(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await self._context(request, db_session, now)
        values = form_values(await request.form())
        try:
            starts = datetime.combine(
                date.fromisoformat(values.get("datum", "")),
                time.fromisoformat(values.get("uhrzeit", "") or "10:00"),
                tzinfo=BERLIN,
            )
            body = SessionCreate(
                place=values.get("ort", "").strip(),
                starts_at=starts,
                reconvened=values.get("erneut") == "ja",
            )
            created = await jury.create_session(context, guideline_id, call_code, body)
        except NotFound:
            raise
        except (ValidationError, DomainError, ValueError) as error:
            return await self._overview(
                request, context, guideline_id, call_code, errors=error_lines(error),
                status_code=422,
            )  # fmt: skip
        return see_other(f"/verwaltung/jury/{guideline_id}/{call_code}/sitzungen/{created.id}")

    # --- one session ----------------------------------------------------------------------

    async def _session_page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        context: UserContext,
        guideline_id: str,
        call_code: str,
        session_id: uuid.UUID,
        *,
        errors: list[str] | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        found = await jury.get_session(context, guideline_id, call_code, session_id)
        members = await jury.list_members(context, guideline_id, call_code)
        candidates = await listing.list_applications(
            context,
            listing.ListFilters(call=call_code, statuses=AGENDA_STATES),
            sort="reference_number",
            limit=500,
            cursor=None,
            cursor_key=cursor_key(state.settings.secret_key.get_secret_value()),
        )
        minutes = None
        if found.status == "closed":
            minutes = await jury.get_minutes(context, guideline_id, call_code, session_id)
        if context.session.in_transaction():
            await context.session.commit()
        on_agenda = {item.application_id for item in found.items}
        return await page(
            request,
            "manager_jury_session.html",
            status_code=status_code,
            guideline_id=guideline_id,
            call_code=call_code,
            jury_session=found,
            members=members,
            candidates=[a for a in candidates.items if a.id not in on_agenda],
            minutes=minutes,
            errors=errors or [],
            grounds=list(GROUNDS.items()),
            sources=list(SOURCES.items()),
            motions=list(MOTIONS.items()),
            motion_labels=MOTIONS,
            ballots=list(BALLOTS.items()),
            role_labels={r.value: ROLE_LABELS[r] for r in JuryRole},
            status_labels={s.value: STATUS_LABELS[s] for s in STATUS_LABELS},
        )

    @get("/sitzungen/{session_id:uuid}", exclude_from_auth=True, name="web:jury-session")
    async def session(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        session_id: FromPath[uuid.UUID],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await self._context(request, db_session, now)
        return await self._session_page(
            request, state, context, guideline_id, call_code, session_id
        )

    @post(
        "/sitzungen/{session_id:uuid}/{step:str}",
        exclude_from_auth=True,
        name="web:jury-session-step",
    )
    async def session_step(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        session_id: FromPath[uuid.UUID],
        step: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        """One step of a sitting: eroeffnen, anwesenheit, tagesordnung, ausschluss, abstimmung,
        schliessen (each the service's own, in its own transaction)."""
        context = await self._context(request, db_session, now)
        values = form_values(await request.form())
        anchor = ""
        try:
            if step == "eroeffnen":
                await jury.open_session(context, guideline_id, call_code, session_id)
            elif step == "anwesenheit":
                await jury.set_attendance(
                    context, guideline_id, call_code, session_id,
                    uuid.UUID(values.get("mitglied", "")),
                    AttendanceUpdate(present=values.get("anwesend") == "ja"),
                )  # fmt: skip
                anchor = "#anwesenheit"
            elif step == "tagesordnung":
                await jury.add_item(
                    context, guideline_id, call_code, session_id,
                    ItemCreate(application_id=uuid.UUID(values.get("antrag", ""))),
                )  # fmt: skip
                anchor = "#tagesordnung"
            elif step == "ausschluss":
                item_id = uuid.UUID(values.get("punkt", ""))
                await jury.record_exclusion(
                    context, guideline_id, call_code, session_id, item_id,
                    ExclusionCreate(
                        member_id=uuid.UUID(values.get("mitglied", "")),
                        ground=Ground(values.get("grund", "")),
                        source=values.get("quelle", "declared"),
                        reason=values.get("erlaeuterung", "").strip(),
                    ),
                )  # fmt: skip
                anchor = f"#punkt-{item_id}"
            elif step == "abstimmung":
                item_id = uuid.UUID(values.get("punkt", ""))
                ballots = [
                    BallotIn(member_id=uuid.UUID(key.removeprefix("stimme-")), vote=Ballot(vote))
                    for key, vote in values.items()
                    if key.startswith("stimme-") and vote in BALLOTS
                ]
                await jury.record_vote(
                    context, guideline_id, call_code, session_id, item_id,
                    VoteCreate(motion=values.get("antrag_beschluss", ""), ballots=ballots),
                )  # fmt: skip
                anchor = f"#punkt-{item_id}"
            elif step == "schliessen":
                await jury.close_session(context, guideline_id, call_code, session_id)
                anchor = "#niederschrift"
            else:
                raise NotFound(N_("Unter dieser Adresse gibt es keine Seite."))
        except NotFound:
            raise
        except (ValidationError, DomainError, ValueError) as error:
            if db_session.in_transaction():
                await db_session.rollback()
            return await self._session_page(
                request, state, context, guideline_id, call_code, session_id,
                errors=error_lines(error), status_code=422,
            )  # fmt: skip
        return see_other(
            f"/verwaltung/jury/{guideline_id}/{call_code}/sitzungen/{session_id}{anchor}"
        )
