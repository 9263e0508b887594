"""Request hooks shared by the app and the routes that set a ``before_request`` of their own
(a route's hook replaces the app's, so such a hook calls these first)."""

import logging
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from pydantic import TypeAdapter, ValidationError

from grants.core.errors import FieldProblem
from grants.http.fields import Amount, JsonNumber
from grants.http.problems import InvalidParameters, UndecodableBody
from grants.http.validation_de import german

_JSON_MEDIA = ("application/json",)
# No request of ours nests deeper than a handful of levels; the limit keeps deeply nested
# values away from validation, the services and the database driver, which all recurse.
MAX_JSON_DEPTH = 64
# Litestar's own decoder for request bodies is an untyped msgspec decoder too; the value
# decoded here is handed on to it (see decode_json_body), so the body is decoded once.
# Non-integer numbers keep the digits the client wrote (JsonNumber, a float), so that money
# can refuse 50.000 (fifty thousand to a German) instead of reading fifty.
_decoder = msgspec.json.Decoder(float_hook=JsonNumber)

_TOO_DEEP = (
    f"Der Anfragekörper ist zu tief verschachtelt, höchstens {MAX_JSON_DEPTH} Ebenen "
    f"(body nested too deeply, at most {MAX_JSON_DEPTH} levels)."
)

logger = logging.getLogger("grants.http")


def expects_json_body(request: Request[Any, Any, Any]) -> bool:
    """Whether the route reads a JSON body (``data``) on this method."""
    return (
        request.method in {"POST", "PUT", "PATCH"}
        and "data" in request.route_handler.parsed_fn_signature.parameters
    )


def require_json_media_type(request: Request[Any, Any, Any]) -> None:
    """415 for a body that is not declared as JSON."""
    # The first Content-Type straight from the ASGI scope (names arrive lower-cased), as
    # request.headers would give it, without building the headers mapping on every request.
    raw = next((value for name, value in request.scope["headers"] if name == b"content-type"), b"")
    media_type = raw.decode("latin-1").split(";")[0].strip().lower()
    if media_type in _JSON_MEDIA or media_type.endswith("+json"):
        return
    raise HTTPException(
        status_code=415,
        detail="Bitte JSON senden (send Content-Type: application/json).",
    )


def _deeper_than(value: object, limit: int) -> bool:
    """Whether containers in ``value`` nest more than ``limit`` levels (without recursing)."""
    if not isinstance(value, dict | list):
        return False
    pending: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 1)]
    while pending:
        container, depth = pending.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


async def decode_json_body(request: Request[Any, Any, Any]) -> None:
    """Decode the body here, where every failure is known to be the client's: a 400 naming the
    body for one that is not JSON, not UTF-8 or nested too deeply (msgspec's ``RecursionError``
    included), before any handler or service runs. The value is left in the request's scope
    state, where ``Request.json()`` and so Litestar's ``data`` parsing take it from. An empty
    body is left to Litestar (422: body required)."""
    body = await request.body()
    if not body:
        return
    state = ScopeState.from_scope(request.scope)
    if state.json is not Empty:
        return
    try:
        value = _decoder.decode(body)
    except RecursionError:
        rule, message = "too_deep", _TOO_DEEP
    except UnicodeDecodeError:
        rule = "invalid_utf8"
        message = "Der Anfragekörper ist kein gültiges UTF-8 (body is not valid UTF-8)."
    except msgspec.DecodeError as exc:
        rule = "invalid_json"
        message = f"Der Anfragekörper ist kein gültiges JSON (body is not valid JSON: {exc})."
    else:
        # Depth needs as many brackets: most bodies are spared the walk by two byte counts.
        if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH or not _deeper_than(
            value, MAX_JSON_DEPTH
        ):
            state.json = value
            return
        rule, message = "too_deep", _TOO_DEEP
    # One line, no traceback: the client's mistake, but worth seeing when it floods.
    logger.warning("undecodable request body", extra={"path": request.scope["path"], "rule": rule})
    raise UndecodableBody(rule, message)


_AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)
# Per route handler: its decimal query parameters as (query key, parameter name). Handlers
# live as long as the app, so the cache is filled once per route.
_AMOUNT_QUERIES: dict[HTTPRouteHandler, tuple[str, ...]] = {}


def _is_decimal(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, Decimal)
    return any(_is_decimal(argument) for argument in typing.get_args(annotation))


def _amount_queries(
    handler: HTTPRouteHandler, path_parameters: Mapping[str, Any] | None
) -> tuple[str, ...]:
    found = _AMOUNT_QUERIES.get(handler)
    if found is None:
        keys = []
        for name, parameter in handler.parsed_fn_signature.parameters.items():
            definition = parameter.kwarg_definition
            if (
                not _is_decimal(parameter.annotation)
                or name in (path_parameters or {})
                or getattr(definition, "header", None)
                or getattr(definition, "cookie", None)
            ):
                continue
            keys.append(getattr(definition, "query", None) or name)
        found = _AMOUNT_QUERIES[handler] = tuple(keys)
    return found


def check_amount_queries(request: Request[Any, Any, Any]) -> None:
    """Decimal query parameters are amounts and follow the body's rule (``http/fields.py``):
    ``?budget=50.000`` is 422 naming ``query.budget`` with the expected form, not fifty euros.
    Litestar reads query strings with msgspec, which knows nothing of Pydantic's rules."""
    handler = request.route_handler
    if not isinstance(handler, HTTPRouteHandler):
        return
    keys = _amount_queries(handler, request.scope.get("path_params"))
    if not keys:
        return
    problems: list[FieldProblem] = []
    for key in keys:
        for raw in request.query_params.getall(key, []):
            try:
                _AMOUNT.validate_python(raw)
            except ValidationError as exc:
                problems.extend(
                    FieldProblem(
                        f"query.{key}",
                        str(error["type"]),
                        german(str(error["type"]), str(error["msg"]), error.get("ctx")),
                    )
                    for error in exc.errors()
                )
    if problems:
        raise InvalidParameters(tuple(problems))


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """The app's ``before_request``: amounts in the query string checked; 415 for a body that
    is not JSON, 400 for one that cannot be decoded, on routes that take one. (async: a sync
    hook would be run in a worker thread on every request.)"""
    check_amount_queries(request)
    if not expects_json_body(request):
        return
    # A route whose body is optional (``data`` with a default) may be called without one.
    if request.route_handler.parsed_fn_signature.parameters["data"].has_default and not (
        await request.body()
    ):
        return
    require_json_media_type(request)
    await decode_json_body(request)
