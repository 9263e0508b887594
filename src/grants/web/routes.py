"""The portal's public pages: the start page with the programme's calls, the guideline's rules,
and the pre-check form. HTML rendered on the server; the same services as the API."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, Router, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.static_files import create_static_files_router
from sqlalchemy.ext.asyncio import AsyncSession

from grants.context import UserContext
from grants.core.errors import DomainError, NotFound
from grants.guidelines import service
from grants.guidelines.registry import GuidelineRegistry
from grants.http.guards import BEARER, MANAGERS
from grants.http.rate_limit import RATE_LIMITED
from grants.municipalities.service import municipality_choices
from grants.settings import Settings
from grants.web import forms as precheck_form
from grants.web import legal_pages
from grants.web.account_routes import AccountPages
from grants.web.applicant_routes import ApplicantPages
from grants.web.application_routes import ApplicationActions, LetterDownloads
from grants.web.assignment_routes import AssignmentPages
from grants.web.audit_routes import AuditPages
from grants.web.cookies import is_tls, safe_next
from grants.web.dashboard_routes import DashboardPages
from grants.web.decision_routes import DecisionPages
from grants.web.draft_routes import DraftPages
from grants.web.evaluator_routes import EvaluatorPages
from grants.web.formal_routes import FormalApplicationPages
from grants.web.jury_routes import JuryPages
from grants.web.organisation_routes import InvitationPage, OrganisationPages
from grants.web.pages import (
    EXCEPTION_HANDLERS,
    LANGUAGE_COOKIE,
    before_page,
    csrf_middleware,
    page,
    see_other,
)
from grants.web.payment_routes import PaymentPages
from grants.web.proof_routes import ProofPages
from grants.web.ranking_routes import ManagerPages
from grants.web.schemas import ProgrammePageIn, ProgrammePagePublic
from grants.web.submission_routes import ManagerApplicationPages
from grants.web.tables import PageKind
from grants.web.templating import LANGUAGES, N_, STATIC_DIR, remaining, translate
from grants.web.upload_routes import UploadPages


def _calls(registry: GuidelineRegistry, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "guideline": guideline,
            "call": call,
            "status": call.status(now).value,
            "remaining": remaining(call.deadline_at, now),
        }
        for guideline, call in registry.calls()
    ]


async def _not_found(request: Request[Any, Any, Any], guideline_id: str) -> Response[str]:
    return await page(
        request,
        "not_found.html",
        status_code=404,
        message=translate(N_("Eine Förderrichtlinie „%(id)s“ gibt es hier nicht."))
        % {"id": guideline_id},
    )


class PublicPages(Controller):
    include_in_schema = False

    @get("/", exclude_from_auth=True, name="web:start")
    async def start(
        self, request: Request[Any, Any, Any], state: State, now: NamedDependency[datetime]
    ) -> Response[str]:
        registry: GuidelineRegistry = state.guidelines
        return await page(
            request,
            "start.html",
            guidelines=registry.all(),
            calls=_calls(registry, now),
            now=now,
        )

    @get("/richtlinien/{guideline_id:str}", exclude_from_auth=True, name="web:rules")
    async def rules(
        self, request: Request[Any, Any, Any], guideline_id: FromPath[str], state: State
    ) -> Response[str]:
        guideline = state.guidelines.get(guideline_id)
        if guideline is None:
            return await _not_found(request, guideline_id)
        return await page(request, "rules.html", guideline=guideline)

    # The same per-address limit as the API's pre-check: the form runs the same engine.
    @get("/vorab-check", exclude_from_auth=True, name="web:precheck", opt={RATE_LIMITED: True})
    async def precheck(
        self,
        request: Request[Any, Any, Any],
        state: State,
        now: NamedDependency[datetime],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[str]:
        registry: GuidelineRegistry = state.guidelines
        params = dict(request.query_params.items())
        guideline_id = params.get("guideline") or registry.all()[0].id
        guideline = registry.get(guideline_id)
        if guideline is None:
            return await _not_found(request, guideline_id)
        params["guideline"] = guideline.id
        objectives = request.query_params.getall("objectives", [])
        verdict = None
        errors = precheck_form.FormErrors()
        if params.get("pruefen"):
            parsed = precheck_form.parse(params, objectives)
            checked, errors = precheck_form.validate(parsed)
            if checked is not None:
                try:
                    entry = await state.area_categories.checked(checked.municipality_key)
                    verdict = service.precheck(
                        registry, checked, now=now, municipality=service.municipality_facts(entry)
                    )
                except DomainError as error:
                    for problem in error.problems or ():
                        location = tuple(
                            int(p) if p.isdigit() else p for p in problem.field.split(".")
                        )
                        errors.add(precheck_form.field_id(location, parsed), problem.message)
                    if not error.problems:
                        errors.add("form", error.detail)
        return await page(
            request,
            "precheck.html",
            status_code=422 if errors else 200,
            guideline=guideline,
            options={
                "calls": [
                    (c["call"].code, c["call"].title)
                    for c in _calls(registry, now)
                    if c["guideline"].id == guideline.id
                ],
                "lines": [(line.code, line.label) for line in guideline.lines],
                "applicant_types": [(t.code, t.label) for t in guideline.applicant_types],
                "categories": [(c.code, c.label) for c in guideline.cost_categories],
                "municipalities": [
                    (m.key, f"{m.name} ({m.district})")
                    for m in await municipality_choices(db_session)
                ],
            },
            values=params,
            objectives=set(objectives),
            cost_rows=range(1, precheck_form.COST_ROWS + 1),
            aid_rows=range(1, precheck_form.AID_ROWS + 1),
            errors=errors.by_field,
            label_of=precheck_form.label_of,
            verdict=verdict,
        )


_TITLES = {
    PageKind.IMPRESSUM: N_("Impressum"),
    PageKind.PRIVACY: N_("Datenschutzerklärung"),
    PageKind.ACCESSIBILITY: N_("Erklärung zur Barrierefreiheit"),
}


async def _legal(
    kind: PageKind, request: Request[Any, Any, Any], state: State, session: AsyncSession
) -> Response[str]:
    registry: GuidelineRegistry = state.guidelines
    guideline_id = request.query_params.get("programm") or registry.all()[0].id
    guideline = registry.get(guideline_id)
    if guideline is None:
        return await _not_found(request, guideline_id)
    text = await legal_pages.page_text(session, guideline.id, kind)
    paragraphs = [] if text is None else [p.strip() for p in text.split("\n\n") if p.strip()]
    return await page(
        request,
        "legal.html",
        title=_TITLES[kind],
        guideline=guideline,
        paragraphs=[p.splitlines() for p in paragraphs],
        kind=kind.value,
    )


class LanguageSwitch(Controller):
    include_in_schema = False

    # A GET that sets a cookie and nothing else: a link, no form, so it works everywhere.
    @get("/sprache/{language:str}", exclude_from_auth=True, name="web:language")
    async def choose(
        self, request: Request[Any, Any, Any], language: FromPath[str]
    ) -> Response[Any]:
        response = see_other(safe_next(request.query_params.get("next"), default="/"))
        if language in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                language,
                path="/",
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="lax",
                secure=is_tls(request),
            )
        return response


class LegalPages(Controller):
    include_in_schema = False

    # One handler for the three: the path names the kind (``/impressum`` → impressum).
    @get([f"/{kind.value}" for kind in PageKind], exclude_from_auth=True, name="web:legal")
    async def legal(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[AsyncSession],
    ) -> Response[str]:
        kind = PageKind(request.url.path.strip("/"))
        return await _legal(kind, request, state, db_session)


class ProgrammePagesController(Controller):
    path = "/api/programmes/{guideline_id:str}/pages"
    tags = ["portal"]

    @get(
        "/{kind:str}",
        operation_id="getProgrammePage",
        summary="The programme's Impressum, privacy or accessibility text as the portal shows it",
        exclude_from_auth=True,
    )
    async def get_page(
        self,
        guideline_id: FromPath[str],
        kind: FromPath[PageKind],
        state: State,
        db_session: NamedDependency[AsyncSession],
    ) -> dict[str, str | None]:
        if state.guidelines.get(guideline_id) is None:
            raise NotFound(f"Programm {guideline_id} nicht gefunden (programme not found)")
        text = await legal_pages.page_text(db_session, guideline_id, kind)
        return {"guideline_id": guideline_id, "kind": kind.value, "text": text}

    @put(
        "/{kind:str}",
        operation_id="setProgrammePage",
        summary="Set or change the Impressum, privacy or accessibility text, with a reason "
        "(managers; audited)",
        security=BEARER,
        guards=[MANAGERS],
    )
    async def set_page(
        self,
        guideline_id: FromPath[str],
        kind: FromPath[PageKind],
        data: JSONBody[ProgrammePageIn],
        context: NamedDependency[UserContext],
    ) -> ProgrammePagePublic:
        return await legal_pages.set_page(context, guideline_id, kind, data)


STATIC = create_static_files_router(
    path="/static",
    directories=[STATIC_DIR],
    include_in_schema=False,
    opt={"exclude_from_auth": True},
    name="web:static",
)


def route_handlers(settings: Settings) -> list[type[Controller] | Router]:
    """The portal's pages in one router (CSRF protection and HTML error pages for all of
    them), the API of the per-programme texts, and the static files."""
    pages = Router(
        path="/",
        route_handlers=[
            PublicPages,
            LanguageSwitch,
            LegalPages,
            AccountPages,
            ApplicantPages,
            DraftPages,
            UploadPages,
            ApplicationActions,
            LetterDownloads,
            OrganisationPages,
            InvitationPage,
            FormalApplicationPages,
            EvaluatorPages,
            ManagerPages,
            ManagerApplicationPages,
            DashboardPages,
            DecisionPages,
            PaymentPages,
            AuditPages,
            AssignmentPages,
            JuryPages,
            ProofPages,
        ],
        middleware=[csrf_middleware(settings)],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=before_page,
        include_in_schema=False,
    )
    return [pages, ProgrammePagesController, STATIC]
