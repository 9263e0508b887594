"""Each programme's letterhead: the authority's data every letter prints (name, address, seat
for the legal-remedy notice, bank details, where the data-protection notice is, a logo), set
and changed by a programme manager with a reason, audited. Until a person has set it,
letters can only be previewed."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from schwifty import IBAN
from schwifty import exceptions as iban_errors
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.access import ensure_manager, programme
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.letters.logo_image import LogoRefused, sanitised
from grants.letters.render import LOGO_FILE
from grants.letters.schemas import LetterheadIn, LetterheadPublic, LogoPublic
from grants.letters.tables import letterheads_table as _h
from grants.letters.tables import logos_table as _logo


def _letterhead_public(row: Any) -> LetterheadPublic:
    return LetterheadPublic.model_validate(row, from_attributes=True)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The letterhead as the letters' data takes it (None: none set; its ``logo`` names the
    logo's hash and size), and the files the render serves beside the templates (the logo)."""

    data: dict[str, Any] | None
    assets: dict[str, bytes]


async def letterhead_of(session: AsyncSession, guideline_id: str) -> Letterhead:
    """The programme's letterhead and its logo, read in one statement so that the logo the
    data names is the logo printed."""
    row = (
        await session.execute(
            sa.select(_h, _logo.c.png, _logo.c.sha256, _logo.c.width, _logo.c.height)
            .select_from(_h.outerjoin(_logo, _logo.c.guideline_id == _h.c.guideline_id))
            .where(_h.c.guideline_id == guideline_id)
        )
    ).first()
    if row is None:
        return Letterhead(None, {})
    found = {k: v for k, v in row._mapping.items() if k not in ("png", "sha256", "width", "height")}
    if row.png is None:
        return Letterhead(found | {"logo": None}, {})
    logo = {"file": LOGO_FILE, "sha256": row.sha256, "width": row.width, "height": row.height}
    return Letterhead(found | {"logo": logo}, {LOGO_FILE: bytes(row.png)})


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


# --- The logo ---------------------------------------------------------------------------------


async def get_logo(ctx: UserContext, guideline_id: str) -> bytes:
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    async with ctx.session.begin():
        png = (
            await ctx.session.execute(
                sa.select(_logo.c.png).where(_logo.c.guideline_id == guideline_id)
            )
        ).scalar_one_or_none()
    if png is None:
        raise NotFound("Für dieses Programm ist kein Logo hinterlegt (no logo set).")
    return bytes(png)


async def set_logo(ctx: UserContext, guideline_id: str, raw: bytes) -> LogoPublic:
    """The upload, decoded and written again as a plain PNG (``logo_image``); 422 naming
    why when it is no logo. The letterhead must exist: the logo belongs to it."""
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    try:
        logo = sanitised(raw)
    except LogoRefused as refused:
        raise InvalidInput(
            "Das Logo wird nicht übernommen (the logo is refused).",
            problems=(FieldProblem("body", f"logo.{refused.rule}", refused.message),),
        ) from None
    async with ctx.session.begin():
        head = (
            await ctx.session.execute(
                sa.select(_h.c.guideline_id)
                .where(_h.c.guideline_id == guideline_id)
                .with_for_update()
            )
        ).first()
        if head is None:
            raise NotFound(
                "Für dieses Programm ist noch kein Briefkopf festgelegt (no letterhead set yet); "
                "das Logo gehört zum Briefkopf."
            )
        before = (
            await ctx.session.execute(
                sa.select(_logo.c.sha256).where(_logo.c.guideline_id == guideline_id)
            )
        ).scalar_one_or_none()
        values = {
            "png": logo.png,
            "sha256": logo.sha256,
            "width": logo.width,
            "height": logo.height,
            "changed_by": ctx.principal.user_id,
            "changed_at": ctx.now,
        }
        await ctx.session.execute(
            pg_insert(_logo)
            .values(guideline_id=guideline_id, **values)
            .on_conflict_do_update(index_elements=[_logo.c.guideline_id], set_=values)
        )
        await ctx.audit(
            action=AuditAction.LETTERHEAD_LOGO_SET,
            object_type="programme",
            object_id=guideline_id,
            before=None if before is None else {"sha256": before},
            after={"sha256": logo.sha256, "width": logo.width, "height": logo.height},
        )
    return LogoPublic(
        guideline_id=guideline_id,
        sha256=logo.sha256,
        width=logo.width,
        height=logo.height,
        size_bytes=len(logo.png),
        changed_at=ctx.now,
    )


async def remove_logo(ctx: UserContext, guideline_id: str) -> None:
    ensure_manager(ctx)
    programme(ctx, guideline_id)
    async with ctx.session.begin():
        removed = (
            await ctx.session.execute(
                sa.delete(_logo)
                .where(_logo.c.guideline_id == guideline_id)
                .returning(_logo.c.sha256)
            )
        ).scalar_one_or_none()
        if removed is None:
            raise NotFound("Für dieses Programm ist kein Logo hinterlegt (no logo set).")
        await ctx.audit(
            action=AuditAction.LETTERHEAD_LOGO_REMOVED,
            object_type="programme",
            object_id=guideline_id,
            before={"sha256": removed},
        )
