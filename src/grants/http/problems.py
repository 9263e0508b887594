"""Every error leaves as RFC 9457 problem details (``application/problem+json``).

One table maps domain errors to statuses; Litestar's own HTTP exceptions (404, 405, 413,
validation, ...) and unexpected exceptions get the same shape. Clients never see a stack
trace; they get the request id to quote, and the log has the rest.
"""

import logging
import typing
from collections.abc import Mapping
from enum import Enum
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar._signature.types import ExtendedMsgSpecValidationError
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.typing import FieldDefinition

from grants.core.errors import (
    AuthenticationFailed,
    Conflict,
    DeadlinePassed,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    TooManyAttempts,
    UnsupportedContent,
)
from grants.http.request_ids import current_request_id
from grants.http.validation_de import (
    bilingual,
    german,
    parameter_problem,
    rule_english,
    rule_german,
    status_german,
)

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:grants:problem:"

logger = logging.getLogger("grants.http")

_DOMAIN_STATUS: Mapping[type[DomainError], int] = {
    InvalidInput: 422,
    Conflict: 409,
    NotFound: 404,
    Forbidden: 403,
    AuthenticationFailed: 401,
    TooManyAttempts: 429,
    PreconditionFailed: 412,
    PreconditionRequired: 428,
    DeadlinePassed: 422,
    PayloadTooLarge: 413,
    UnsupportedContent: 415,
}

_HTTP_CODES: Mapping[int, str] = {
    400: "bad-request",
    401: "authentication-failed",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "stale-version",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "too-many-attempts",
    500: "internal-error",
    503: "service-unavailable",
}


class UndecodableBody(ClientException):
    """A request body that cannot be decoded at all (not JSON, not UTF-8, nested too deeply):
    400 with one ``body`` problem, raised before any handler runs (see ``http/hooks.py``)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(detail=message)
        self.rule = rule
        self.message = message


class InvalidParameters(ClientException):
    """Parameters that Litestar let through but our field types refuse (an amount in the query
    string written ``50.000``): 422 naming each, as for a body."""

    status_code = 422

    def __init__(self, problems: tuple[FieldProblem, ...]) -> None:
        super().__init__(detail="; ".join(f"{p.field}: {p.rule}" for p in problems))
        self.problems = problems


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    detail: str,
    problems: tuple[FieldProblem, ...] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> Response[dict[str, Any]]:
    # The one builder of every problem, so the one place where each text is made to follow
    # the language rule (German first, English in brackets), whoever wrote it.
    english_status = HTTPStatus(status).phrase.lower()
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": bilingual(
            detail, german_fallback=status_german(status), english_fallback=english_status
        ),
        "instance": request.url.path,
        "request_id": current_request_id(),
    }
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    if problems:
        body["errors"] = [
            {
                "field": p.field,
                "rule": p.rule,
                "message": bilingual(
                    p.message,
                    german_fallback=rule_german(p.rule),
                    english_fallback=rule_english(p.rule),
                ),
            }
            for p in problems
        ]
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def domain_status(exc: DomainError) -> int:
    """The HTTP status of a domain error, for the API's problems and the portal's pages."""
    return next((code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind)), 400)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = domain_status(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="grants"'
    return problem_response(
        request,
        status=status,
        code=exc.code,
        detail=exc.detail,
        problems=exc.problems,
        headers=headers,
        extra=exc.extra,
    )


def _parameter(request: Request[Any, Any, Any], key: str) -> FieldDefinition | None:
    """The handler's parameter that Litestar reported as ``key`` (its Python name)."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except AttributeError:  # no handler resolved (e.g. a routing error)
        return None
    return parameters.get(key)


