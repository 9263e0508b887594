"""The formal application (Antrag, stage two) after an invitation: one page with every part
the decision needs — register and tax facts, legal representatives, bank account, the plan
per fiscal year, staff posts, partners' money shares, linked undertakings — saved with the
version it was loaded at, checked by the awards feature's own rules on every read (what is
missing or inconsistent is listed with its field), then submitted with the declarations
confirmed again, and the receipt. The same service as ``/api/applications/{id}/
formal-application``."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import drafts
from grants.awards.formal import service as formal
from grants.awards.formal.schemas import (
    FormalApplicationIn,
    FormalApplicationPublic,
    FormalSubmissionIn,
)
from grants.context import UserContext
from grants.core.errors import DomainError, NotFound, PreconditionFailed
from grants.web import formal_forms
from grants.web.forms import FormErrors
from grants.web.pages import (
    form_values,
    page,
    see_other,
    signed_in_context,
)
from grants.web.templating import N_, translate

_CONFLICT = N_(
    "Nicht gespeichert: Der Antrag wurde inzwischen an anderer Stelle geändert. Ihre Eingaben "
    "stehen unten; speichern Sie erneut, um die gespeicherte Fassung zu überschreiben."
)


class FormalApplicationPages(Controller):
    include_in_schema = False
    path = "/antraege/{application_id:uuid}/antrag"

    async def _render(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        found: FormalApplicationPublic,
        *,
        values: dict[str, str] | None = None,
        errors: FormErrors | None = None,
        version: int | None = None,
        status_code: int = 200,
        saved: bool = False,
    ) -> Response[str]:
        application = await drafts.get_application(context, found.application_id)
        await context.session.commit()
        shown = values if values is not None else formal_forms.values_of(found.content)
        registry = request.app.state.guidelines
        guideline = registry.get(application.guideline)
        years = formal_forms.rows("year", shown, at_least=1, extra=1)
        # The stored content's problems on the form's fields (the form numbers rows as the
        # content lists them).
        as_form = formal_forms.parse(formal_forms.values_of(found.content))
        open_points = [
            (formal_forms.field_id(problem.field, as_form), problem.message)
            for problem in found.problems
        ]
        return await page(
            request,
            "formal.html",
            status_code=status_code,
            application=application,
            formal=found,
            values=shown,
            errors=(errors or FormErrors()).by_field,
            label_of=formal_forms.label_of,
            version=found.version if version is None else version,
            saved=saved,
            open_points=open_points,
            reps=formal_forms.rows("rep", shown),
            staff_rows=formal_forms.rows("staff", shown, at_least=0),
            partner_rows=formal_forms.rows("fpartner", shown, at_least=0),
            linked_rows=formal_forms.rows("linked", shown, at_least=0),
            years=[(year, formal_forms.cost_rows(year, shown)) for year in years],
            categories=[(c.code, c.label) for c in guideline.cost_categories] if guideline else [],
            vat_statuses=[
                ("none", N_("nein")),
                ("partial", N_("teilweise")),
                ("input_tax_deduction", N_("ja, vollständig")),
            ],
        )

    @get(exclude_from_auth=True, name="web:formal")
    async def show(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await signed_in_context(request, db_session, now)
        found = await formal.get_formal(context, application_id)
        return await self._render(
            request, context, found, saved="gespeichert" in request.query_params
        )

    @post(exclude_from_auth=True, name="web:formal-save")
    async def save(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        form = await request.form()
        values = form_values(form)
        version = values.pop("version", "")
        parsed = formal_forms.parse(values)
        try:
            await formal.save_formal(
                context,
                application_id,
                FormalApplicationIn(content=parsed.content),
                if_match=f'"{version}"' if version else None,
            )
        except NotFound:
            raise
        except DomainError as error:
            if db_session.in_transaction():
                await db_session.rollback()
            found = await formal.get_formal(context, application_id)
            errors = FormErrors()
            if isinstance(error, PreconditionFailed):
                errors.add("form", translate(_CONFLICT))
                return await self._render(
                    request, context, found, values=values, errors=errors, status_code=409
                )
            errors.add("form", error.detail)
            for problem in error.problems:
                errors.add(formal_forms.field_id(problem.field, parsed), problem.message)
            return await self._render(
                request,
                context,
                found,
                values=values,
                errors=errors,
                version=int(version) if version.isdigit() else None,
                status_code=422,
            )
        return see_other(f"/antraege/{application_id}/antrag?gespeichert")

    @post("/einreichen", exclude_from_auth=True, name="web:formal-submit")
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
        confirmed = [v for v in form.getall("confirmed_declarations", []) if isinstance(v, str)]
        try:
            receipt = await formal.submit_formal(
                context,
                application_id,
                FormalSubmissionIn(confirmed_declarations=confirmed),
                if_match=f'"{version}"' if version else None,
            )
        except NotFound:
            raise
        except DomainError as error:
            if db_session.in_transaction():
                await db_session.rollback()
            found = await formal.get_formal(context, application_id)
            errors = FormErrors()
            errors.add("form", error.detail)
            for problem in error.problems:
                errors.add("form", problem.message)
            return await self._render(request, context, found, errors=errors, status_code=422)
        return see_other(f"/antraege/{application_id}/antrag/eingang/{receipt.submission_number}")

    @get("/eingang/{number:int}", exclude_from_auth=True, name="web:formal-receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        number: FromPath[int],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await signed_in_context(request, db_session, now)
        found = await formal.get_receipt(context, application_id, number)
        return await page(
            request, "formal_receipt.html", receipt=found, application_id=application_id
        )
