"""Conflicts of interest of the officials who decide (programme managers, admins): § 20 VwVfG
binds everyone who acts for the authority in the procedure, not only evaluators.

Officials declare their ties the way evaluators do, in the same tables (``evaluator_
affiliations`` for organisations and municipalities, ``conflict_declarations`` per
application): a tie is a person's, whatever their role, so one loader (``assignment.conflicts.
load_evaluators``) and one rule (``core.conflicts``) serve all. An official declares their own
ties; an admin may record them for any official.

``ensure_official_not_excluded(ctx, application_id)`` is the check every deciding step calls
before it acts: 409 naming each § 20 ground when the acting official is excluded. § 21
concerns do not block here (the head of the authority decides about them, § 21 Abs. 1); they
are returned so that the caller can record them beside its decision.
"""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.queries import staff_roles_table
from grants.applications.access import load_application
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.audit_actions import AuditAction
from grants.core.conflicts import (
    ConflictOfInterest,
    Subject,
    detect_conflicts,
    exclusions,
)
from grants.core.errors import Conflict, NotFound
from grants.core.roles import MANAGER_ROLES, StaffRole
from grants.evaluation.assignment.conflicts import (
    DEFAULT_POLICY,
    load_evaluators,
    load_parties,
    refresh_conflicts,
)
from grants.evaluation.assignment.pool import (
    affiliation_public,
    insert_affiliation,
    record_declaration,
)
from grants.evaluation.assignment.schemas import AffiliationCreate, AffiliationPublic
from grants.evaluation.jury.schemas import (
    FindingPublic,
    Message,
    OfficialCheck,
    OfficialConflictCreate,
)
from grants.evaluation.tables import affiliations_table

_aff = affiliations_table


def official_not_found(user_id: uuid.UUID) -> NotFound:
    return NotFound(f"Amtsträgerin oder Amtsträger {user_id} nicht gefunden (official not found)")


def _ensure_self_or_admin(principal: Principal, user_id: uuid.UUID) -> None:
    if principal.user_id != user_id and not principal.has_staff_role(StaffRole.ADMIN.value):
        raise official_not_found(user_id)


async def _ensure_official(session: AsyncSession, user_id: uuid.UUID) -> None:
    found = (
        await session.execute(
            sa.select(staff_roles_table.c.user_id).where(
                staff_roles_table.c.user_id == user_id,
                staff_roles_table.c.role.in_(MANAGER_ROLES),
            )
        )
    ).first()
    if found is None:
        raise official_not_found(user_id)


async def declare_affiliation(
    ctx: UserContext, user_id: uuid.UUID, data: AffiliationCreate
) -> AffiliationPublic:
    _ensure_self_or_admin(ctx.principal, user_id)
    async with ctx.session.begin():
        await _ensure_official(ctx.session, user_id)
        row = await insert_affiliation(ctx, user_id, data)
        # An official may also be an evaluator: keep the materialised conflicts true.
        await refresh_conflicts(ctx.session, evaluator_ids=[user_id], now=ctx.now)
        await ctx.audit(
            action=AuditAction.OFFICIAL_AFFILIATION_DECLARED,
            object_type="official",
            object_id=user_id,
            after={
                "affiliation_id": str(row.id),
                "kind": str(data.kind),
                "organisation_id": None
                if data.organisation_id is None
                else str(data.organisation_id),
                "name": row.name,
                "municipality_key": data.municipality_key,
            },
        )
    return affiliation_public(row)


async def list_affiliations(ctx: UserContext, user_id: uuid.UUID) -> list[AffiliationPublic]:
    _ensure_self_or_admin(ctx.principal, user_id)
    await _ensure_official(ctx.session, user_id)
    rows = await ctx.session.execute(
        sa.select(_aff)
        .where(_aff.c.evaluator_id == user_id)
        .order_by(_aff.c.declared_at, _aff.c.id)
    )
    return [affiliation_public(row) for row in rows]


