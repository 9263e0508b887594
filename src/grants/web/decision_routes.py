"""Decisions (Bescheide) in the managers' portal: drafting one for an application (approval as
applied for, or a rejection with its reasons and how discretion was used), the draft with
the system's content, its letter previewed as a PDF marked ENTWURF, the second person's
approval where the programme requires it, and the release as the named official — which
binds the budget and takes the lifecycle step; then the call's letters issued in one batch
on the job queue, with a page that shows the batch's progress.

Releasing and approving need a fresh confirmation: the password, entered again on the form
(``pages.confirmed``), so an open session alone cannot bind money. The system
drafts; a named person decides (§ 35a VwVfG: no fully automated administrative act).

The same services as ``/api/applications/{id}/decisions``, ``/api/decisions/{id}`` and the
letters' routes; managers and admins only."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.throttle import ThrottleLimits
from grants.awards.decisions import service as decisions
from grants.awards.decisions.schemas import DecisionDraftIn
from grants.context import UserContext
from grants.core.decision import OPEN_STATUSES
from grants.core.errors import DomainError, NotFound
from grants.core.roles import MANAGER_ROLES
from grants.http.downloads import pdf_response
from grants.http.validation_de import german
from grants.letters import service as letters
from grants.letters.pool import default_pool
from grants.web.forms import FormErrors, amount_text
from grants.web.next_steps import status_label
from grants.web.pages import confirmed, form_values, page, see_other, staff_context
from grants.web.templating import N_, translate

INSTALMENT_ROWS = 4  # annual instalments on the form: an approval period of up to four years
KINDS = {
    "approval": N_("Bewilligung wie beantragt"),
    "rejection": N_("Ablehnung"),
}
OPEN = OPEN_STATUSES  # drafts that may still be released or discarded
STATUS = {
    "draft": N_("Entwurf"),
    "second_approved": N_("Entwurf, zweite Freigabe erteilt"),
    "released": N_("erlassen"),
    "discarded": N_("verworfen"),
}


def draft_of(values: dict[str, str]) -> tuple[DecisionDraftIn | None, FormErrors]:
    """The drafting form as the API's ``DecisionDraftIn``."""
    errors = FormErrors()
    kind = values.get("art", "")
    if kind not in KINDS:
        errors.add("art", translate(N_("Bitte wählen Sie die Art des Bescheids.")))
        return None, errors
    body: dict[str, Any] = {"kind": kind}
    if kind == "rejection":
        reason = values.get("ablehnungsgrund", "").strip()
        if not reason:
            errors.add("ablehnungsgrund", translate(N_("Bitte begründen Sie die Ablehnung.")))
        body["reasons"] = [{"kind": "other", "text": reason}] if reason else []
        body["discretion"] = values.get("ermessen", "").strip()
    if kind == "approval":
        body["instalments"] = [
            {"fiscal_year": values.get(f"rate-{n}-jahr", "").strip(), "amount": amount_text(raw)}
            for n in range(1, INSTALMENT_ROWS + 1)
            if (raw := values.get(f"rate-{n}-betrag", "").strip())
            or values.get(f"rate-{n}-jahr", "").strip()
        ]
        for name, field in (("beginn", "approval_start"), ("ende", "approval_end")):
            if values.get(name, "").strip():
                body[field] = values[name].strip()
    conditions = [c.strip() for c in values.get("nebenbestimmungen", "").splitlines() if c.strip()]
    body["special_conditions"] = conditions
    if errors:
        return None, errors
    try:
        return DecisionDraftIn.model_validate(body), errors
    except ValidationError as error:
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            target = {
                "discretion": "ermessen",
                "reasons": "ablehnungsgrund",
                "special_conditions": "nebenbestimmungen",
                "approval_start": "beginn",
                "approval_end": "ende",
            }.get(field, "form")
            if field == "instalments" and len(problem["loc"]) >= 3:
                row = int(problem["loc"][1]) + 1
                target = f"rate-{row}-{'jahr' if problem['loc'][2] == 'fiscal_year' else 'betrag'}"
            errors.add(target, german(problem["type"], problem["msg"], problem.get("ctx")))
        return None, errors


