"""The evaluator's pages: my assignments, accepting one or giving it back (with a declaration
of a conflict of interest where there is one), and the score sheet beside the proposal as
far as evaluating needs it — saved as a draft with the version it was loaded at (a save over
a newer version, from another tab, is a conflict page that keeps the input and names the
criteria that differ), submitted, and afterwards the other evaluators' anonymised sheets.

The same services as ``/api/my/assignments`` and ``/api/score-sheets``: the access rule is
theirs (the evaluator's own active, conflict-free assignment of an application in review,
in the SQL), so an unassigned or conflicted application is the same 404 here as there."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.params import FromPath
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.attachments.storage import Storage
from grants.context import UserContext
from grants.core.errors import DomainError, InvalidInput, NotFound, PreconditionFailed
from grants.core.roles import StaffRole
from grants.evaluation.assignment import evaluator_view
from grants.evaluation.assignment.schemas import MyAssignment
from grants.evaluation.scoring import service as sheets
from grants.evaluation.scoring.schemas import ScoreSheetPublic
from grants.http.downloads import download_response
from grants.web import evaluator_forms
from grants.web.draft_forms import CONCEPT_FIELDS
from grants.web.forms import FormErrors
from grants.web.pages import (
    form_values,
    language_of,
    page,
    see_other,
    staff_context,
    translated,
)
from grants.web.templating import BERLIN, N_, translate

EVALUATORS = (StaffRole.EVALUATOR.value,)

_NOT_SAVED = N_("Nicht gespeichert: Bitte prüfen Sie die markierten Angaben.")
_AUTOSAVE_CONFLICT = N_(
    "Nicht automatisch gespeichert: Der Bewertungsbogen wurde inzwischen an anderer Stelle "
    "gespeichert (etwa in einem anderen Tab). Ihre Eingaben stehen weiter hier; mit "
    "„Entwurf speichern“ sehen Sie, was abweicht."
)


def _json(status: int, **body: Any) -> Response[dict[str, Any]]:
    return Response(body, status_code=status, media_type=MediaType.JSON)


def _labels(sheet: ScoreSheetPublic, language: str) -> dict[str, str]:
    return {
        c.code: f"{c.code} {c.label_de if language == 'de' else c.label_en}" for c in sheet.criteria
    }


async def _mine(context: UserContext, assignment_id: uuid.UUID) -> MyAssignment:
    found = next(
        (a for a in await evaluator_view.my_assignments(context) if a.id == assignment_id), None
    )
    if found is None:
        raise evaluator_view.assignment_not_found(assignment_id)
    return found


class EvaluatorPages(Controller):
    include_in_schema = False
    path = "/begutachtung"

    @get(exclude_from_auth=True, name="web:assignments")
    async def assignments(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *EVALUATORS)
        mine = await evaluator_view.my_assignments(context)
        states = await sheets.my_sheet_states(context)
        await db_session.commit()
        return await page(
            request,
            "evaluator_assignments.html",
            pending=[a for a in mine if a.status == "pending"],
            accepted=[a for a in mine if a.status == "accepted"],
            sheet_states=states,
            declined="abgegeben" in request.query_params,
            now=now,
        )

    async def _render(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        assignment_id: uuid.UUID,
        *,
        values: dict[str, str] | None = None,
        version: int | None = None,
        errors: FormErrors | None = None,
        conflict: list[str] | None = None,
        status_code: int = 200,
        saved: bool = False,
    ) -> Response[str]:
        assignment = await _mine(context, assignment_id)
        view = await evaluator_view.assignment_application(context, assignment_id)
        sheet = await sheets.get_sheet(context, assignment_id)
        await context.session.commit()
        labels = _labels(sheet, language_of(request))
        registry = request.app.state.guidelines
        guideline = registry.get(str(view.guideline.get("id", "")))
        return await page(
            request,
            "evaluator_assignment.html",
            status_code=status_code,
            assignment=assignment,
            view=view,
            sheet=sheet,
            labels=labels,
            field_labels=evaluator_forms.field_labels(labels),
            concept_fields=CONCEPT_FIELDS,
            minimum_rule=guideline.rubric.criterion_minimum_rule if guideline else "mean",
            objectives={o.code: o.label for o in guideline.objectives} if guideline else {},
            categories={c.code: c.label for c in guideline.cost_categories} if guideline else {},
            values=values if values is not None else evaluator_forms.values_of(sheet.scores),
            version=sheet.version if version is None else version,
            errors=(errors or FormErrors()).by_field,
            conflict=conflict,
            saved=saved,
            score_id=evaluator_forms.score_id,
            justification_id=evaluator_forms.justification_id,
            justification_max=evaluator_forms.JUSTIFICATION_MAX,
        )

    @get("/{assignment_id:uuid}", exclude_from_auth=True, name="web:assignment")
    async def show(
        self,
        request: Request[Any, Any, Any],
        assignment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *EVALUATORS)
        return await self._render(
            request, context, assignment_id, saved="gespeichert" in request.query_params
        )

    @post("/{assignment_id:uuid}/annehmen", exclude_from_auth=True, name="web:assignment-accept")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        assignment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *EVALUATORS)
        await db_session.commit()
        await evaluator_view.accept_assignment(context, assignment_id)
        return see_other(f"/begutachtung/{assignment_id}")

    async def _decline_page(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        assignment_id: uuid.UUID,
        *,
        values: dict[str, str],
        errors: FormErrors,
        status_code: int = 200,
    ) -> Response[str]:
        assignment = await _mine(context, assignment_id)
        await context.session.commit()
        return await page(
            request,
            "evaluator_decline.html",
            status_code=status_code,
            assignment=assignment,
            values=values,
            errors=errors.by_field,
            kinds=evaluator_forms.decline_options(),
        )

    @get("/{assignment_id:uuid}/abgeben", exclude_from_auth=True, name="web:assignment-decline")
    async def decline_form(
        self,
        request: Request[Any, Any, Any],
        assignment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *EVALUATORS)
        return await self._decline_page(
            request, context, assignment_id, values={}, errors=FormErrors()
        )

    @post(
        "/{assignment_id:uuid}/abgeben", exclude_from_auth=True, name="web:assignment-decline-post"
    )
    async def decline(
        self,
        request: Request[Any, Any, Any],
        assignment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *EVALUATORS)
        values = form_values(await request.form())
        declined, errors = evaluator_forms.parse_decline(values)
        if declined is None:
            return await self._decline_page(
                request, context, assignment_id, values=values, errors=errors, status_code=422
            )
        await db_session.commit()
        await evaluator_view.decline_assignment(context, assignment_id, declined)
        return see_other("/begutachtung?abgegeben")

    @post("/{assignment_id:uuid}/bewertung", exclude_from_auth=True, name="web:sheet-save")
    async def save(
        self,
        request: Request[Any, Any, Any],
        assignment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *EVALUATORS)
        values = form_values(await request.form())
        version = values.pop("version", "")
        action = values.pop("aktion", "speichern")
        autosave = request.headers.get("x-autosave") == "1"
        current = await sheets.get_sheet(context, assignment_id)
        await db_session.commit()
        labels = _labels(current, language_of(request))
        codes = [c.code for c in current.criteria]
        draft, errors = evaluator_forms.parse_sheet(values, codes)
        shown_version = int(version) if version.isdigit() else current.version
        if draft is not None:
            saved: ScoreSheetPublic | None = None
            try:
                saved = await sheets.save_draft(
                    context, assignment_id, draft, if_match=f'"{version}"' if version else None
                )
                if action == "einreichen" and not autosave:
                    await sheets.submit_sheet(context, assignment_id, if_match=f'"{saved.version}"')
            except PreconditionFailed:
                if autosave:
                    return _json(409, message=translated(request, _AUTOSAVE_CONFLICT))
                stored = await sheets.get_sheet(context, assignment_id)
                await db_session.commit()
                changed = evaluator_forms.changed_criteria(
                    values, evaluator_forms.values_of(stored.scores), codes
                )
                return await self._render(
                    request,
                    context,
                    assignment_id,
                    values=values,
                    version=stored.version,
                    conflict=[labels[code] for code in changed],
                    status_code=409,
                )
            except NotFound:
                raise
            except InvalidInput as error:
                # Saved as a draft, but not complete enough to submit: the missing scores
                # and justifications at their fields (the draft keeps what was entered).
                errors = evaluator_forms.sheet_errors(error.problems)
                errors.by_field = {"form": error.detail, **errors.by_field}
                shown_version = saved.version if saved is not None else shown_version
            except DomainError as error:
                errors.add("form", error.detail)
                shown_version = saved.version if saved is not None else shown_version
            else:
                if autosave and saved is not None:
                    return _json(
                        200,
                        version=saved.version,
                        message=translate(
                            N_("Automatisch gespeichert um %(time)s Uhr (Fassung %(version)s).")
                        )
                        % {"time": f"{now.astimezone(BERLIN):%H:%M}", "version": saved.version},
                    )
                suffix = "" if action == "einreichen" else "?gespeichert"
                return see_other(f"/begutachtung/{assignment_id}{suffix}")
        if autosave:
            return _json(
                422,
                message=translate(N_("Nicht automatisch gespeichert: Bitte prüfen Sie %(what)s"))
                % {"what": "; ".join(errors.by_field.values())},
            )
        if "form" not in errors.by_field:
            errors.by_field = {"form": translate(_NOT_SAVED), **errors.by_field}
        return await self._render(
            request,
            context,
            assignment_id,
            values=values,
            version=shown_version,
            errors=errors,
            status_code=422,
        )

    @get(
        "/{assignment_id:uuid}/unterlagen/{attachment_id:uuid}",
        exclude_from_auth=True,
        name="web:assignment-attachment",
    )
    async def attachment(
        self,
        request: Request[Any, Any, Any],
        assignment_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        storage: NamedDependency[Storage],
    ) -> Stream:
        context = await staff_context(request, db_session, now, *EVALUATORS)
        found = await evaluator_view.open_attachment(
            context, assignment_id, attachment_id, storage=storage
        )
        await db_session.commit()
        return download_response(found.attachment, found.chunks)
