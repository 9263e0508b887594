"""Who may see or change an award's object (a decision, a payment request): whoever may see
or change its application (``applications.access.load_application``), and nobody else. An
object of another organisation is "not found", whatever the reason, so ids cannot be
probed."""

import uuid
from typing import Any

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.context import UserContext
from grants.core.errors import Forbidden, NotFound
from grants.core.roles import Role


async def load_with_application(
    ctx: UserContext,
    table: sa.Table,
    object_id: uuid.UUID,
    *,
    manager: bool,
    for_update: bool,
    not_found: NotFound,
) -> tuple[Any, Any, Role]:
    """The object, its application and the principal's role on it; both rows locked when
    ``for_update`` (the application first, as every writer of either locks them)."""
    found = (
        await ctx.session.execute(sa.select(table.c.application_id).where(table.c.id == object_id))
    ).scalar_one_or_none()
    if found is None:
        raise not_found
    try:
        app, role = await load_application(
            ctx,
            found,
            for_update=for_update,
            require=Role.PROGRAMME_MANAGER if manager else None,
        )
    except (NotFound, Forbidden):
        raise not_found from None
    query = sa.select(table).where(table.c.id == object_id)
    if for_update:
        query = query.with_for_update()
    return (await ctx.session.execute(query)).one(), app, role
