"""The programme managers' applications: every submission of the programme with filters,
full-text search and keyset pages; one application's file (status, plan, the evaluators'
progress and submitted scores with the disagreement the ranking flags); and its formal
check as a checklist prefilled from the verdict frozen at submission, with the outcome —
to review, a request for information with its due date, or a formal rejection as the
proposal for the Bescheid.

The same services as ``/api/applications`` (the list), ``…/formal-check`` and
``/api/evaluation/applications/{id}/score-sheets``; managers and admins only."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import drafts, listing
from grants.applications.cursor import cursor_key
from grants.awards.decisions import service as decisions
from grants.awards.payments import service as payments
from grants.awards.proofs import service as proofs
from grants.context import UserContext
from grants.core.decision import DecisionKind, states_for
from grants.core.errors import DomainError, InvalidInput, NotFound
from grants.core.lifecycle import STATE_LABELS
from grants.core.lifecycle import State as Status
from grants.core.roles import MANAGER_ROLES
from grants.evaluation.formal_check import service as formal_checks
from grants.evaluation.scoring import service as sheets
from grants.web import decision_routes, formal_check_forms, payment_routes, proof_routes
from grants.web.forms import FormErrors
from grants.web.next_steps import status_label
from grants.web.pages import form_values, page, see_other, staff_context
from grants.web.templating import N_, local

PAGE_SIZE = 50
# Where one of the portal's kinds of Bescheid can be drafted: ``core.decision``'s steps.
DECIDABLE = frozenset(
    state.value
    for kind in (DecisionKind.APPROVAL, DecisionKind.PARTIAL_APPROVAL, DecisionKind.REJECTION)
    for state in states_for(kind)
)
SORTS = {
    "-submitted_at": N_("Eingang, neueste zuerst"),
    "submitted_at": N_("Eingang, älteste zuerst"),
    "reference_number": N_("Eingangsnummer"),
    "-requested_grant": N_("Beantragte Zuwendung, höchste zuerst"),
    "title": N_("Titel"),
}


def _filters(params: dict[str, str]) -> listing.ListFilters:
    return listing.ListFilters(
        call=params.get("aufruf") or None,
        funding_line=params.get("linie") or None,
        statuses=listing.parse_statuses([params["stand"]] if params.get("stand") else None),
        q=params.get("suche", "").strip() or None,
    )


class ManagerApplicationPages(Controller):
    include_in_schema = False
    path = "/verwaltung/antraege"

    @get(exclude_from_auth=True, name="web:manager-applications")
    async def applications(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        params = dict(request.query_params.items())
        sort = params.get("sortierung") if params.get("sortierung") in SORTS else None
        found = await listing.list_applications(
            context,
            _filters(params),
            sort=sort,
            limit=PAGE_SIZE,
            cursor=params.get("weiter") or None,
            cursor_key=cursor_key(state.settings.secret_key.get_secret_value()),
        )
        await db_session.commit()
        registry = state.guidelines
        return await page(
            request,
            "manager_applications.html",
            applications=found.items,
            next_cursor=found.next_cursor,
            values=params,
            query={k: v for k, v in params.items() if k != "weiter"},
            calls=[(call.code, local(call.title)) for _, call in registry.calls()],
            lines=sorted(
                {
                    (code, local(line.label) if (line := guideline.line(code)) else code)
                    for guideline, call in registry.calls()
                    for code in call.lines
                }
            ),
            states=[(s.value, local(STATE_LABELS[s])) for s in Status],
            sorts=list(SORTS.items()),
            status_label=status_label,
        )

    @get("/{application_id:uuid}", exclude_from_auth=True, name="web:manager-application")
    async def application(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        scored = await sheets.sheets_of_application(context, application_id)
        decided = await decisions.list_decisions(context, application_id)
        requested = await payments.list_payments(context, application_id)
        reported = await proofs.list_proofs(context, application_id)
        found = await drafts.get_application(context, application_id)
        await db_session.commit()
        rows = await decision_routes.categories_for(
            context,
            application_id,
            found.status,
            request.app.state.guidelines,
            found.guideline,
        )
        return await page(
            request,
            "manager_application.html",
            application=found,
            sheets=scored,
            decisions=decided,
            application_id=application_id,
            decidable=found.status in DECIDABLE
            and not any(d.status in decision_routes.OPEN for d in decided),
            values={},
            errors={},
            kinds=list(decision_routes.KINDS.items()),
            decision_status=decision_routes.STATUS,
            decision_kinds=decision_routes.KINDS,
            decision_categories=rows,
            payments=requested,
            proofs=reported,
            proof_status=proof_routes.STATUS,
            proof_kinds=proof_routes.KINDS,
            payment_status=payment_routes.STATUS,
            status_label=status_label,
            checked="geprueft" in request.query_params,
        )

    async def _check_page(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        application_id: uuid.UUID,
        *,
        values: dict[str, str] | None = None,
        errors: FormErrors | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        check = await formal_checks.get_formal_check(context, application_id)
        application = await drafts.get_application(context, application_id)
        await context.session.commit()
        return await page(
            request,
            "manager_formal_check.html",
            status_code=status_code,
            application=application,
            check=check,
            values=values
            if values is not None
            else formal_check_forms.values_of(check.items, check.outcome, check.reason),
            errors=(errors or FormErrors()).by_field,
            outcomes=list(formal_check_forms.OUTCOMES.items()),
            labels=formal_check_forms.LABELS,
            confirmed_id=formal_check_forms.confirmed_id,
            reason_id=formal_check_forms.reason_id,
            status_label=status_label,
        )

    @get(
        "/{application_id:uuid}/formalpruefung",
        exclude_from_auth=True,
        name="web:formal-check",
    )
    async def formal_check(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        return await self._check_page(request, context, application_id)

    @post(
        "/{application_id:uuid}/formalpruefung",
        exclude_from_auth=True,
        name="web:formal-check-post",
    )
    async def record(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        values = form_values(await request.form())
        check = await formal_checks.get_formal_check(context, application_id)
        if db_session.in_transaction():
            await db_session.commit()
        record, errors = formal_check_forms.parse(values, check.items)
        if record is not None:
            try:
                await formal_checks.record_formal_check(context, application_id, record)
            except NotFound:
                raise
            except InvalidInput as error:
                errors = formal_check_forms.service_errors(error.problems)
                errors.by_field = {"form": error.detail, **errors.by_field}
            except DomainError as error:
                errors.add("form", error.detail)
            else:
                return see_other(f"/verwaltung/antraege/{application_id}?geprueft")
        return await self._check_page(
            request, context, application_id, values=values, errors=errors, status_code=422
        )
