"""The composition root: ``create_app(settings)`` wires routes, dependencies, authentication
and the error table. Nothing is built at import time."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from grants import __version__
from grants.accounts.dependencies import DEPENDENCIES as ACCOUNT_DEPENDENCIES
from grants.accounts.middleware import BearerAuthenticationMiddleware, ForgetPrincipalsAfterWrites
from grants.accounts.principal_cache import PrincipalCache
from grants.accounts.routes import (
    AuthController,
    InvitationController,
    MeController,
    OrganisationController,
)
from grants.accounts.signin import TokenPolicy
from grants.accounts.throttle import ThrottleLimits
from grants.accounts.tokens import TokenKeys, VerifiedAccessTokens
from grants.applications import routes as application_routes
from grants.applications.attachments import routes as attachment_routes
from grants.applications.attachments.dependencies import (
    DEPENDENCIES as ATTACHMENT_DEPENDENCIES,
)
from grants.applications.attachments.dependencies import SCANNER_STATE_KEY, STORAGE_STATE_KEY
from grants.applications.attachments.scanner import Scanner, scanner_from_settings
from grants.applications.attachments.storage import Storage, storage_from_settings
from grants.applications.early_start import routes as early_start_routes
from grants.audit import routes as audit_routes
from grants.audit.signing import HeadSigner
from grants.awards.amendments import routes as amendment_routes
from grants.awards.budgets import routes as budget_routes
from grants.awards.dashboards import routes as dashboard_routes
from grants.awards.decisions import routes as decision_routes
from grants.awards.formal import routes as formal_routes
from grants.awards.payments import routes as payment_routes
from grants.awards.phase import routes as phase_routes
from grants.awards.proofs import routes as proof_routes
from grants.awards.reclaims import routes as reclaim_routes
from grants.awards.releases import routes as release_routes
from grants.awards.reminders import routes as reminder_routes
from grants.core.errors import DomainError
from grants.db.engine import build_engine, build_read_session_factory, build_session_factory
from grants.db.hot_reads import PoolReads, SessionReads, asyncpg_dsn
from grants.evaluation.assignment import routes as assignment_routes
from grants.evaluation.formal_check import routes as formal_check_routes
from grants.evaluation.jury import routes as jury_routes
from grants.evaluation.ranking import routes as ranking_routes
from grants.evaluation.scoring import routes as scoring_routes
from grants.guidelines.loader import SHIPPED
from grants.guidelines.registry import GuidelineRegistry, load_registry
from grants.guidelines.routes import (
    CallController,
    EligibilityCheckController,
    GuidelineController,
)
from grants.guidelines.service import record_guideline_versions
from grants.health.routes import live, ready
from grants.http import api_docs, openapi_errors
from grants.http.dependencies import DEPENDENCIES, Clock, system_clock
from grants.http.hooks import require_json_body
from grants.http.logging_setup import configure_logging
from grants.http.page_headers import PageSecurityHeaders
from grants.http.problems import (
    handle_domain_error,
    handle_http_exception,
    handle_unexpected,
)
from grants.http.rate_limit import RATE_LIMITED, SharedRateLimit
from grants.http.request_ids import RequestContextMiddleware
from grants.letters import routes as letter_routes
from grants.municipalities.area_cache import AreaCategoryCache
from grants.settings import Settings, load_settings
from grants.web import pages as web_pages
from grants.web import routes as web_routes


def _precheck_rate_limit(settings: Settings) -> list[SharedRateLimit]:
    """Per client address, shared by every process (``http.rate_limit``)."""
    if settings.precheck_requests_per_minute == 0:
        return []
    return [SharedRateLimit(settings.precheck_requests_per_minute)]


async def _record_guideline_versions(
    session_factory: async_sessionmaker[AsyncSession], registry: GuidelineRegistry, clock: Clock
) -> None:
    """Keep every guideline version ever served, so verdicts can be re-explained by hash."""
    try:
        async with session_factory() as session:
            await record_guideline_versions(session, registry, now=clock())
    except Exception:  # the database may still be starting; /health/ready will say so
        logging.getLogger("grants.app").exception("could not record guideline versions")


_API_PATHS = ("/api", "/docs", "/health", "/static")


def _unknown_address(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """An address no route serves: a problem document under the API, the portal's own
    "not found" page everywhere else (a person typed or followed it)."""
    if request.url.path.startswith(_API_PATHS):
        return handle_http_exception(request, exc)
    return web_pages.not_found_page(request, "Unter dieser Adresse gibt es keine Seite.")


def create_app(
    settings: Settings,
    *,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
    read_session_factory: async_sessionmaker[AsyncSession] | None = None,
    clock: Clock = system_clock,
    configure_logs: bool = True,
    guidelines: GuidelineRegistry | None = None,
    storage: Storage | None = None,
    scanner: Scanner | None = None,
) -> Litestar:
    """Build the application. Tests pass their own ``session_factory`` (bound to a
    connection whose transaction they roll back; it then serves reads too), a fake ``clock``
    and, where they need them, their own attachment ``storage`` and ``scanner``."""
    if configure_logs:
        configure_logging(settings)
    engine: AsyncEngine | None = None
    if session_factory is None:
        engine = build_engine(settings)
        session_factory = build_session_factory(engine)
        read_session_factory = build_read_session_factory(engine)

    registry = guidelines or load_registry(settings.guidelines_dir or SHIPPED)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if engine is not None:
            await _record_guideline_versions(session_factory, registry, clock)
        # Everything built so far (modules, routes, guidelines) lives as long as the process:
        # moving it out of the collector's view keeps full collections short under load.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if engine is not None:
                await engine.dispose()

    app = Litestar(
        route_handlers=[
            live,
            ready,
            AuthController,
            MeController,
            OrganisationController,
            InvitationController,
            GuidelineController,
            CallController,
            EligibilityCheckController,
            *application_routes.CONTROLLERS,
            *attachment_routes.CONTROLLERS,
            *formal_check_routes.CONTROLLERS,
            *assignment_routes.CONTROLLERS,
            *scoring_routes.CONTROLLERS,
            *ranking_routes.CONTROLLERS,
            *jury_routes.CONTROLLERS,
            *early_start_routes.CONTROLLERS,
            *budget_routes.CONTROLLERS,
            *decision_routes.CONTROLLERS,
            *formal_routes.CONTROLLERS,
            *payment_routes.CONTROLLERS,
            *dashboard_routes.CONTROLLERS,
            *proof_routes.CONTROLLERS,
            *reclaim_routes.CONTROLLERS,
            *release_routes.CONTROLLERS,
            *reminder_routes.CONTROLLERS,
            *amendment_routes.CONTROLLERS,
            *phase_routes.CONTROLLERS,
            *letter_routes.CONTROLLERS,
            *audit_routes.CONTROLLERS,
            *web_routes.route_handlers(settings),
            api_docs.assets_router(),
        ],
        dependencies={**DEPENDENCIES, **ACCOUNT_DEPENDENCIES, **ATTACHMENT_DEPENDENCIES},
        middleware=[
            *_precheck_rate_limit(settings),
            DefineMiddleware(
                BearerAuthenticationMiddleware,
                exclude=["^/docs"],
            ),
        ],
        exception_handlers={
            DomainError: handle_domain_error,
            HTTPException: handle_http_exception,
            NotFoundException: _unknown_address,
            Exception: handle_unexpected,
        },
        before_request=require_json_body,
        request_max_body_size=settings.max_request_body_bytes,
        openapi_config=OpenAPIConfig(
            title="grants API",
            version=__version__,
            description=(
                "Förderanträge von der Registrierung bis zum Zuwendungsbescheid "
                "(funding applications from registration to the decision letter). "
                "Errors are RFC 9457 problem details."
            ),
            path="/docs",
            render_plugins=api_docs.render_plugins(),
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        lifespan=[lifespan],
        debug=False,
        logging_config=None,  # ours (configure_logging), not Litestar's default
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.read_session_factory = read_session_factory or session_factory
    app.state.hot_reads = (
        SessionReads(app.state.read_session_factory)
        if engine is None
        else PoolReads(asyncpg_dsn(settings.sqlalchemy_url()), size=settings.hot_read_pool_size)
    )
    app.state.clock = clock
    app.state.token_keys = TokenKeys.from_settings(settings)
    app.state.verified_access_tokens = VerifiedAccessTokens(app.state.token_keys)
    app.state.principal_cache = PrincipalCache(settings.principal_cache_seconds)
    app.state.audit_signer = HeadSigner.from_settings(settings)
    app.state.token_policy = TokenPolicy(
        keys=app.state.token_keys,
        access_lifetime=timedelta(minutes=settings.access_token_minutes),
        refresh_lifetime=timedelta(days=settings.refresh_token_days),
        browser_lifetime=timedelta(hours=settings.browser_session_hours),
    )
    app.state.guidelines = registry
    app.state[STORAGE_STATE_KEY] = storage or storage_from_settings(settings)
    app.state[SCANNER_STATE_KEY] = scanner or scanner_from_settings(settings)
    app.state.area_categories = AreaCategoryCache(app.state.read_session_factory)
    app.state.throttle_limits = ThrottleLimits(
        per_account=settings.login_failures_per_account,
        per_address=settings.login_failures_per_address,
        window=timedelta(seconds=settings.login_failure_window_seconds),
    )
    openapi_errors.install(app, throttled_opts=[RATE_LIMITED])  # problem responses in /docs
    # Outermost layer: request ids and access log for every response, routing errors included.
    app.asgi_handler = RequestContextMiddleware(
        api_docs.DocsSecurityHeaders(
            PageSecurityHeaders(
                ForgetPrincipalsAfterWrites(app.asgi_handler, app.state.principal_cache)
            )
        )
    )
    return app


def create_app_from_env() -> Litestar:
    """Factory for ASGI servers (``uvicorn --factory grants.app:create_app_from_env``).
    ``grants serve`` sets ``GRANTS_DATABASE_URL`` for its workers, embedded server included."""
    settings = load_settings()
    if settings.database_url is None:
        raise RuntimeError(
            "GRANTS_DATABASE_URL is not set; start with `grants serve`, which runs the embedded "
            "PostgreSQL, or set the variable"
        )
    return create_app(settings)
