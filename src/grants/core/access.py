"""Who may act on what: the principal and the object-level access rule every endpoint uses.

Pure: the principal carries its memberships and staff roles (loaded once per request with the
token check), so the common "is this my organisation's object?" question needs no query.
"""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from grants.core.actors import Actor
from grants.core.errors import Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    email: str
    display_name: str
    staff_roles: frozenset[str] = frozenset()
    # organisation id -> role in it ("admin" | "member")
    memberships: Mapping[uuid.UUID, str] = field(default_factory=dict)
    session_id: uuid.UUID | None = None  # None for tokens of the external OIDC provider

    def has_staff_role(self, *roles: str) -> bool:
        return not self.staff_roles.isdisjoint(roles)

    def as_actor(self, request_id: str | None = None) -> Actor:
        return Actor(user_id=self.user_id, label=self.email, request_id=request_id)


def ensure_organisation_access(
    principal: Principal,
    organisation_id: uuid.UUID,
    *,
    roles: Collection[str] | None = None,
    staff_roles: Collection[str] = (),
    object_name: str = "organisation",
) -> None:
    """Raise unless ``principal`` may act on an object owned by ``organisation_id``.

    Non-members get ``NotFound`` rather than ``Forbidden`` so that object ids of other
    organisations cannot be probed. Members whose role is not in ``roles`` get ``Forbidden``.
    Holders of one of ``staff_roles`` pass (the caller decides which staff may).
    """
    if staff_roles and principal.has_staff_role(*staff_roles):
        return
    role = principal.memberships.get(organisation_id)
    if role is None:
        raise NotFound(f"{object_name} not found")
    if roles is not None and role not in roles:
        raise Forbidden(f"your role in this organisation ({role}) may not do this")
