"""Role guards, declared on routes. Object-level checks ("is this *my* organisation's
object?") live in the services, through ``core.access.ensure_organisation_access``."""

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from grants.core.access import Principal
from grants.core.roles import StaffRole

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("Anmeldung erforderlich (authentication required).")
    return user


def requires_staff(*roles: StaffRole) -> Guard:
    """Allow users holding at least one of ``roles``."""
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not principal_of(connection).has_staff_role(*allowed):
            raise PermissionDeniedException(
                "Diese Funktion ist folgenden Rollen vorbehalten (reserved for): "
                + ", ".join(sorted(allowed))
            )

    guard.__name__ = "requires_staff_" + "_or_".join(sorted(allowed))
    return guard


# The OpenAPI security requirement of every route that needs a bearer token.
BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]

# Programme managers and admins: the staff that run a programme's calls.
MANAGERS = requires_staff(StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN)
