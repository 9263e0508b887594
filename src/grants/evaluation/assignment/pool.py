"""The evaluator pool: profiles (cap, active) kept by programme managers, affiliations
declared by evaluators themselves (or by managers for them), and per-application conflict
declarations. Every change that can create or remove a conflict refreshes
``evaluator_conflicts`` in the same transaction."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.queries import staff_roles_table, users_table
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.audit_actions import AuditAction
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.core.roles import MANAGER_ROLES, StaffRole
from grants.core.versions import ensure_version, parse_if_match
from grants.evaluation.assignment.conflicts import ACTIVE_STATUSES, refresh_conflicts
from grants.evaluation.assignment.schemas import (
    AffiliationCreate,
    AffiliationPublic,
    ProfilePublic,
    ProfileUpsert,
)
from grants.evaluation.tables import (
    affiliations_table,
    assignments_table,
    declarations_table,
    evaluator_profiles_table,
)

_prof = evaluator_profiles_table
_aff = affiliations_table
_users = users_table
_asg = assignments_table


def evaluator_not_found(user_id: uuid.UUID) -> NotFound:
    return NotFound(f"Gutachterin oder Gutachter {user_id} nicht gefunden (evaluator not found)")


def ensure_self_or_manager(principal: Principal, user_id: uuid.UUID) -> None:
    """Evaluators act on their own pool entry only; managers and admins on anyone's. Others
    learn nothing (404)."""
    if principal.user_id != user_id and not principal.has_staff_role(*MANAGER_ROLES):
        raise evaluator_not_found(user_id)


def _load_column() -> Any:
    return (
        sa.select(sa.func.count())
        .where(_asg.c.evaluator_id == _prof.c.user_id, _asg.c.status.in_(ACTIVE_STATUSES))
        .scalar_subquery()
        .label("load")
    )


def _profile_query() -> sa.Select[Any]:
    return sa.select(_prof, _users.c.email, _users.c.display_name, _load_column()).select_from(
        _prof.join(_users, _users.c.id == _prof.c.user_id)
    )


def _profile_public(row: Any) -> ProfilePublic:
    return ProfilePublic(
        user_id=row.user_id,
        email=row.email,
        display_name=row.display_name,
        max_assignments=row.max_assignments,
        active=row.active,
        version=row.version,
        load=row.load,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _ensure_evaluator(session: AsyncSession, user_id: uuid.UUID) -> None:
    user = (await session.execute(sa.select(_users.c.id).where(_users.c.id == user_id))).first()
    if user is None:
        raise NotFound(f"Benutzer {user_id} nicht gefunden (user not found)")
    role = (
        await session.execute(
            sa.select(staff_roles_table.c.role).where(
                staff_roles_table.c.user_id == user_id,
                staff_roles_table.c.role == StaffRole.EVALUATOR.value,
            )
        )
    ).first()
    if role is None:
        raise InvalidInput(
            "Zum Pool gehören nur Personen mit der Rolle „Gutachterin/Gutachter“ "
            "(user is not an evaluator).",
            problems=(
                FieldProblem("user_id", "not_evaluator", "Rolle „evaluator“ fehlt (missing)."),
            ),
        )


async def upsert_profile(
    ctx: Context, user_id: uuid.UUID, data: ProfileUpsert, *, if_match: str | None
) -> tuple[ProfilePublic, bool]:
    """Create the profile (no If-Match needed) or change it (If-Match required). Returns the
    profile and whether it was created. ``actor``: a programme manager (or the CLI)."""
    async with ctx.session.begin():
        await _ensure_evaluator(ctx.session, user_id)
        current = (
            await ctx.session.execute(
                sa.select(_prof).where(_prof.c.user_id == user_id).with_for_update()
            )
        ).first()
        if current is None:
            await ctx.session.execute(
                sa.insert(_prof).values(
                    user_id=user_id,
                    max_assignments=data.max_assignments,
                    active=data.active,
                    version=1,
                    created_at=ctx.now,
                    updated_at=ctx.now,
                )
            )
            before = None
        else:
            ensure_version(current.version, parse_if_match(if_match))
            await ctx.session.execute(
                sa.update(_prof)
                .where(_prof.c.user_id == user_id)
                .values(
                    max_assignments=data.max_assignments,
                    active=data.active,
                    version=current.version + 1,
                    updated_at=ctx.now,
                )
            )
            before = {"max_assignments": current.max_assignments, "active": current.active}
        row = (await ctx.session.execute(_profile_query().where(_prof.c.user_id == user_id))).one()
        await ctx.audit(
            action=AuditAction.EVALUATOR_PROFILE_CREATED
            if current is None
            else AuditAction.EVALUATOR_PROFILE_UPDATED,
            object_type="evaluator",
            object_id=user_id,
            before=before,
            after={"max_assignments": data.max_assignments, "active": data.active},
        )
    return _profile_public(row), current is None


async def get_profile(ctx: UserContext, user_id: uuid.UUID) -> ProfilePublic:
    ensure_self_or_manager(ctx.principal, user_id)
    row = (await ctx.session.execute(_profile_query().where(_prof.c.user_id == user_id))).first()
    if row is None:
        raise evaluator_not_found(user_id)
    return _profile_public(row)


async def list_profiles(ctx: Context) -> list[ProfilePublic]:
    rows = await ctx.session.execute(
        _profile_query().order_by(_users.c.display_name, _prof.c.user_id)
    )
    return [_profile_public(row) for row in rows]


def affiliation_public(row: Any) -> AffiliationPublic:
    return AffiliationPublic(
        id=row.id,
        evaluator_id=row.evaluator_id,
        kind=row.kind,
        organisation_id=row.organisation_id,
        name=row.name,
        municipality_key=row.municipality_key,
        declared_at=row.declared_at,
    )


async def insert_affiliation(ctx: UserContext, user_id: uuid.UUID, data: AffiliationCreate) -> Any:
    """Write one declared tie of ``user_id`` (evaluator or official: the same table); an
    unknown organisation is a 422 naming ``organisation_id``. In the caller's transaction."""
    try:
        return (
            await ctx.session.execute(
                sa.insert(_aff)
                .values(
                    id=uuid.uuid4(),
                    evaluator_id=user_id,
                    kind=data.kind,
                    organisation_id=data.organisation_id,
                    name=data.name.strip(),
                    municipality_key=data.municipality_key,
                    declared_at=ctx.now,
                )
                .returning(_aff)
            )
        ).one()
    except sa.exc.IntegrityError:
        raise InvalidInput(
            "Organisation unbekannt (unknown organisation).",
            problems=(
                FieldProblem("organisation_id", "unknown", "Keine registrierte Organisation."),
            ),
        ) from None


