import uuid

import pytest

from grants.core.access import Principal, ensure_organisation_access
from grants.core.errors import Forbidden, NotFound

ORG = uuid.uuid4()
OTHER = uuid.uuid4()


def principal(
    memberships: dict[uuid.UUID, str] | None = None, staff: frozenset[str] = frozenset()
) -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        email="a@example.org",
        display_name="A",
        staff_roles=staff,
        memberships=memberships or {},
    )


def test_member_may_act_on_own_organisation() -> None:
    ensure_organisation_access(principal({ORG: "member"}), ORG)


def test_non_member_gets_not_found() -> None:
    with pytest.raises(NotFound):
        ensure_organisation_access(principal({OTHER: "admin"}), ORG)


def test_member_without_the_role_gets_forbidden() -> None:
    with pytest.raises(Forbidden):
        ensure_organisation_access(principal({ORG: "member"}), ORG, roles={"admin"})
    ensure_organisation_access(principal({ORG: "admin"}), ORG, roles={"admin"})


def test_staff_pass_only_when_the_caller_names_their_role() -> None:
    manager = principal(staff=frozenset({"programme_manager"}))
    ensure_organisation_access(manager, ORG, staff_roles=("programme_manager",))
    with pytest.raises(NotFound):
        ensure_organisation_access(manager, ORG)
    with pytest.raises(NotFound):
        ensure_organisation_access(
            principal(staff=frozenset({"evaluator"})), ORG, staff_roles=("programme_manager",)
        )
