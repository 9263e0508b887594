"""The programme's Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit: texts a
programme manager sets (with a reason, audited); the portal shows them. Until one is set, the
page says so — it never shows a text the authority has not given as if it were theirs."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.access import ensure_manager, programme
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.web.schemas import ProgrammePageIn, ProgrammePagePublic
from grants.web.tables import PageKind, pages_table

_p = pages_table


def _public(row: Any) -> ProgrammePagePublic:
    return ProgrammePagePublic.model_validate(row, from_attributes=True)


async def page_text(session: AsyncSession, guideline_id: str, kind: PageKind) -> str | None:
    """The text as set, or None. Runs in the caller's transaction (or autocommit)."""
    row = (
        await session.execute(
            sa.select(_p.c.text).where(_p.c.guideline_id == guideline_id, _p.c.kind == kind)
        )
    ).first()
    return None if row is None else str(row.text)


async def set_page(
    ctx: UserContext, guideline_id: str, kind: PageKind, data: ProgrammePageIn
) -> ProgrammePagePublic:
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    text = data.text.strip()
    where = (_p.c.guideline_id == guideline_id, _p.c.kind == kind)
    async with ctx.session.begin():
        before = (await ctx.session.execute(sa.select(_p).where(*where).with_for_update())).first()
        stamp = {"text": text, "changed_by": ctx.principal.user_id, "changed_at": ctx.now}
        if before is None:
            await ctx.session.execute(
                sa.insert(_p).values(guideline_id=guideline_id, kind=kind, version=1, **stamp)
            )
        else:
            await ctx.session.execute(
                sa.update(_p).where(*where).values(version=before.version + 1, **stamp)
            )
        await ctx.audit(
            AuditAction.PROGRAMME_PAGE_SET,
            object_type="programme",
            object_id=guideline_id,
            before=None if before is None else {"kind": str(kind), "text": before.text},
            after={"kind": str(kind), "text": text, "reason": data.reason.strip()},
        )
        row = (await ctx.session.execute(sa.select(_p).where(*where))).one()
    return _public(row)
