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
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.throttle import ThrottleLimits
from grants.applications import drafts
from grants.awards.decisions import service as decisions
from grants.awards.decisions.schemas import DecisionDraftIn
from grants.awards.formal import service as formal
from grants.context import UserContext
from grants.core.decision import OPEN_STATUSES, DecisionKind, states_for
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
    "partial_approval": N_("Teilbewilligung"),
    "rejection": N_("Ablehnung"),
}
OPEN = OPEN_STATUSES  # drafts that may still be released or discarded
STATUS = {
    "draft": N_("Entwurf"),
    "second_approved": N_("Entwurf, zweite Freigabe erteilt"),
    "released": N_("erlassen"),
    "discarded": N_("verworfen"),
}


def requested_categories(content: dict[str, Any], guideline: Any) -> list[dict[str, Any]]:
    """The formal application's costs per category over all its fiscal years, with the
    guideline's highest rate for each: what a partial approval's rows start from."""
    totals: dict[str, Decimal] = {}
    for year in content.get("fiscal_years") or []:
        for line in year.get("cost_lines") or []:
            code = str(line.get("category", ""))
            totals[code] = totals.get(code, Decimal(0)) + Decimal(str(line.get("amount", "0")))
    found = []
    for code, total in totals.items():
        category = guideline.cost_category(code) if guideline is not None else None
        found.append(
            {
                "code": code,
                "label": category.label if category is not None else None,
                "requested": total,
                "max_rate": category.max_rate if category is not None else None,
            }
        )
    return found


# Where a partial approval can be drafted (``core.decision``): the formal application is
# under check.
PARTIAL_STATES = frozenset(state.value for state in states_for(DecisionKind.PARTIAL_APPROVAL))


async def categories_for(
    context: UserContext, application_id: uuid.UUID, status: str, registry: Any, guideline_id: str
) -> list[dict[str, Any]]:
    """The rows of a partial approval's form (none before the formal application)."""
    if status not in PARTIAL_STATES:
        return []
    try:
        found = await formal.get_formal(context, application_id)
    except NotFound:
        return []
    return requested_categories(found.content, registry.get(guideline_id))


def _categories(values: dict[str, str]) -> list[dict[str, Any]]:
    codes = sorted({k.split("-")[1] for k in values if k.startswith("kat-") and k.count("-") >= 2})
    rows = []
    for code in codes:
        cost = values.get(f"kat-{code}-kosten", "").strip()
        rate = values.get(f"kat-{code}-satz", "").strip().replace(",", ".").removesuffix("%")
        if not cost and not rate:
            continue
        share = rate  # not a number: the model's own rule names it
        try:
            if rate:
                share = str((Decimal(rate.strip()) / 100).quantize(Decimal("0.0001")))
        except InvalidOperation:
            pass
        rows.append(
            {
                "category": code,
                "approved_cost": amount_text(cost),
                "approved_rate": str(share),
                "deviation_reason": values.get(f"kat-{code}-grund", "").strip(),
            }
        )
    return rows


def _approval_parts(values: dict[str, str]) -> dict[str, Any]:
    """An approval's annual instalments and the approval period, where given."""
    parts: dict[str, Any] = {
        "instalments": [
            {"fiscal_year": values.get(f"rate-{n}-jahr", "").strip(), "amount": amount_text(raw)}
            for n in range(1, INSTALMENT_ROWS + 1)
            if (raw := values.get(f"rate-{n}-betrag", "").strip())
            or values.get(f"rate-{n}-jahr", "").strip()
        ]
    }
    for name, field in (("beginn", "approval_start"), ("ende", "approval_end")):
        if values.get(name, "").strip():
            parts[field] = values[name].strip()
    return parts


def _field_of(location: Any, body: dict[str, Any]) -> str:
    """The form's field of a validation problem of ``DecisionDraftIn``."""
    field = str(location[0]) if location else ""
    if field == "categories" and len(location) >= 3:
        code = body["categories"][int(location[1])]["category"]
        part = {"approved_cost": "kosten", "approved_rate": "satz"}.get(str(location[2]), "grund")
        return f"kat-{code}-{part}"
    if field == "instalments" and len(location) >= 3:
        part = "jahr" if location[2] == "fiscal_year" else "betrag"
        return f"rate-{int(location[1]) + 1}-{part}"
    return {
        "discretion": "ermessen",
        "reasons": "ablehnungsgrund",
        "special_conditions": "nebenbestimmungen",
        "approval_start": "beginn",
        "approval_end": "ende",
    }.get(field, "form")


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
    if kind == "partial_approval":
        body["categories"] = _categories(values)
        body["discretion"] = values.get("ermessen", "").strip()
        if not body["categories"]:
            errors.add("art", translate(N_("Bitte geben Sie je Kostenart an, was bewilligt wird.")))
    if kind in {"approval", "partial_approval"}:
        body |= _approval_parts(values)
    conditions = [c.strip() for c in values.get("nebenbestimmungen", "").splitlines() if c.strip()]
    body["special_conditions"] = conditions
    if errors:
        return None, errors
    try:
        return DecisionDraftIn.model_validate(body), errors
    except ValidationError as error:
        for problem in error.errors():
            errors.add(
                _field_of(problem["loc"], body),
                german(problem["type"], problem["msg"], problem.get("ctx")),
            )
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
                given = {"categories": [{"category": c.category} for c in body.categories]}
                for problem in error.problems:
                    parts = problem.field.split(".")
                    known = parts[0] != "categories" or (
                        len(parts) >= 3
                        and parts[1].isdigit()
                        and int(parts[1]) < len(body.categories)
                    )
                    target = _field_of(parts, given) if known else "form"
                    if target == "form":
                        # One summary line for the whole form: the problems join it.
                        errors.by_field["form"] += f" {problem.message}"
                    else:
                        errors.add(target, problem.message)
            else:
                return see_other(f"/verwaltung/bescheide/{created.id}")
        if db_session.in_transaction():
            await db_session.commit()
        application = await drafts.get_application(context, application_id)
        await db_session.commit()
        categories = await categories_for(
            context,
            application_id,
            application.status,
            request.app.state.guidelines,
            application.guideline,
        )
        return await page(
            request,
            "manager_decision_new.html",
            status_code=422,
            application_id=application_id,
            values=values,
            errors=errors.by_field,
            kinds=list(KINDS.items()),
            decision_categories=categories,
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
