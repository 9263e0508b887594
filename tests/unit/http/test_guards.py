"""Role guards as plain functions, with a real Litestar connection scope."""

import uuid
from typing import Any

import pytest
from litestar import get
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.testing import RequestFactory

from grants.core.access import Principal
from grants.core.roles import StaffRole
from grants.http.guards import requires_staff


@get("/x", sync_to_thread=False)
def handler() -> None:
    return None


def connection(user: Any) -> Any:
    request = RequestFactory().get("/x")
    request.scope["user"] = user
    return request


def staff(*roles: str) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), email="s@sab.example", display_name="S", staff_roles=frozenset(roles)
    )


def test_guard_admits_any_of_its_roles() -> None:
    guard = requires_staff(StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN)
    guard(connection(staff("admin")), handler)
    guard(connection(staff("programme_manager", "evaluator")), handler)


def test_guard_refuses_other_roles_and_applicants() -> None:
    guard = requires_staff(StaffRole.PROGRAMME_MANAGER)
    with pytest.raises(PermissionDeniedException):
        guard(connection(staff("evaluator")), handler)
    with pytest.raises(PermissionDeniedException):
        guard(connection(staff()), handler)


def test_guard_refuses_anonymous_connections() -> None:
    with pytest.raises(NotAuthorizedException):
        requires_staff(StaffRole.ADMIN)(connection(None), handler)
