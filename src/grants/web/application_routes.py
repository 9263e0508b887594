"""What an applicant does with an application after drafting it: answer a request for
information (Nachforderung), withdraw it (with a confirmation page), discard a draft, compare
two submitted versions, and download the receipts, the invitation and the letters as PDF. Each
a call of the same service as the API; the first download of a decision letter by the
recipient is its retrieval through the portal (§ 41 Abs. 2a VwVfG), as over the API."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import drafts, history, information_requests, transitions
from grants.applications.schemas import InformationResponseCreate, TransitionRequest
from grants.core.errors import DomainError, NotFound
from grants.http.downloads import pdf_response
from grants.http.validation_de import german
from grants.letters import on_request
from grants.letters import service as letters
from grants.letters.pool import default_pool
from grants.web.applicant_routes import application_page
from grants.web.next_steps import status_label
from grants.web.pages import page, see_other, signed_in_context
from grants.web.templating import N_, translate

_WITHDRAWABLE = "withdraw"
_DISCARDABLE = "discard"


class ApplicationActions(Controller):
    include_in_schema = False
    path = "/antraege/{application_id:uuid}"

    @post(
        "/nachforderungen/{information_request_id:uuid}/antwort",
        exclude_from_auth=True,
        name="web:answer",
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        information_request_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        form = await request.form()
        text = str(form.get("text", "")).strip()
        chosen = [v for v in form.getall("attachment_ids", []) if isinstance(v, str)]
        try:
            data = InformationResponseCreate.model_validate(
                {"text": text, "attachment_ids": chosen}
            )
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            message = german(first["type"], first["msg"], first.get("ctx"))
        else:
            try:
                await information_requests.answer_information_request(
                    context, application_id, information_request_id, data
                )
            except NotFound:
                raise
            except DomainError as error:
                message = error.detail
            else:
                return see_other(f"/antraege/{application_id}?beantwortet#nachforderungen")
        if db_session.in_transaction():
            await db_session.rollback()
        return await application_page(
            request,
            context,
            application_id,
            answer_error=(str(information_request_id), message, text),
            status_code=422,
        )

    @get("/zurueckziehen", exclude_from_auth=True, name="web:withdraw")
    async def withdraw_form(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        application = await drafts.get_application(context, application_id)
        event = _DISCARDABLE if _DISCARDABLE in application.allowed_events else _WITHDRAWABLE
        if event not in application.allowed_events:
            return see_other(f"/antraege/{application_id}")
        return await page(
            request,
            "withdraw.html",
            application=application,
            discard=event == _DISCARDABLE,
            status_label=status_label,
            errors={},
            values={},
        )

    @post("/zurueckziehen", exclude_from_auth=True, name="web:withdraw-post")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await signed_in_context(request, db_session, now)
        form = await request.form()
        reason = str(form.get("reason", "")).strip() or None
        discard = str(form.get("art")) == _DISCARDABLE
        errors = {}
        if not discard and reason is None:
            errors["reason"] = translate(N_("Bitte nennen Sie den Grund."))
        if form.get("bestaetigt") != "ja":
            errors["bestaetigt"] = translate(
                N_("Bitte bestätigen Sie, dass Sie das wirklich wollen.")
            )
        if errors:
            application = await drafts.get_application(context, application_id)
            return await page(
                request,
                "withdraw.html",
                status_code=422,
                application=application,
                discard=discard,
                status_label=status_label,
                errors=errors,
                values={"reason": reason or ""},
            )
        if discard:
            version = str(form.get("version", ""))
            await transitions.discard_draft(
                context, application_id, if_match=f'"{version}"' if version else None
            )
        else:
            await transitions.change_status(
                context,
                application_id,
                TransitionRequest(event=_WITHDRAWABLE, reason=reason),
            )
        return see_other(f"/antraege/{application_id}")

    @get("/fassungen/{number:int}/unterschiede", exclude_from_auth=True, name="web:diff")
    async def diff(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        number: FromPath[int],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await signed_in_context(request, db_session, now)
        found = await history.diff_submissions(context, application_id, number, None)
        return await page(request, "diff.html", diff=found)

    @get("/eingang/{number:int}/pdf", exclude_from_auth=True, name="web:receipt-pdf")
    async def receipt_pdf(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        number: FromPath[int],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        context = await signed_in_context(request, db_session, now)
        found = await on_request.receipt_pdf(context, application_id, number, default_pool())
        return pdf_response(found.pdf, found.file_name, sha256=found.sha256)

    @get("/aufforderung/pdf", exclude_from_auth=True, name="web:invitation-pdf")
    async def invitation_pdf(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        context = await signed_in_context(request, db_session, now)
        found = await on_request.invitation_pdf(context, application_id, default_pool())
        return pdf_response(found.pdf, found.file_name, sha256=found.sha256)


class LetterDownloads(Controller):
    include_in_schema = False

    @get("/briefe/{letter_id:uuid}/pdf", exclude_from_auth=True, name="web:letter-pdf")
    async def letter_pdf(
        self,
        request: Request[Any, Any, Any],
        letter_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        context = await signed_in_context(request, db_session, now)
        found = await letters.download(context, letter_id)
        return pdf_response(found.pdf, found.file_name, sha256=found.sha256)