def _choices(annotation: Any) -> list[str]:
    """The values an enum or literal parameter allows (inside Optional and Annotated too)."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    if typing.get_origin(annotation) is typing.Literal:
        return [str(value) for value in typing.get_args(annotation)]
    for argument in typing.get_args(annotation):
        if found := _choices(argument):
            return found
    return []


def _parameter_problem(request: Request[Any, Any, Any], error: Mapping[str, Any]) -> FieldProblem:
    source = error.get("source")
    key = str(error.get("key", "body"))
    # ``source`` is a ParamType member (a str enum: its value is "query", "header" …)
    origin = getattr(source, "value", source)
    parameter = _parameter(request, key)
    name = key
    if parameter is not None and origin == "header":
        name = getattr(parameter.kwarg_definition, "name", None) or key  # Idempotency-Key
    field = name if origin in (None, "body") else f"{origin}.{name}"
    allowed = _choices(parameter.annotation) if parameter is not None else []
    rule, message = parameter_problem(str(error.get("message", "invalid")), allowed)
    return FieldProblem(field, rule, message)


def _validation_problems(
    request: Request[Any, Any, Any], exc: ValidationException
) -> tuple[FieldProblem, ...]:
    cause = exc.__cause__
    if isinstance(cause, ExtendedMsgSpecValidationError):
        # Pydantic's own errors: the location inside the body and the rule's name.
        return tuple(
            FieldProblem(
                field=".".join(str(part) for part in error.get("loc", ())) or "body",
                rule=str(error.get("type", "invalid")),
                message=german(
                    str(error.get("type", "invalid")),
                    str(error.get("msg", "invalid value")),
                    error.get("ctx"),
                ),
            )
            for error in cause.errors
        )
    problems = []
    for error in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(error, Mapping):
            if str(error.get("key", "body")) == "data":
                # Litestar's name for the whole body: it was absent or empty. A handler whose
                # body is optional is reported for its other parameters only.
                data = _parameter(request, "data")
                if data is None or not data.has_default:
                    problems.append(
                        FieldProblem("body", "missing", "Anfragekörper fehlt (body required).")
                    )
                continue
            problems.append(_parameter_problem(request, error))
    return tuple(problems)


def _litestar_detail(
    request: Request[Any, Any, Any], exc: HTTPException
) -> tuple[str, dict[str, Any]]:
    """Litestar's own English texts (routing, body limit, rate limit) in both languages, with
    what a client needs to act on them."""
    status, detail = exc.status_code, str(exc.detail)
    if status == 404:
        return "Nicht gefunden (not found).", {}
    if status == 405:
        allowed = (exc.headers or {}).get("allow", "")
        return (
            f"Methode {request.method} hier nicht erlaubt; erlaubt: {allowed} "
            f"(method not allowed; allowed: {allowed}).",
            {},
        )
    if status == 413:
        limit = getattr(getattr(request.app.state, "settings", None), "max_request_body_bytes", 0)
        if limit:
            return (
                f"Der Anfragekörper ist zu groß: höchstens {limit} Bytes "
                f"(request body too large: at most {limit} bytes).",
                {"limit_bytes": limit},
            )
        return "Der Anfragekörper ist zu groß (request body too large).", {}
    if status == 429:
        return "Zu viele Anfragen; bitte später erneut versuchen (too many requests).", {}
    return detail, {}


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, UndecodableBody):
        return problem_response(
            request,
            status=400,
            code="bad-request",
            detail=f"Ungültige Anfrage (malformed request): {exc.message}",
            problems=(FieldProblem("body", exc.rule, exc.message),),
        )
    if isinstance(exc, InvalidParameters | ValidationException):
        problems = (
            exc.problems
            if isinstance(exc, InvalidParameters)
            else _validation_problems(request, exc)
        )
        if problems:
            return problem_response(
                request,
                status=422,
                code="validation-error",
                detail="Die Eingabe ist ungültig (the input is invalid); see errors.",
                problems=problems,
            )
        return problem_response(
            request,
            status=400,
            code="bad-request",
            detail=f"Ungültige Anfrage (malformed request): {exc.detail}",
        )
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="grants"')
    extra: dict[str, Any] = {}
    if status >= 500:
        detail = "Interner Fehler (internal error)."
    elif status == 400:
        detail = f"Ungültige Anfrage (malformed request): {exc.detail}"
    else:
        detail, extra = _litestar_detail(request, exc)
    code = _HTTP_CODES.get(status, "http-error")
    return problem_response(
        request, status=status, code=code, detail=detail, headers=headers, extra=extra
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return problem_response(
        request,
        status=500,
        code="internal-error",
        detail="Interner Fehler; bitte die request_id angeben "
        "(internal error; quote the request_id).",
    )
