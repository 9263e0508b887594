"""An organisation's consent to the notification of decisions by portal retrieval
(§ 41 Abs. 2a VwVfG: "Mit Einwilligung des Beteiligten …"). Without it a decision made
available on the portal is not notified by its retrieval: the letter is posted, and the
portal holds a copy. Given and withdrawn by the organisation's admins, for the future only;
every change is a new row (append-only) and an audit entry, so which consent was in force
when a letter was made available stays provable."""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import PortalConsentPublic
from grants.accounts.tables import organisations_table, portal_consents_table, users_table
from grants.context import UserContext
from grants.core.access import ensure_organisation_access
from grants.core.audit_actions import AuditAction
from grants.core.errors import NotFound
from grants.core.roles import MANAGER_ROLES, OrganisationRole

_c = portal_consents_table

# The text a person agrees to; a changed text gets a new version, and the rows keep the one
# that was agreed to.
WORDING = "2026-12-03"
TEXT_DE = (
    "Wir willigen ein, dass Verwaltungsakte der Bewilligungsstelle zu unseren Vorhaben, "
    "insbesondere Bescheide, dadurch bekanntgegeben werden, dass wir sie im Förderportal "
    "abrufen (§ 41 Abs. 2a VwVfG). Über jedes bereitgestellte Dokument werden wir per E-Mail "
    "benachrichtigt. Ein bereitgestellter Verwaltungsakt gilt am Tag nach dem Abruf als "
    "bekanntgegeben. Wird er nicht innerhalb von zehn Tagen nach der Benachrichtigung "
    "abgerufen, ist er nicht bekanntgegeben; er wird uns dann auf anderem Weg, in der Regel "
    "per Post, bekanntgegeben. Die Einwilligung kann hier jederzeit für künftig "
    "bereitgestellte Dokumente widerrufen werden."
)
TEXT_EN = (
    "We consent to administrative acts of the granting authority on our projects, decisions "
    "in particular, being notified by our retrieving them from the portal (§ 41 (2a) VwVfG). "
    "We are told by e-mail of each document made available. A document made available counts "
    "as notified on the day after its retrieval; not retrieved within ten days of the "
    "e-mail, it is not notified and reaches us another way, usually by post. The consent can "
    "be withdrawn here at any time for documents made available later."
)


async def consent_in_force(session: AsyncSession, organisation_id: uuid.UUID) -> bool:
    """Whether the organisation's newest consent row gives the consent (none: no)."""
    consented = (
        await session.execute(
            sa.select(_c.c.consented)
            .where(_c.c.organisation_id == organisation_id)
            .order_by(_c.c.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return bool(consented)


async def _current(session: AsyncSession, organisation_id: uuid.UUID) -> PortalConsentPublic:
    row = (
        await session.execute(
            sa.select(_c.c.consented, _c.c.recorded_at, users_table.c.display_name)
            .join(users_table, users_table.c.id == _c.c.recorded_by)
            .where(_c.c.organisation_id == organisation_id)
            .order_by(_c.c.id.desc())
            .limit(1)
        )
    ).first()
    return PortalConsentPublic(
        organisation_id=organisation_id,
        consented=bool(row and row.consented),
        wording=WORDING,
        text_de=TEXT_DE,
        text_en=TEXT_EN,
        recorded_by_name=None if row is None else row.display_name,
        recorded_at=None if row is None else row.recorded_at,
    )


async def get_consent(ctx: UserContext, organisation_id: uuid.UUID) -> PortalConsentPublic:
    """The organisation's members and programme managers."""
    ensure_organisation_access(ctx.principal, organisation_id, staff_roles=MANAGER_ROLES)
    async with ctx.session.begin():
        exists = (
            await ctx.session.execute(
                sa.select(organisations_table.c.id).where(
                    organisations_table.c.id == organisation_id
                )
            )
        ).first()
        if exists is None:
            raise NotFound("organisation not found")
        return await _current(ctx.session, organisation_id)


async def set_consent(
    ctx: UserContext, organisation_id: uuid.UUID, consented: bool
) -> PortalConsentPublic:
    """Give or withdraw it (the organisation's admins); the same answer again changes
    nothing. The organisation's row is locked, so the newest row is the last one given."""
    ensure_organisation_access(ctx.principal, organisation_id, roles={OrganisationRole.ADMIN})
    async with ctx.session.begin():
        locked = (
            await ctx.session.execute(
                sa.select(organisations_table.c.id)
                .where(organisations_table.c.id == organisation_id)
                .with_for_update()
            )
        ).first()
        if locked is None:
            raise NotFound("organisation not found")
        current = await _current(ctx.session, organisation_id)
        if current.recorded_at is not None and current.consented == consented:
            return current
        await ctx.session.execute(
            sa.insert(_c).values(
                organisation_id=organisation_id,
                consented=consented,
                wording=WORDING,
                recorded_by=ctx.principal.user_id,
                recorded_at=ctx.now,
            )
        )
        await ctx.audit(
            action=AuditAction.PORTAL_CONSENT_RECORDED,
            object_type="organisation",
            object_id=organisation_id,
            before={"consented": current.consented},
            after={"consented": consented, "wording": WORDING},
        )
        return await _current(ctx.session, organisation_id)
