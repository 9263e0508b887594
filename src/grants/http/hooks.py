"""Request hooks shared by the app and the routes that set a ``before_request`` of their own
(a route's hook replaces the app's, so such a hook calls these first)."""

import logging
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from grants.http.problems import UndecodableBody

_JSON_MEDIA = ("application/json",)
# No request of ours nests deeper than a handful of levels; the limit keeps deeply nested
# values away from validation, the services and the database driver, which all recurse.
MAX_JSON_DEPTH = 64
# Litestar's own decoder for request bodies is an untyped msgspec decoder too; the value
# decoded here is handed on to it (see decode_json_body), so the body is decoded once.
_decoder = msgspec.json.Decoder()

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


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """415 for a body that is not JSON, 400 for one that cannot be decoded, on routes that
    take one. (async: a sync hook would be run in a worker thread on every request.)"""
    if not expects_json_body(request):
        return
    require_json_media_type(request)
    await decode_json_body(request)
