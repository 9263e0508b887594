"""The assignment board in the managers' portal: per application of a call's line, who
evaluates it, in which state, the conflicts detected since (with the paragraph they rest
on) and the declines with their reasons, and how many conflict-free evaluators it still
lacks; per evaluator the load against the cap. Balanced auto-assignment of the whole line
and the reassignment of one application from one evaluator to another (or to the least
loaded free one).

The same services as ``/api/evaluation/assignments``; managers and admins only."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.deadlines import DEFAULT_REVIEW_DAYS
from grants.core.errors import DomainError, NotFound
from grants.core.roles import MANAGER_ROLES
from grants.evaluation.assignment import service as assignments
from grants.evaluation.assignment.schemas import AutoAssignRequest, ReassignRequest
from grants.evaluation.ranking import service as rankings
from grants.web.next_steps import status_label
from grants.web.pages import form_values, page, see_other, staff_context
from grants.web.templating import N_, local, translate

ASSIGNMENT_STATUS = {
    "pending": N_("noch nicht angenommen"),
    "accepted": N_("angenommen"),
    "declined": N_("abgegeben"),
    "withdrawn": N_("zurückgezogen"),
}


def _outcome(params: Any) -> str:
    """The message after a POST, from the numbers in the address (never text from it)."""
    counts = {k: params.get(k, "") for k in ("neu", "beibehalten", "entfernt")}
    if params.get("ergebnis") == "automatisch" and all(v.isdigit() for v in counts.values()):
        return (
            translate(
                N_(
                    "Automatisch zugeordnet: %(neu)s neu, %(beibehalten)s beibehalten, "
                    "%(entfernt)s entfernt."
                )
            )
            % counts
        )
    if params.get("ergebnis") == "umverteilt":
        return translate(N_("Neu zugeordnet."))
    return ""


class AssignmentPages(Controller):
    include_in_schema = False
    path = "/verwaltung/zuordnung/{call:str}"

    async def _board(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        now: datetime,
        call: str,
        *,
        line: str | None = None,
        message: str = "",
        errors: list[str] | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        guideline, found = rankings.find_call(state.guidelines, call)
        line = line or request.query_params.get("linie") or found.lines[0]
        rankings.check_line(found, line)
        board = await assignments.board(
            context, guideline_id=guideline.id, call=found.code, funding_line=line
        )
        report = await assignments.shortfall_report(
            context,
            guideline_id=guideline.id,
            call=found.code,
            funding_line=line,
            per_application=None,
        )
        if db_session.in_transaction():
            await db_session.commit()
        funding_line = guideline.line(line)
        return await page(
            request,
            "manager_assignments.html",
            status_code=status_code,
            guideline=guideline,
            call=found,
            line=line,
            line_label=local(funding_line.label) if funding_line else line,
            board=board,
            shortfalls={s.application_id: s for s in report.shortfalls},
            message=message,
            errors=errors or [],
            assignment_status=ASSIGNMENT_STATUS,
            status_label=status_label,
        )

    @get(exclude_from_auth=True, name="web:assignment-board")
    async def show(
        self,
        request: Request[Any, Any, Any],
        call: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        return await self._board(
            request, state, db_session, now, call, message=_outcome(request.query_params)
        )

    @post("/automatisch", exclude_from_auth=True, name="web:assignment-auto")
    async def auto(
        self,
        request: Request[Any, Any, Any],
        call: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        values = form_values(await request.form())
        line = values.get("linie", "")
        guideline, found = rankings.find_call(state.guidelines, call)
        per = values.get("je_antrag", "").strip()
        days = values.get("frist_tage", "").strip()
        try:
            body = AutoAssignRequest(
                guideline=guideline.id,
                call=found.code,
                funding_line=line,
                per_application=int(per) if per.isdigit() else None,
                due_in_days=int(days) if days.isdigit() else DEFAULT_REVIEW_DAYS,
            )
            result = await assignments.auto_assign(context, body)
        except (ValidationError, DomainError) as error:
            detail = error.detail if isinstance(error, DomainError) else str(error)
            return await self._board(
                request, state, db_session, now, call, line=line or None, errors=[detail],
                status_code=422,
            )  # fmt: skip
        return see_other(
            f"/verwaltung/zuordnung/{found.code}?linie={line}&ergebnis=automatisch"
            f"&neu={result.added}&beibehalten={result.kept}&entfernt={len(result.removed)}"
        )

    @post("/umverteilen", exclude_from_auth=True, name="web:assignment-reassign")
    async def reassign(
        self,
        request: Request[Any, Any, Any],
        call: FromPath[str],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        values = form_values(await request.form())
        line = values.get("linie", "")
        _, found = rankings.find_call(state.guidelines, call)
        try:
            to = values.get("an", "").strip()
            body = ReassignRequest(
                application_id=uuid.UUID(values.get("antrag", "")),
                from_evaluator_id=uuid.UUID(values.get("von", "")),
                to_evaluator_id=uuid.UUID(to) if to else None,
                reason=values.get("grund", "").strip() or None,
            )
        except (ValueError, ValidationError) as error:
            raise NotFound(N_("Unter dieser Adresse gibt es keine Seite.")) from error
        try:
            await assignments.reassign_application(context, body)
        except NotFound:
            raise
        except DomainError as error:
            return await self._board(
                request, state, db_session, now, call, line=line or None,
                errors=[error.detail], status_code=422,
            )  # fmt: skip
        return see_other(f"/verwaltung/zuordnung/{found.code}?linie={line}&ergebnis=umverteilt")
