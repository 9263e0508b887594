"""The OpenAPI document's error responses, derived in one place from what each route handler
declares — its guards, path parameters, method, parameters and body, headers and dependencies —
instead of by hand per route.

Litestar documents the success response and, for any operation with input, a 400 in its own
(non-RFC 9457) shape. Every error this API sends is a problem details object; after Litestar has
built the document, ``document_errors`` gives each operation the problem responses its kind can
produce, all pointing at one ``Problem`` schema:

- 400 (malformed body, missing required parameter) and 422 (invalid fields) for input;
- 401 for routes behind the bearer token (or taking an optional one), 403 where a role guard
  applies or a change needs an organisation role, 404 for path parameters (non-members get 404
  too);
- 409 for changes of existing objects (the state decides) and for downloads (quarantine),
  412 and 428 where ``If-Match`` is taken;
- 413 and 415 for request bodies; 429 where a throttle or rate limit applies (the
  ``throttle_limits`` dependency, the ``THROTTLED`` opt, or an opt named to ``install``).

Statuses a handler declares with Litestar's own ``raises=[...]`` are kept, in the problem shape.
The same pass keeps the document valid where Litestar writes a datetime's bounds as
``minimum``/``maximum`` (JSON Schema allows numbers only): they move into the description.

Success responses get the ``ETag`` header where the handler answers with a versioned object
(``Response[Model]`` whose model has ``version``) or a file stream, and ``Idempotent-Replayed``
where an ``Idempotency-Key`` is taken. ``If-Match`` and ``Idempotency-Key`` themselves are
header parameters of their handlers and documented by Litestar.
"""

import dataclasses
import typing
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.response import Response, Stream
from litestar.routes import HTTPRoute

from grants.http.problems import PROBLEM_JSON

PROBLEM = "Problem"
PROBLEM_REF = Reference(ref=f"#/components/schemas/{PROBLEM}")
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A route answers 429 when it takes one of these dependencies (it counts attempts) or carries
# one of these ``opt`` keys, e.g. ``@post(..., opt={THROTTLED: True})``.
THROTTLE_DEPENDENCIES = frozenset({"throttle_limits"})
THROTTLED = "throttled"

Throttled = Callable[[HTTPRouteHandler], bool]

_WHY: Mapping[int, str] = {
    400: "Malformed request: a body that is not JSON or not UTF-8, or a required parameter "
    "missing.",
    401: "No valid bearer token (missing, expired, or its login session ended).",
    403: "Signed in, but the role this action needs is missing (staff role or the "
    "organisation's role).",
    404: "No such object — or one the caller may not know of (non-members get 404 too).",
    409: "The object's current state does not allow this (`current_state`, "
    "`allowed_events` or `scan_status` say why).",
    412: "`If-Match` names an older version: reload (`current_version`) and try again.",
    413: "The body is larger than allowed (`limit_bytes`).",
    415: "The body's media type or content is not accepted (see the operation).",
    422: "Invalid input: `errors` names each field, the rule it broke and why.",
    428: "This change needs `If-Match` with the `ETag` last read.",
    429: "Too many attempts; retry after `Retry-After` seconds.",
}

_ERROR_HEADERS: Mapping[int, dict[str, OpenAPIHeader]] = {
    401: {
        "WWW-Authenticate": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING), description='Bearer realm="grants"'
        )
    },
    429: {
        "Retry-After": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.INTEGER),
            description="Seconds until another attempt is counted.",
        )
    },
}