class DecisionPages(Controller):
    include_in_schema = False
    path = "/verwaltung"

    @post(
        "/antraege/{application_id:uuid}/bescheide",
        exclude_from_auth=True,
        name="web:decision-draft",
    )
    async def draft(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        values = form_values(await request.form())
        body, errors = draft_of(values)
        if body is not None:
            try:
                created = await decisions.create_draft(context, application_id, body)
            except NotFound:
                raise
            except DomainError as error:
                errors.add("form", error.detail)
                for problem in error.problems:
                    errors.add("form", f"{problem.field}: {problem.message}")
            else:
                return see_other(f"/verwaltung/bescheide/{created.id}")
        return await page(
            request,
            "manager_decision_new.html",
            status_code=422,
            application_id=application_id,
            values=values,
            errors=errors.by_field,
            kinds=list(KINDS.items()),
        )

    async def _decision_page(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        decision_id: uuid.UUID,
        *,
        errors: FormErrors | None = None,
        status_code: int = 200,
        notice: str = "",
    ) -> Response[str]:
        found = await decisions.get_decision(context, decision_id)
        if context.session.in_transaction():
            await context.session.commit()
        mine = found.drafted_by == context.principal.user_id
        return await page(
            request,
            "manager_decision.html",
            status_code=status_code,
            decision=found,
            errors=(errors or FormErrors()).by_field,
            kind_label=translate(KINDS.get(found.kind, found.kind)),
            status_text=translate(STATUS.get(found.status, found.status)),
            may_approve=found.status == "draft" and found.second_approval_required and not mine,
            is_open=found.status in OPEN,
            awaiting_approval=found.status == "draft"
            and found.second_approval_required
            and found.second_approved_by is None,
            notice=notice,
            status_label=status_label,
        )

    @get("/bescheide/{decision_id:uuid}", exclude_from_auth=True, name="web:decision")
    async def show(
        self,
        request: Request[Any, Any, Any],
        decision_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        notice = {
            "erlassen": translate(N_("Der Bescheid ist erlassen; die Mittel sind gebunden.")),
            "zweitfreigabe": translate(N_("Die zweite Freigabe ist erteilt.")),
            "verworfen": translate(N_("Der Entwurf ist verworfen.")),
        }
        shown = next((text for key, text in notice.items() if key in request.query_params), "")
        return await self._decision_page(request, context, decision_id, notice=shown)

    @get(
        "/bescheide/{decision_id:uuid}/entwurf.pdf",
        exclude_from_auth=True,
        name="web:decision-preview",
    )
    async def preview(
        self,
        request: Request[Any, Any, Any],
        decision_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        pdf = await letters.preview(context, decision_id, default_pool())
        await db_session.commit()
        return pdf_response(pdf, f"ENTWURF-{decision_id}.pdf")

    async def _act(
        self,
        request: Request[Any, Any, Any],
        decision_id: uuid.UUID,
        db_session: AsyncSession,
        now: datetime,
        throttle_limits: ThrottleLimits,
        action: str,
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        values = form_values(await request.form())
        version = values.get("version", "")
        if_match = f'"{version}"' if version else None
        if action == "verwerfen":
            errors = FormErrors()
        else:
            errors = await confirmed(
                request,
                context,
                values,
                purpose=action,
                object_type="decision",
                object_id=decision_id,
                limits=throttle_limits,
                tick_message=translate(
                    N_("Bitte bestätigen Sie, dass Sie als zeichnende Person handeln.")
                ),
            )
        if not errors:
            try:
                if action == "erlassen":
                    await decisions.release(context, decision_id, if_match=if_match)
                elif action == "zweitfreigabe":
                    await decisions.approve_draft(context, decision_id, if_match=if_match)
                else:
                    await decisions.discard_draft(context, decision_id, if_match=if_match)
            except NotFound:
                raise
            except DomainError as error:
                errors.add("form", error.detail)
            else:
                return see_other(f"/verwaltung/bescheide/{decision_id}?{action}")
        return await self._decision_page(
            request, context, decision_id, errors=errors, status_code=422
        )

    @post(
        "/bescheide/{decision_id:uuid}/erlassen",
        exclude_from_auth=True,
        name="web:decision-release",
    )
    async def release(
        self,
        request: Request[Any, Any, Any],
        decision_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        throttle_limits: NamedDependency[ThrottleLimits],
    ) -> Response[Any]:
        return await self._act(request, decision_id, db_session, now, throttle_limits, "erlassen")

    @post(
        "/bescheide/{decision_id:uuid}/zweitfreigabe",
        exclude_from_auth=True,
        name="web:decision-approve",
    )
    async def approve(
        self,
        request: Request[Any, Any, Any],
        decision_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        throttle_limits: NamedDependency[ThrottleLimits],
    ) -> Response[Any]:
        return await self._act(
            request, decision_id, db_session, now, throttle_limits, "zweitfreigabe"
        )

    @post(
        "/bescheide/{decision_id:uuid}/verwerfen",
        exclude_from_auth=True,
        name="web:decision-discard",
    )
    async def discard(
        self,
        request: Request[Any, Any, Any],
        decision_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        throttle_limits: NamedDependency[ThrottleLimits],
    ) -> Response[Any]:
        return await self._act(request, decision_id, db_session, now, throttle_limits, "verwerfen")

    # --- the call's letters in one batch ------------------------------------------------

    @post(
        "/briefe/{guideline_id:str}/{call_code:str}",
        exclude_from_auth=True,
        name="web:letter-batch-order",
    )
    async def order_batch(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        batch = await letters.request_batch(context, guideline_id, call_code)
        return see_other(f"/verwaltung/briefe/{batch.id}")

    @get("/briefe/{batch_id:uuid}", exclude_from_auth=True, name="web:letter-batch")
    async def batch(
        self,
        request: Request[Any, Any, Any],
        batch_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        found = await letters.get_batch(context, batch_id)
        template = (
            "_letter_batch.html"
            if request.headers.get("x-fragment") == "fortschritt"
            else "manager_letter_batch.html"
        )
        return await page(request, template, batch=found, done=found.pending == 0)
