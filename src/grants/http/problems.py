"""Every error leaves as RFC 9457 problem details (``application/problem+json``).

One table maps domain errors to statuses; Litestar's own HTTP exceptions (404, 405, 413,
validation, ...) and unexpected exceptions get the same shape. Clients never see a stack
trace; they get the request id to quote, and the log has the rest.
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar._signature.types import ExtendedMsgSpecValidationError
from litestar.exceptions import ClientException, HTTPException, ValidationException

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
from grants.http.validation_de import german

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
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": current_request_id(),
    }
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    if problems:
        body["errors"] = [
            {"field": p.field, "rule": p.rule, "message": p.message} for p in problems
        ]
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = next((code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind)), 400)
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


def _validation_problems(exc: ValidationException) -> tuple[FieldProblem, ...]:
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
            source = error.get("source")
            key = str(error.get("key", "body"))
            if key == "data":  # Litestar's name for the whole body: it was absent or empty
                problems.append(
                    FieldProblem("body", "missing", "Anfragekörper fehlt (body required).")
                )
                continue
            # ``source`` is a ParamType member (a str enum: its value is "query", "header" …)
            origin = getattr(source, "value", source)
            field = key if origin in (None, "body") else f"{origin}.{key}"
            problems.append(FieldProblem(field, "invalid", str(error.get("message", "invalid"))))
    return tuple(problems)


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
    if isinstance(exc, ValidationException):
        problems = _validation_problems(exc)
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
    detail = exc.detail if status < 500 else "Interner Fehler (internal error)."
    if status == 400:
        detail = f"Ungültige Anfrage (malformed request): {exc.detail}"
    code = _HTTP_CODES.get(status, "http-error")
    return problem_response(request, status=status, code=code, detail=str(detail), headers=headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return problem_response(
        request,
        status=500,
        code="internal-error",
        detail="Interner Fehler; bitte die request_id angeben "
        "(internal error; quote the request_id).",
    )