def problem_schema() -> Schema:
    """RFC 9457 problem details as every error of this API carries them."""
    text = Schema(type=OpenAPIType.STRING)
    return Schema(
        type=OpenAPIType.OBJECT,
        title=PROBLEM,
        description=(
            "RFC 9457 problem details (application/problem+json); texts are German first, "
            "English in brackets. Some problems add machine-readable members (e.g. "
            "current_version, current_state, allowed_events, limit_bytes, detected, allowed)."
        ),
        required=["type", "title", "status", "detail", "instance"],
        properties={
            "type": Schema(
                type=OpenAPIType.STRING, examples=["urn:grants:problem:validation-error"]
            ),
            "title": text,
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": text,
            "instance": text,
            "request_id": Schema(
                type=[OpenAPIType.STRING, OpenAPIType.NULL],
                description="Quote it when asking for help; the logs carry the same id.",
            ),
            "errors": Schema(
                type=OpenAPIType.ARRAY,
                description="For input errors: one entry per offending field.",
                items=Schema(
                    type=OpenAPIType.OBJECT,
                    required=["field", "rule", "message"],
                    properties={
                        "field": Schema(type=OpenAPIType.STRING, examples=["cost_lines.0.amount"]),
                        "rule": Schema(type=OpenAPIType.STRING, examples=["decimal_max_places"]),
                        "message": text,
                    },
                ),
            ),
        },
        additional_properties=True,
    )


def _header_names(operation: Operation) -> set[str]:
    return {
        p.name.lower()
        for p in operation.parameters or []
        if isinstance(p, Parameter) and p.param_in == "header"
    }


def _response_model(handler: HTTPRouteHandler) -> Any:
    annotation = handler.parsed_fn_signature.return_type.annotation
    if typing.get_origin(annotation) is Response:
        (inner,) = typing.get_args(annotation) or (None,)
        return inner
    return None


def _answers_with_etag(handler: HTTPRouteHandler) -> bool:
    """A versioned object in a ``Response`` (``versioning.with_etag``) or a file stream
    (``downloads.download_response``, whose ETag is the SHA-256)."""
    if handler.parsed_fn_signature.return_type.annotation is Stream:
        return True
    model = _response_model(handler)
    return "version" in (getattr(model, "model_fields", None) or {})


def default_throttled(handler: HTTPRouteHandler) -> bool:
    return bool(handler.opt.get(THROTTLED)) or bool(
        THROTTLE_DEPENDENCIES & set(handler.parsed_fn_signature.parameters)
    )


def error_statuses(
    handler: HTTPRouteHandler, method: str, operation: Operation, throttled: Throttled
) -> set[int]:
    """The problem statuses an operation of this kind can answer with."""
    statuses: set[int] = set()
    has_body = operation.request_body is not None
    has_path_parameters = any(
        isinstance(p, Parameter) and p.param_in == "path" for p in operation.parameters or []
    )
    authenticated = not handler.opt.get("exclude_from_auth")
    change = method in CHANGES
    if has_body or operation.parameters:
        statuses |= {400, 422}
    if has_body:
        statuses |= {413, 415}
    # A token is required, or optional (security lists it beside {}): a bad one is 401.
    if authenticated or handler.resolve_security():
        statuses.add(401)
    if authenticated and (handler.resolve_guards() or change):
        statuses.add(403)
    if has_path_parameters:
        statuses.add(404)
    if "if-match" in _header_names(operation):
        statuses |= {409, 412, 428}
    if authenticated and change and has_path_parameters:
        statuses.add(409)
    if handler.parsed_fn_signature.return_type.annotation is Stream:
        statuses.add(409)  # a file still in quarantine
    if throttled(handler):
        statuses.add(429)
    return statuses


def _problem_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=_WHY.get(status, HTTPStatus(status).phrase),
        content={PROBLEM_JSON: OpenAPIMediaType(schema=PROBLEM_REF)},
        headers=dict(_ERROR_HEADERS.get(status, {})) or None,
    )


def _success_headers(handler: HTTPRouteHandler, operation: Operation) -> dict[str, OpenAPIHeader]:
    headers: dict[str, OpenAPIHeader] = {}
    if _answers_with_etag(handler):
        headers["ETag"] = OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING),
            description='The version read ("3"), to send back as If-Match; for files the '
            "SHA-256 of the bytes.",
        )
    if "idempotency-key" in _header_names(operation):
        headers["Idempotent-Replayed"] = OpenAPIHeader(
            schema=Schema(type=OpenAPIType.STRING, enum=["true"]),
            description="Present on the stored answer to a retry with the same key.",
        )
    return headers


