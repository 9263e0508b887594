"""Who may see or change an award's object (a decision, a payment request): whoever may see
or change its application (``applications.access.load_application``), and nobody else. An
object of another organisation is "not found", whatever the reason, so ids cannot be
probed. Programme- and call-wide staff views (budgets, dashboards, samples, batches, the
overdue list) check the manager role and the programme or call here."""

import uuid
from typing import Any

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.context import UserContext
from grants.core.errors import Forbidden, NotFound
from grants.core.guideline import Guideline
from grants.core.roles import MANAGER_ROLES, Role


def ensure_manager(ctx: UserContext) -> None:
    if not ctx.principal.has_staff_role(*MANAGER_ROLES):
        raise Forbidden("Nur für Programmverantwortliche (programme managers only).")


def programme(ctx: UserContext, guideline_id: str) -> Guideline:
    """The programme (its guideline); 404 when this installation has none of that id."""
    guideline = ctx.guidelines.get(guideline_id)
    if guideline is None:
        raise NotFound(f"Programm {guideline_id} nicht gefunden (programme not found)")
    return guideline


def ensure_call(ctx: UserContext, guideline_id: str, call_code: str) -> None:
    guideline = ctx.guidelines.get(guideline_id)
    if guideline is None or guideline.call(call_code) is None:
        raise NotFound(f"Förderaufruf {guideline_id}/{call_code} nicht gefunden (call not found)")


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
