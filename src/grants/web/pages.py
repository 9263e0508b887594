"""What every portal page shares: rendering with the layout's context (who is signed in, the
form token against cross-site requests), the pages' answers to errors (HTML, not the API's
problem documents: a sign-in page for a page that needs one, "not found" for an object the
user may not see — the same 404 the API gives, from the same access checks — and a 403 page
for a form whose token did not verify), and the CSRF protection of every form.

CSRF: Litestar's ``CSRFMiddleware`` (double submit: an HMAC-signed token in an HttpOnly
cookie, the same token in the form's hidden ``_csrf_token`` field; every POST without a
matching pair is refused with 403). It is mounted on the portal's pages only: the API takes
bearer tokens from a header, which a cross-site form cannot send."""

import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, CSRFMiddleware, generate_csrf_hash
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap
from litestar.utils.scope.state import ScopeState
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts import signin
from grants.accounts.throttle import ThrottleLimits
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.errors import (
    AuthenticationFailed,
    DomainError,
    Forbidden,
    NotFound,
    TooManyAttempts,
)
from grants.core.roles import MANAGER_ROLES, StaffRole
from grants.http.dependencies import client_address
from grants.http.hooks import require_json_body
from grants.http.problems import domain_status
from grants.http.request_ids import current_request_id
from grants.settings import Settings
from grants.web.cookies import already_signed_in, signed_in
from grants.web.forms import FormErrors
from grants.web.templating import LANGUAGES, N_, catalogue, render, use_language

SITE = N_("Förderportal")
CSRF_COOKIE = "grants_csrf"
CSRF_FIELD = "_csrf_token"  # the form field Litestar's middleware reads


class SignInRequired(Exception):
    """A page for signed-in users was asked for without a live session."""


LANGUAGE_COOKIE = "grants_lang"


def language_of(request: Request[Any, Any, Any]) -> str:
    """The page's language: the visitor's choice (a cookie, set by ``/sprache/…``), else
    German."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else LANGUAGES[0]


def translated(request: Request[Any, Any, Any], message: str) -> str:
    """A text built outside a render (an autosave's answer, an error stored for a field)
    in the request's language."""
    return catalogue(language_of(request)).gettext(message)


async def before_page(request: Request[Any, Any, Any]) -> None:
    """The pages' ``before_request``: the app's own checks, then the request's language, so
    that texts built by a handler (``translate``) speak it too."""
    await require_json_body(request)
    use_language(language_of(request))


def csrf_token(request: Request[Any, Any, Any]) -> str:
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


async def page(
    request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any
) -> Response[str]:
    """A page in the portal's layout, with the signed-in user's header."""
    user = await signed_in(request)
    return render_page(request, template, user, status_code=status_code, **context)


def render_page(
    request: Request[Any, Any, Any],
    template: str,
    user: Principal | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    """Never stored by a shared cache when it names the user."""
    return Response(
        render(
            template,
            language=language_of(request),
            site_name=SITE,
            user=user,
            csrf_token=csrf_token(request),
            csrf_field=CSRF_FIELD,
            path=request.url.path,
            **context,
        ),
        media_type=MediaType.HTML,
        status_code=status_code,
        headers={"Cache-Control": "no-store"} if user is not None else None,
    )


async def require_user(request: Request[Any, Any, Any]) -> Principal:
    user = await signed_in(request)
    if user is None:
        raise SignInRequired
    return user


def home_of(user: Principal) -> str:
    """Where a signed-in user starts: staff without an applicant organisation at their work,
    everybody else at their organisation's applications."""
    if user.memberships:
        return "/antraege"
    if user.has_staff_role(*MANAGER_ROLES):
        return "/verwaltung"
    if user.has_staff_role(StaffRole.EVALUATOR.value):
        return "/begutachtung"
    return "/antraege"


def user_context(
    request: Request[Any, Any, Any], session: AsyncSession, user: Principal, now: datetime
) -> UserContext:
    """The use-case context of a page's signed-in user, as the API's ``context``."""
    return UserContext.of(
        session,
        user,
        now=now,
        guidelines=request.app.state.guidelines,
        request_id=current_request_id(),
    )


async def signed_in_context(
    request: Request[Any, Any, Any], session: AsyncSession, now: datetime
) -> UserContext:
    """The context of a page that needs a signed-in user (``SignInRequired`` otherwise)."""
    return user_context(request, session, await require_user(request), now)


async def staff_context(
    request: Request[Any, Any, Any], session: AsyncSession, now: datetime, *roles: str
) -> UserContext:
    """The context of a staff page: signed in (``SignInRequired`` otherwise) and holding one
    of ``roles`` — the API's guards' rule. Anyone else gets the page's 404, as for an object
    they may not see: a staff page's existence is not announced to applicants."""
    context = await signed_in_context(request, session, now)
    if not context.principal.has_staff_role(*roles):
        raise NotFound(N_("Unter dieser Adresse gibt es keine Seite."))
    return context


def error_lines(error: Exception) -> list[str]:
    """A refused step's messages for the page's error list: the service's detail and each
    problem at its field, or the request model's validation errors."""
    if isinstance(error, DomainError):
        return [error.detail, *(f"{p.field}: {p.message}" for p in error.problems)]
    if isinstance(error, ValidationError):
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
    return [str(error)]


def form_values(form: Any) -> dict[str, str]:
    """A posted form's text fields, without the framework's own (``_csrf_token``)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}


def see_other(location: str) -> Redirect:
    """After a form's POST: 303, so that reloading the next page does not post again."""
    return Redirect(location, status_code=303)


def _sign_in_first(request: Request[Any, Any, Any], _: SignInRequired) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"/anmelden?next={quote(target, safe='/')}")


# Exception handlers are synchronous in Litestar: these pages use the user only when the
# request has looked them up already (``already_signed_in``).
def _error_page(
    request: Request[Any, Any, Any], template: str, status_code: int, **context: Any
) -> Response[str]:
    user = already_signed_in(request)
    return render_page(request, template, user, status_code=status_code, **context)


def not_found_page(request: Request[Any, Any, Any], message: str) -> Response[str]:
    return _error_page(request, "not_found.html", 404, message=message)


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, NotFound):
        return not_found_page(request, exc.detail)
    if isinstance(exc, Forbidden):
        return _error_page(request, "forbidden.html", 403, message=exc.detail)
    response = _error_page(
        request,
        "error.html",
        domain_status(exc),
        message=exc.detail,
        problems=exc.problems,
    )
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _missing(request: Request[Any, Any, Any], _: NotFoundException) -> Response[Any]:
    return not_found_page(request, N_("Unter dieser Adresse gibt es keine Seite."))