def document_operation(
    handler: HTTPRouteHandler, method: str, operation: Operation, throttled: Throttled
) -> None:
    responses = dict(operation.responses or {})
    for status in error_statuses(handler, method, operation, throttled):
        responses[str(status)] = _problem_response(status)
    for code, response in list(responses.items()):
        # Litestar's own error shape (status_code/detail/extra) is not what we send.
        if (
            code[:1] in {"4", "5"}
            and isinstance(response, OpenAPIResponse)
            and PROBLEM_JSON not in (response.content or {})
        ):
            responses[code] = _problem_response(int(code))
    if headers := _success_headers(handler, operation):
        for code, response in responses.items():
            if code[:1] == "2" and isinstance(response, OpenAPIResponse):
                response.headers = {**(response.headers or {}), **headers}
    operation.responses = dict(sorted(responses.items()))


_BOUNDS = ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum")


def _numeric_bounds_only(schema: Schema, seen: set[int]) -> None:
    """JSON Schema bounds are numbers; Litestar copies a datetime field's bounds verbatim
    (``"maximum": "2199-12-31T00:00:00Z"``), which validators and Schemathesis reject. Such a
    bound moves into the description, and the schema's nested schemas are walked too."""
    if id(schema) in seen:
        return
    seen.add(id(schema))
    for name in _BOUNDS:
        bound = getattr(schema, name)
        if bound is not None and not isinstance(bound, int | float):
            setattr(schema, name, None)
            note = f"{name.replace('_', ' ')}: {bound}"
            schema.description = f"{schema.description}; {note}" if schema.description else note
    for field in dataclasses.fields(schema):
        _walk(getattr(schema, field.name), seen)


def _walk(value: object, seen: set[int]) -> None:
    if isinstance(value, Schema):
        _numeric_bounds_only(value, seen)
    elif isinstance(value, Mapping):
        for item in value.values():
            _walk(item, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, seen)


def _parameter_and_body_schemas(openapi: OpenAPI) -> Iterable[object]:
    for path_item in (openapi.paths or {}).values():
        for field in dataclasses.fields(path_item):
            operation = getattr(path_item, field.name)
            if not isinstance(operation, Operation):
                continue
            yield from (p.schema for p in operation.parameters or [] if isinstance(p, Parameter))
            body = operation.request_body
            if isinstance(body, RequestBody):
                yield from (media.schema for media in body.content.values())


def document_errors(
    openapi: OpenAPI, routes: Iterable[HTTPRoute], throttled: Throttled = default_throttled
) -> OpenAPI:
    """Give every operation of ``openapi`` (built from ``routes``) its problem responses, and
    keep its schemas valid JSON Schema (numeric bounds only)."""
    schemas = openapi.components.schemas if openapi.components.schemas is not None else {}
    schemas[PROBLEM] = problem_schema()
    openapi.components.schemas = schemas
    seen: set[int] = set()
    _walk(schemas, seen)
    _walk(list(_parameter_and_body_schemas(openapi)), seen)
    for route in routes:
        path_item = (openapi.paths or {}).get(route.path_format or "/")
        if path_item is None:
            continue
        for method, (handler, _) in route.route_handler_map.items():
            operation = getattr(path_item, method.lower(), None)
            if isinstance(operation, Operation) and handler.resolve_include_in_schema():
                document_operation(handler, method, operation, throttled)
    return openapi


def install(app: Litestar, *, throttled_opts: Iterable[str] = ()) -> None:
    """Make ``app``'s OpenAPI document (built lazily, on first request of ``/docs``) carry the
    problem responses. Litestar has no hook after building the document, so its plugin
    instance takes a subclass that calls ``document_errors`` on the result; nothing else of it
    changes. ``throttled_opts``: route ``opt`` keys that mean "rate-limited" (429)."""
    opts = tuple(throttled_opts)

    def throttled(handler: HTTPRouteHandler) -> bool:
        return default_throttled(handler) or any(handler.opt.get(key) for key in opts)

    class ErrorDocumentingOpenAPIPlugin(OpenAPIPlugin):
        __slots__ = ()

        def _build_openapi(self) -> OpenAPI:
            return document_errors(
                super()._build_openapi(), self.included_routes.values(), throttled
            )

    app.plugins.get(OpenAPIPlugin).__class__ = ErrorDocumentingOpenAPIPlugin
