"""The applicant's pages: the dashboard of the organisation's applications (status and next
step, keyset pages as in the API), starting a new proposal, and one application's status and
history. Every read goes through the applications feature's own services, so the same
object-level checks decide: another organisation's application is a 404 here as there."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import drafts, history, information_requests, listing
from grants.applications.attachments import service as attachments
from grants.applications.cursor import cursor_key
from grants.applications.schemas import ApplicationCreate
from grants.context import UserContext
from grants.core.errors import DomainError
from grants.guidelines.registry import GuidelineRegistry
from grants.http.validation_de import german
from grants.letters import service as letters
from grants.web.account_forms import service_errors
from grants.web.forms import FormErrors
from grants.web.next_steps import next_step, status_label
from grants.web.pages import (
    form_values,
    home_of,
    page,
    require_user,
    see_other,
    signed_in_context,
    user_context,
)
from grants.web.templating import N_, local, translate

PAGE_SIZE = 200  # a municipality with many projects sees them on one page
NEW_LABELS = {
    "call": N_("Förderaufruf"),
    "funding_line": N_("Förderlinie"),
    "title": N_("Titel des Vorhabens"),
}


def _open_calls(registry: GuidelineRegistry, now: datetime) -> list[tuple[str, str]]:
    return [
        (call.code, f"{local(call.title)} ({guideline.short_name})")
        for guideline, call in registry.calls()
        if call.status(now).value == "open"
    ]


class ApplicantPages(Controller):
    include_in_schema = False

    @get("/antraege", exclude_from_auth=True, name="web:dashboard")
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        user = await require_user(request)
        if home_of(user) != "/antraege":
            return see_other(home_of(user))
        found = await listing.list_applications(
            user_context(request, db_session, user, now),
            listing.ListFilters(),
            sort=None,
            limit=PAGE_SIZE,
            cursor=request.query_params.get("weiter") or None,
            cursor_key=cursor_key(state.settings.secret_key.get_secret_value()),
        )
        registry: GuidelineRegistry = state.guidelines
        calls = {call.code: call for _, call in registry.calls()}
        return await page(
            request,
            "dashboard.html",
            applications=found.items,
            next_cursor=found.next_cursor,
            calls=calls,
            status_label=status_label,
            next_step=next_step,
            is_member=bool(user.memberships),
            now=now,
        )

    @get("/antraege/neu", exclude_from_auth=True, name="web:new-application")
    async def new_form(
        self, request: Request[Any, Any, Any], state: State, now: NamedDependency[datetime]
    ) -> Response[str]:
        await require_user(request)
        return await self._new_page(request, state.guidelines, now, {}, FormErrors())

    async def _new_page(
        self,
        request: Request[Any, Any, Any],
        registry: GuidelineRegistry,
        now: datetime,
        values: dict[str, str],
        errors: FormErrors,
    ) -> Response[str]:
        guideline = registry.all()[0]
        return await page(
            request,
            "new_application.html",
            status_code=422 if errors else 200,
            values=values,
            errors=errors.by_field,
            label_of=lambda field_id: translate(NEW_LABELS.get(field_id, N_("Angaben"))),
            calls=_open_calls(registry, now),
            lines=[(line.code, line.label) for line in guideline.lines],
        )

    @post("/antraege/neu", exclude_from_auth=True, name="web:new-application-post")
    async def create(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        user = await require_user(request)
        form = await request.form()
        values = form_values(form)
        errors = FormErrors()
        try:
            data = ApplicationCreate.model_validate(
                {
                    "call": values.get("call", ""),
                    "funding_line": values.get("funding_line", ""),
                    "title": values.get("title", "").strip() or None,
                }
            )
        except ValidationError as error:
            for item in error.errors(include_url=False):
                head = str(item["loc"][0]) if item["loc"] else "form"
                errors.add(
                    head if head in NEW_LABELS else "form",
                    german(item["type"], item["msg"], item.get("ctx")),
                )
        else:
            try:
                created = await drafts.create_application(
                    user_context(request, db_session, user, now), data
                )
            except DomainError as error:
                errors = service_errors(error)
            else:
                return see_other(f"/antraege/{created.id}")
        return await self._new_page(request, state.guidelines, now, values, errors)

    @get("/antraege/{application_id:uuid}", exclude_from_auth=True, name="web:application")
    async def application(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await signed_in_context(request, db_session, now)
        return await application_page(
            request, context, application_id, answered="beantwortet" in request.query_params
        )


async def application_page(
    request: Request[Any, Any, Any],
    context: UserContext,
    application_id: uuid.UUID,
    *,
    answer_error: tuple[str, str, str] | None = None,
    answered: bool = False,
    status_code: int = 200,
) -> Response[str]:
    """One application: status, next step, what to do (answer a request, withdraw), the
    versions with their receipts and differences, the letters, and the history."""
    # Each read runs in a transaction of its own (with its access check); the application
    # read, outside one, goes last.
    events = await history.list_events(context, application_id)
    requests = await information_requests.list_information_requests(context, application_id)
    submissions = await history.list_submissions(context, application_id)
    issued = await letters.list_letters(context, application_id)
    documents = await attachments.list_attachments(context, application_id)
    found = await drafts.get_application(context, application_id)
    await context.session.commit()
    registry: GuidelineRegistry = request.app.state.guidelines
    calls = {call.code: call for _, call in registry.calls()}
    return await page(
        request,
        "application.html",
        status_code=status_code,
        application=found,
        events=list(reversed(events)),
        requests=requests,
        submissions=submissions,
        letters=[letter for letter in issued if letter.corrected_by_id is None],
        documents=[d for d in documents if d.scan_status.value in {"clean", "not_scanned"}],
        answer_error=answer_error,
        answered=answered,
        call=calls.get(found.call),
        status_label=status_label,
        next_step=next_step,
        now=context.now,
    )