def _csrf_refused(request: Request[Any, Any, Any], _: PermissionDeniedException) -> Response[Any]:
    return _error_page(
        request,
        "forbidden.html",
        403,
        message=N_(
            "Das Formular konnte nicht angenommen werden: Die Sicherheitsprüfung gegen "
            "Anfragen fremder Seiten ist fehlgeschlagen (etwa weil das Formular zu lange "
            "offen war oder von einer anderen Seite abgeschickt wurde). Bitte laden Sie die "
            "Seite neu und senden Sie es noch einmal."
        ),
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    SignInRequired: _sign_in_first,
    DomainError: _domain_error,
    NotFoundException: _missing,
    PermissionDeniedException: _csrf_refused,
}


def csrf_secret(settings: Settings) -> str:
    # A key of its own, derived from the server secret: a CSRF token is never a valid
    # signature of anything else.
    return hmac.new(
        settings.secret_key.get_secret_value().encode(), b"grants portal csrf", hashlib.sha256
    ).hexdigest()


def _token_secret(token: str, secret: str) -> str | None:
    value, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    if len(value) < CSRF_SECRET_LENGTH or not signature:
        return None
    return value if hmac.compare_digest(signature, generate_csrf_hash(value, secret)) else None


def form_token_matches(request: Request[Any, Any, Any], token: str | None) -> bool:
    """The middleware's check, for the one kind of form it cannot read without buffering:
    a file upload, whose token travels in the form's address (``?_csrf_token=``) so that the
    file streams to the scanner unparsed. The same token, cookie and HMAC."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not token or not cookie:
        return False
    secret = csrf_secret(request.app.state.settings)
    mine, theirs = _token_secret(cookie, secret), _token_secret(token, secret)
    return mine is not None and theirs is not None and hmac.compare_digest(mine, theirs)


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    base = str(settings.public_base_url or "")
    config = CSRFConfig(
        secret=csrf_secret(settings),
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,
        cookie_secure=base.startswith("https://"),
        cookie_samesite="lax",
        header_name="x-csrf-token",
    )
    return DefineMiddleware(CSRFMiddleware, config=config)


# --- the fresh confirmation of a step that binds or pays money -------------------------------
# The person ticks that they act in their own name and enters their password again on the
# same form (a Bescheid's release and second approval, a payment's certification and order),
# checked with ``signin.confirm_password`` (throttled as a sign-in, audited): an open session
# someone else got hold of cannot take such a step alone.

TICK = "bestaetigt"
PASSWORD = "passwort"  # noqa: S105 (the form field's name)


async def confirmed(
    request: Request[Any, Any, Any],
    context: UserContext,
    values: dict[str, str],
    *,
    purpose: str,
    object_type: str,
    object_id: uuid.UUID,
    limits: ThrottleLimits,
    tick_message: str,
) -> FormErrors:
    """The form's errors: none when the tick is set and the password is the user's."""
    errors = FormErrors()
    if values.get(TICK) != "ja":
        errors.add(TICK, tick_message)
    try:
        await signin.confirm_password(
            context,
            values.get(PASSWORD, ""),
            purpose=purpose,
            object_type=object_type,
            object_id=object_id,
            client_address=client_address(request),
            limits=limits,
        )
    except (AuthenticationFailed, TooManyAttempts) as error:
        errors.add(PASSWORD, error.detail)
    return errors