async def remove_affiliation(
    ctx: UserContext, user_id: uuid.UUID, affiliation_id: uuid.UUID
) -> None:
    _ensure_self_or_admin(ctx.principal, user_id)
    async with ctx.session.begin():
        await _ensure_official(ctx.session, user_id)
        row = (
            await ctx.session.execute(
                sa.delete(_aff)
                .where(_aff.c.id == affiliation_id, _aff.c.evaluator_id == user_id)
                .returning(_aff)
            )
        ).first()
        if row is None:
            raise NotFound(f"Verbindung {affiliation_id} nicht gefunden (affiliation not found)")
        await refresh_conflicts(ctx.session, evaluator_ids=[user_id], now=ctx.now)
        await ctx.audit(
            action=AuditAction.OFFICIAL_AFFILIATION_REMOVED,
            object_type="official",
            object_id=user_id,
            before={"affiliation_id": str(affiliation_id), "kind": row.kind, "name": row.name},
        )


# --- the check ------------------------------------------------------------------------------


async def official_findings(
    session: AsyncSession, official_id: uuid.UUID, application_id: uuid.UUID
) -> tuple[ConflictOfInterest, ...]:
    """Every conflict of the official with the application's submitted parties (none before
    a submission: there is nothing to decide yet)."""
    people = await load_evaluators(session, [official_id])
    parties = await load_parties(session, [application_id])
    if not people or not parties:
        return ()
    return detect_conflicts(people[0], parties[0], DEFAULT_POLICY, Subject.OFFICIAL)


def _finding(conflict: ConflictOfInterest) -> FindingPublic:
    return FindingPublic(
        reason=conflict.reason.value,
        ground=conflict.ground,
        legal_basis=conflict.legal_basis,
        excluded=conflict.excluded,
        detail=conflict.detail,
        message=Message(de=conflict.text.de, en=conflict.text.en),
    )


def _check(
    official_id: uuid.UUID, application_id: uuid.UUID, found: tuple[ConflictOfInterest, ...]
) -> OfficialCheck:
    return OfficialCheck(
        official_id=official_id,
        application_id=application_id,
        excluded=bool(exclusions(found)),
        findings=[_finding(conflict) for conflict in found],
    )


async def ensure_official_not_excluded(
    ctx: UserContext, application_id: uuid.UUID
) -> tuple[ConflictOfInterest, ...]:
    """Refuse (409) when the acting official has a § 20 ground for the application; the
    problem names every ground and its paragraph. Returns the § 21 concerns (not blocking).
    Call it inside the deciding transaction, before the decision is written."""
    found = await official_findings(ctx.session, ctx.principal.user_id, application_id)
    excluded = exclusions(found)
    if excluded:
        grounds = "; ".join(conflict.text.de for conflict in excluded)
        grounds_en = "; ".join(conflict.text.en for conflict in excluded)
        raise Conflict(
            "Sie sind in diesem Verfahren von der Mitwirkung ausgeschlossen (§ 20 VwVfG): "
            f"{grounds} Eine andere Amtsträgerin oder ein anderer Amtsträger muss "
            f"entscheiden. (You are excluded from acting on this application: {grounds_en})",
            extra={
                "grounds": [
                    {
                        "reason": c.reason.value,
                        "ground": c.ground.value,
                        "legal_basis": c.legal_basis,
                        "detail": c.detail,
                    }
                    for c in excluded
                ],
            },
        )
    return found


async def check_official(
    ctx: UserContext, user_id: uuid.UUID, application_id: uuid.UUID
) -> OfficialCheck:
    """The official's findings for the application (the official or an admin)."""
    _ensure_self_or_admin(ctx.principal, user_id)
    await _ensure_official(ctx.session, user_id)
    await load_application(ctx, application_id)
    found = await official_findings(ctx.session, user_id, application_id)
    return _check(user_id, application_id, found)


async def declare_conflict(
    ctx: UserContext, user_id: uuid.UUID, application_id: uuid.UUID, data: OfficialConflictCreate
) -> OfficialCheck:
    """The official's own declaration for one application (a repeat replaces it); audited."""
    _ensure_self_or_admin(ctx.principal, user_id)
    reason = data.reason.strip()
    async with ctx.session.begin():
        await _ensure_official(ctx.session, user_id)
        await load_application(ctx, application_id)
        await record_declaration(
            ctx.session,
            evaluator_id=user_id,
            application_id=application_id,
            reason=reason,
            excluded=data.excluded,
            now=ctx.now,
        )
        found = await official_findings(ctx.session, user_id, application_id)
        await ctx.audit(
            action=AuditAction.OFFICIAL_CONFLICT_DECLARED,
            object_type="application",
            object_id=application_id,
            after={"official_id": str(user_id), "reason": reason, "excluded": data.excluded},
        )
    return _check(user_id, application_id, found)
