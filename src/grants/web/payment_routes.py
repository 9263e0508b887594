"""Payment requests (Mittelabrufe) in the managers' portal: the four-eyes steps of Saxon
budget practice — one manager certifies the request as factually and arithmetically correct,
another orders the payment (the service and the database refuse one person doing both) —
or a refusal with its reason. Certifying and ordering need the fresh confirmation (the
password entered again), so an open session alone cannot pay out money.

The same service as ``/api/payment-requests/{id}``; managers and admins only. The requests
are listed on the application's file page."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.throttle import ThrottleLimits
from grants.awards.payments import service as payments
from grants.awards.payments.schemas import RefusalIn
from grants.core.errors import DomainError, NotFound
from grants.core.roles import MANAGER_ROLES
from grants.web.forms import FormErrors
from grants.web.pages import confirmed, form_values, page, see_other, staff_context
from grants.web.templating import N_, translate

STATUS = {
    "requested": N_("beantragt: sachlich und rechnerisch zu prüfen"),
    "certified": N_("sachlich und rechnerisch richtig: Auszahlung anzuordnen"),
    "ordered": N_("Auszahlung angeordnet"),
    "refused": N_("abgelehnt"),
}
ACTIONS = {
    "pruefen": N_("Ich bestätige die sachliche und rechnerische Richtigkeit."),
    "anordnen": N_("Ich ordne die Auszahlung an."),
}


class PaymentPages(Controller):
    include_in_schema = False
    path = "/verwaltung/mittelabrufe/{payment_id:uuid}"

    @get(exclude_from_auth=True, name="web:payment")
    async def show(
        self,
        request: Request[Any, Any, Any],
        payment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        found = await payments.get_payment(context, payment_id)
        return await page(
            request,
            "manager_payment.html",
            payment=found,
            errors={},
            status_text=translate(STATUS.get(found.status, found.status)),
            actions=ACTIONS,
            mine=found.certified_by == context.principal.user_id,
        )

    @post("/{action:str}", exclude_from_auth=True, name="web:payment-step")
    async def step(
        self,
        request: Request[Any, Any, Any],
        payment_id: FromPath[uuid.UUID],
        action: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        throttle_limits: NamedDependency[ThrottleLimits],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        if action not in {*ACTIONS, "ablehnen"}:
            raise NotFound(N_("Unter dieser Adresse gibt es keine Seite."))
        found = await payments.get_payment(context, payment_id)
        values = form_values(await request.form())
        if_match = f'"{values.get("version", "")}"'
        errors = FormErrors()
        if action == "ablehnen":
            reason = values.get("grund", "").strip()
            if not reason:
                errors.add("grund", translate(N_("Bitte begründen Sie die Ablehnung.")))
        else:
            errors = await confirmed(
                request,
                context,
                values,
                purpose=f"payment:{action}",
                object_type="payment_request",
                object_id=payment_id,
                limits=throttle_limits,
                tick_message=translate(ACTIONS[action]),
            )
        if not errors:
            try:
                if action == "pruefen":
                    await payments.certify(context, payment_id, if_match=if_match)
                elif action == "anordnen":
                    await payments.order(context, payment_id, if_match=if_match)
                else:
                    await payments.refuse(
                        context, payment_id, RefusalIn(reason=reason), if_match=if_match
                    )
            except NotFound:
                raise
            except DomainError as error:
                errors.add("form", error.detail)
            else:
                return see_other(
                    f"/verwaltung/antraege/{found.application_id}?mittelabruf#mittelabrufe"
                )
        refreshed = await payments.get_payment(context, payment_id)
        return await page(
            request,
            "manager_payment.html",
            status_code=422,
            payment=refreshed,
            errors=errors.by_field,
            status_text=translate(STATUS.get(refreshed.status, refreshed.status)),
            actions=ACTIONS,
            mine=refreshed.certified_by == context.principal.user_id,
        )
