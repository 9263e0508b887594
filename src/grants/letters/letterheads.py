"""Each programme's letterhead: the authority's data every letter prints (name, address, seat
for the legal-remedy notice, bank details, where the data-protection notice is), set and
changed by a programme manager with a reason, audited. Until a person has set it, letters
can only be previewed."""

from typing import Any

import sqlalchemy as sa
from schwifty import IBAN
from schwifty import exceptions as iban_errors
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.access import ensure_manager, programme
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.letters.schemas import LetterheadIn, LetterheadPublic
from grants.letters.tables import letterheads_table as _h


def _letterhead_public(row: Any) -> LetterheadPublic:
    return LetterheadPublic.model_validate(row, from_attributes=True)


async def letterhead_of(session: AsyncSession, guideline_id: str) -> dict[str, Any] | None:
    """The programme's letterhead as the letters' data takes it, or None if none is set."""
    row = (await session.execute(sa.select(_h).where(_h.c.guideline_id == guideline_id))).first()
    return None if row is None else dict(row._mapping)


async def get_letterhead(ctx: UserContext, guideline_id: str) -> LetterheadPublic:
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    async with ctx.session.begin():
        row = (
            await ctx.session.execute(sa.select(_h).where(_h.c.guideline_id == guideline_id))
        ).first()
    if row is None:
        raise NotFound(
            "Für dieses Programm ist noch kein Briefkopf festgelegt (no letterhead set yet)."
        )
    return _letterhead_public(row)


def _checked_iban(data: LetterheadIn) -> str:
    if not data.iban.strip():
        return ""
    try:
        return str(IBAN(data.iban).compact)
    except iban_errors.SchwiftyException as error:
        raise InvalidInput(
            "Der Briefkopf kann so nicht festgelegt werden (the letterhead is refused).",
            problems=(FieldProblem("iban", "iban.invalid", f"keine gültige IBAN ({error})"),),
        ) from None


async def set_letterhead(
    ctx: UserContext, guideline_id: str, data: LetterheadIn
) -> LetterheadPublic:
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    iban = _checked_iban(data)
    values = data.model_dump(exclude={"reason"}) | {"iban": iban}
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    async with ctx.session.begin():
        before = (
            await ctx.session.execute(
                sa.select(_h).where(_h.c.guideline_id == guideline_id).with_for_update()
            )
        ).first()
        stamp = {"changed_by": ctx.principal.user_id, "changed_at": ctx.now}
        if before is None:
            await ctx.session.execute(
                sa.insert(_h).values(guideline_id=guideline_id, version=1, **values, **stamp)
            )
        else:
            await ctx.session.execute(
                sa.update(_h)
                .where(_h.c.guideline_id == guideline_id)
                .values(version=before.version + 1, **values, **stamp)
            )
        await ctx.audit(
            action=AuditAction.LETTERHEAD_SET,
            object_type="programme",
            object_id=guideline_id,
            before=None if before is None else {k: before._mapping[k] for k in values},
            after=values | {"reason": data.reason.strip()},
        )
        row = (
            await ctx.session.execute(sa.select(_h).where(_h.c.guideline_id == guideline_id))
        ).one()
    return _letterhead_public(row)
