"""Request hooks shared by the app and the routes that set a ``before_request`` of their own
(a route's hook replaces the app's, so such a hook calls these first)."""

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException

_JSON_MEDIA = ("application/json",)


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """415 for a body that is not JSON, on routes that take one. (async: a sync hook would
    be run in a worker thread on every request.)"""
    if request.method not in {"POST", "PUT", "PATCH"}:
        return
    if "data" not in request.route_handler.parsed_fn_signature.parameters:
        return
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
