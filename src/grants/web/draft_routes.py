"""The proposal form: one page per step, each saved with the draft's version (the API's
``If-Match``), so that two tabs editing one draft cannot overwrite each other unseen — the
second save gets a conflict page with the user's input kept and the fields that differ named,
and saves over the newer version only when asked to again. Saving works without JavaScript
("Speichern", "Weiter", "Zurück", adding and removing rows are buttons); the eligibility
verdict of the saved draft stands beside the form. The last step checks and submits."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import checking, drafts, submission
from grants.applications.schemas import ApplicationPublic, SubmissionRequest
from grants.context import UserContext
from grants.core.errors import DomainError, NotFound, PreconditionFailed
from grants.core.lifecycle import State
from grants.guidelines.registry import GuidelineRegistry
from grants.municipalities.service import municipality_choices
from grants.web import draft_forms
from grants.web.forms import FormErrors
from grants.web.next_steps import status_label
from grants.web.pages import (
    form_values,
    page,
    require_user,
    see_other,
    signed_in_context,
    user_context,
)
from grants.web.templating import BERLIN, N_, translate

_NOT_SAVED = N_("Nicht gespeichert: Bitte prüfen Sie die markierten Angaben.")
_AUTOSAVE_CONFLICT = N_(
    "Nicht automatisch gespeichert: Der Entwurf wurde inzwischen an anderer Stelle geändert "
    "(etwa in einem anderen Tab). Ihre Eingaben stehen weiter hier; mit „Speichern“ sehen "
    "Sie, was abweicht, und entscheiden, welche Fassung gilt."
)


def _autosave_answer(status: int, **body: Any) -> Response[dict[str, Any]]:
    return Response(body, status_code=status, media_type=MediaType.JSON)


def _step_form(
    form: Any,
) -> tuple[dict[str, str], list[str], str, str, tuple[str, int] | None]:
    """A posted step: its values, the ticked objectives, the button pressed, the version
    the page was loaded with, and the row an "Entfernen" button names."""
    values = form_values(form)
    objectives = [v for v in form.getall("objectives", []) if isinstance(v, str)]
    values["objectives"] = ",".join(sorted(objectives))
    action = values.pop("aktion", "speichern")
    version = values.pop("version", "")
    remove = None
    if action.startswith("entfernen:"):
        prefix, _, number = action.removeprefix("entfernen:").partition("-")
        if prefix in draft_forms.ROWS and number.isdigit():
            remove = (prefix, int(number))
    return values, objectives, action, version, remove


def _refusal(error: DomainError, parsed: draft_forms.Parsed) -> FormErrors:
    """The service's refusal on the fields it names (the API's dotted paths)."""
    errors = FormErrors()
    for problem in error.problems:
        errors.add(draft_forms.field_id(tuple(problem.field.split(".")), parsed), problem.message)
    if not errors:
        errors.add("form", error.detail)
    return errors


def _step_or_404(step: str) -> draft_forms.Step:
    found = draft_forms.STEP_BY_SLUG.get(step)
    if found is None:
        raise NotFound(f"Einen Schritt „{step}“ gibt es nicht (no such step).")
    return found


def _row_numbers(prefix: str, values: dict[str, str], extra: dict[str, int]) -> range:
    return range(1, draft_forms.row_count(prefix, values, extra=extra.get(prefix, 0)) + 1)


def _neighbours(slug: str) -> tuple[str | None, str | None]:
    slugs = [s.slug for s in draft_forms.STEPS]
    index = slugs.index(slug)
    return (slugs[index - 1] if index else None), (
        slugs[index + 1] if index + 1 < len(slugs) else None
    )


class DraftPages(Controller):
    include_in_schema = False
    path = "/antraege/{application_id:uuid}"

    async def _render(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        application: ApplicationPublic,
        step: draft_forms.Step,
        *,
        values: dict[str, str],
        version: int,
        errors: FormErrors,
        status_code: int = 200,
        conflict: list[str] | None = None,
        saved: bool = False,
        extra_rows: dict[str, int] | None = None,
    ) -> Response[str]:
        registry: GuidelineRegistry = request.app.state.guidelines
        guideline = registry.get(application.guideline)
        if guideline is None:
            raise NotFound("Förderrichtlinie nicht gefunden (guideline not found).")
        check = await checking.check_draft(context, application.id)
        previous, following = _neighbours(step.slug)
        extra = extra_rows or {}
        return await page(
            request,
            f"draft_{step.slug}.html",
            status_code=status_code,
            application=application,
            guideline=guideline,
            steps=draft_forms.STEPS,
            step=step,
            previous=previous,
            following=following,
            values=values,
            objectives=set(filter(None, values.get("objectives", "").split(","))),
            version=version,
            errors=errors.by_field,
            label_of=draft_forms.label_of,
            conflict=conflict,
            saved=saved,
            editable=State(application.status) in drafts.EDITABLE_STATES,
            check=check,
            status_label=status_label,
            rows={
                prefix: range(
                    1, draft_forms.row_count(prefix, values, extra=extra.get(prefix, 0)) + 1
                )
                for prefix in draft_forms.ROWS
            },
            municipalities=[
                (m.key, f"{m.name} ({m.district})")
                for m in await municipality_choices(context.session)
            ],
            categories=[(c.code, c.label) for c in guideline.cost_categories],
            declaration_boxes=draft_forms.DECLARATION_BOXES,
            concept_fields=draft_forms.CONCEPT_FIELDS,
            # A new key per rendering of the submit form: a double click replays the first
            # submission's receipt instead of submitting twice.
            submission_key=str(uuid.uuid4()),
        )

    @get("/bearbeiten", exclude_from_auth=True, name="web:draft")
    async def first_step(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        user = await require_user(request)
        # The same access check as the steps: another organisation's id is a 404 here too.
        await drafts.get_application(user_context(request, db_session, user, now), application_id)
        return see_other(f"/antraege/{application_id}/bearbeiten/{draft_forms.STEPS[0].slug}")

    @get("/bearbeiten/{step:str}", exclude_from_auth=True, name="web:draft-step")
    async def show_step(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        step: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        user = await require_user(request)
        chosen = _step_or_404(step)
        if chosen.slug == "unterlagen":
            return see_other(f"/antraege/{application_id}/unterlagen")
        context = user_context(request, db_session, user, now)
        application = await drafts.get_application(context, application_id)
        await db_session.commit()  # the read above ran outside a transaction block
        extra = request.query_params.get("zeile") or ""
        return await self._render(
            request,
            context,
            application,
            chosen,
            values=draft_forms.values_of(application.draft),
            version=application.version,
            errors=FormErrors(),
            saved="gespeichert" in request.query_params,
            extra_rows={extra: 1} if extra in draft_forms.ROWS else None,
        )

    @post("/bearbeiten/{step:str}", exclude_from_auth=True, name="web:draft-step-post")
    async def save_step(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        step: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        user = await require_user(request)
        chosen = _step_or_404(step)
        if chosen.slug not in draft_forms.EDIT_STEPS:
            raise NotFound("Dieser Schritt speichert nichts (this step saves nothing).")
        context = user_context(request, db_session, user, now)
        values, objectives, action, version, remove = _step_form(await request.form())
        parsed = draft_forms.parse(chosen.slug, values, objectives=objectives, remove=remove)
        patch, errors = draft_forms.validate(parsed)
        # The page's script saves a few seconds after the last keystroke and wants to know
        # the outcome, not a page (``portal.js``); the same save, the same version check.
        autosave = request.headers.get("x-autosave") == "1"
        if patch is not None:
            try:
                updated = await drafts.patch_draft(
                    context, application_id, patch, if_match=f'"{version}"' if version else None
                )
            except PreconditionFailed:
                if autosave:
                    return _autosave_answer(409, message=translate(_AUTOSAVE_CONFLICT))
                return await self._conflict(request, context, application_id, chosen, values)
            except NotFound:
                raise
            except DomainError as error:
                errors = _refusal(error, parsed)
            else:
                if autosave:
                    return _autosave_answer(
                        200,
                        version=updated.version,
                        message=translate(
                            N_("Automatisch gespeichert um %(time)s Uhr (Fassung %(version)s).")
                        )
                        % {"time": f"{now.astimezone(BERLIN):%H:%M}", "version": updated.version},
                    )
                return see_other(self._after(application_id, chosen.slug, action))
        if autosave:
            return _autosave_answer(
                422,
                message=translate(N_("Nicht automatisch gespeichert: Bitte prüfen Sie %(what)s"))
                % {
                    "what": "; ".join(
                        f"{draft_forms.label_of(k)}: {v}" for k, v in errors.by_field.items()
                    )
                },
                errors=errors.by_field,
            )
        application = await drafts.get_application(context, application_id)
        await db_session.commit()
        if not errors.by_field.get("form"):
            errors.by_field = {"form": translate(_NOT_SAVED), **errors.by_field}
        return await self._render(
            request,
            context,
            application,
            chosen,
            values=values,
            version=int(version) if version.isdigit() else application.version,
            errors=errors,
            status_code=422,
        )

    def _after(self, application_id: uuid.UUID, slug: str, action: str) -> str:
        base = f"/antraege/{application_id}/bearbeiten"
        previous, following = _neighbours(slug)
        if action == "weiter" and following:
            return f"{base}/{following}"
        if action == "zurueck" and previous:
            return f"{base}/{previous}"
        if action.startswith("zeile:"):
            prefix = action.removeprefix("zeile:")
            return f"{base}/{slug}?zeile={prefix}#{prefix}-zeilen"
        return f"{base}/{slug}?gespeichert"

    async def _conflict(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        application_id: uuid.UUID,
        step: draft_forms.Step,
        values: dict[str, str],
    ) -> Response[str]:
        """Someone saved a newer version (another tab, a colleague): nothing of this input
        is saved, all of it is shown again, the fields that differ are named, and the form now
        carries the newer version — saving again is a deliberate overwrite."""
        application = await drafts.get_application(context, application_id)
        await context.session.commit()
        stored = draft_forms.values_of(application.draft)
        return await self._render(
            request,
            context,
            application,
            step,
            values=values,
            version=application.version,
            errors=FormErrors(),
            status_code=409,
            conflict=[
                draft_forms.label_of(f)
                for f in draft_forms.changed_fields(step.slug, values, stored)
            ],
        )

    @post("/einreichen", exclude_from_auth=True, name="web:submit")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        form = await request.form()
        version = str(form.get("version", ""))
        acknowledged = [v for v in form.getall("acknowledged_rules", []) if isinstance(v, str)]
        key = str(form.get("submission_key", "")) or None
        try:
            receipt, _ = await submission.submit_application(
                context,
                application_id,
                if_match=f'"{version}"' if version else None,
                idempotency_key=key,
                request=SubmissionRequest(acknowledged_rules=acknowledged),
            )
        except NotFound:
            raise
        except DomainError as error:
            application = await drafts.get_application(context, application_id)
            await db_session.commit()
            errors = FormErrors()
            errors.add("form", error.detail)
            for problem in error.problems:
                errors.add(problem.field or "form", problem.message)
            step = draft_forms.STEP_BY_SLUG["pruefen"]
            return await self._render(
                request,
                context,
                application,
                step,
                values=draft_forms.values_of(application.draft),
                version=application.version,
                errors=errors,
                status_code=409 if isinstance(error, PreconditionFailed) else 422,
            )
        return see_other(f"/antraege/{application_id}/eingang/{receipt.submission_number}")

    @get("/eingang/{number:int}", exclude_from_auth=True, name="web:receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        number: FromPath[int],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await signed_in_context(request, db_session, now)
        found = await submission.get_receipt(context, application_id, number)
        return await page(request, "receipt.html", receipt=found)
