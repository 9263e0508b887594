"""Who may see or change *this* application. Every applications and attachments endpoint
loads its application through here, so the rule lives in one place:

- members of the owning organisation see and edit it in every state;
- programme managers and admins see it once it has been submitted (never a draft);
- everybody else, evaluators included, learns nothing: 404, as if it did not exist.
"""

import uuid
from typing import Any

import sqlalchemy as sa

from grants.applications.tables import applications_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.errors import Forbidden, NotFound
from grants.core.lifecycle import State
from grants.core.roles import MANAGER_ROLES, Role

_apps = applications_table
_UNSUBMITTED = frozenset({State.DRAFT, State.DISCARDED})  # the applicant's alone


def not_found(application_id: uuid.UUID) -> NotFound:
    return NotFound(f"Antrag {application_id} nicht gefunden (application not found)")


def role_of(principal: Principal, organisation_id: uuid.UUID, status: State) -> Role | None:
    """The lifecycle role ``principal`` acts in on an application, or None: no access."""
    if organisation_id in principal.memberships:
        return Role.APPLICANT
    if principal.has_staff_role(*MANAGER_ROLES) and status not in _UNSUBMITTED:
        return Role.PROGRAMME_MANAGER
    return None


async def load_application(
    ctx: UserContext,
    application_id: uuid.UUID,
    *,
    for_update: bool = False,
    require: Role | None = None,
) -> tuple[sa.Row[Any], Role]:
    """The application row and the principal's role on it. ``NotFound`` when the principal
    may not see it; ``Forbidden`` when it may see it but ``require`` asks for another role
    (a manager cannot act as the applicant, nor the other way round)."""
    query = sa.select(_apps).where(_apps.c.id == application_id)
    if for_update:
        query = query.with_for_update()
    row = (await ctx.session.execute(query)).first()
    if row is None:
        raise not_found(application_id)
    role = role_of(ctx.principal, row.organisation_id, State(row.status))
    if role is None:
        raise not_found(application_id)
    if require is not None and role is not require:
        raise Forbidden(f"Nur in der Rolle „{require.value}“ möglich (only as {require.value}).")
    return row, role