async def _ensure_in_pool_or_evaluator(session: AsyncSession, user_id: uuid.UUID) -> None:
    try:
        await _ensure_evaluator(session, user_id)
    except (NotFound, InvalidInput):
        raise evaluator_not_found(user_id) from None


async def add_affiliation(
    ctx: UserContext, user_id: uuid.UUID, data: AffiliationCreate
) -> AffiliationPublic:
    ensure_self_or_manager(ctx.principal, user_id)
    async with ctx.session.begin():
        await _ensure_in_pool_or_evaluator(ctx.session, user_id)
        row = await insert_affiliation(ctx, user_id, data)
        added = (await refresh_conflicts(ctx.session, evaluator_ids=[user_id], now=ctx.now)).added
        await ctx.audit(
            action=AuditAction.EVALUATOR_AFFILIATION_DECLARED,
            object_type="evaluator",
            object_id=user_id,
            after={
                "affiliation_id": str(row.id),
                "kind": str(data.kind),
                "organisation_id": None
                if data.organisation_id is None
                else str(data.organisation_id),
                "name": row.name,
                "municipality_key": data.municipality_key,
                "conflicts_added": added,
            },
        )
    return affiliation_public(row)


async def list_affiliations(ctx: UserContext, user_id: uuid.UUID) -> list[AffiliationPublic]:
    ensure_self_or_manager(ctx.principal, user_id)
    await _ensure_in_pool_or_evaluator(ctx.session, user_id)
    rows = await ctx.session.execute(
        sa.select(_aff)
        .where(_aff.c.evaluator_id == user_id)
        .order_by(_aff.c.declared_at, _aff.c.id)
    )
    return [affiliation_public(row) for row in rows]


async def remove_affiliation(
    ctx: UserContext, user_id: uuid.UUID, affiliation_id: uuid.UUID
) -> None:
    ensure_self_or_manager(ctx.principal, user_id)
    async with ctx.session.begin():
        row = (
            await ctx.session.execute(
                sa.delete(_aff)
                .where(_aff.c.id == affiliation_id, _aff.c.evaluator_id == user_id)
                .returning(_aff)
            )
        ).first()
        if row is None:
            raise NotFound(f"Verbindung {affiliation_id} nicht gefunden (affiliation not found)")
        removed = (
            await refresh_conflicts(ctx.session, evaluator_ids=[user_id], now=ctx.now)
        ).removed
        await ctx.audit(
            action=AuditAction.EVALUATOR_AFFILIATION_REMOVED,
            object_type="evaluator",
            object_id=user_id,
            before={"affiliation_id": str(affiliation_id), "name": row.name},
            after={"conflicts_removed": removed},
        )


async def record_declaration(
    session: AsyncSession,
    *,
    evaluator_id: uuid.UUID,
    application_id: uuid.UUID,
    reason: str,
    excluded: bool,
    now: datetime,
) -> None:
    """The evaluator's declared conflict (one per application; a repeat replaces the reason),
    materialised at once; in the caller's transaction."""
    statement = pg_insert(declarations_table).values(
        id=uuid.uuid4(),
        evaluator_id=evaluator_id,
        application_id=application_id,
        reason=reason,
        excluded=excluded,
        declared_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["evaluator_id", "application_id"],
            set_={"reason": reason, "excluded": excluded, "declared_at": now},
        )
    )
    await refresh_conflicts(
        session, application_ids=[application_id], evaluator_ids=[evaluator_id], now=now
    )
