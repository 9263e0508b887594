"""Guideline versions in the database, and the anonymous pre-check."""

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.areas import is_rural
from grants.core.eligibility import CheckContext, Proposal, Verdict, check
from grants.core.errors import InvalidInput, NotFound
from grants.core.guideline import Guideline
from grants.guidelines.loader import parse_document
from grants.guidelines.registry import GuidelineRegistry
from grants.guidelines.schemas import EligibilityCheckRequest, decode_fast, to_proposal
from grants.guidelines.tables import GuidelineVersion
from grants.municipalities.service import RegisterEntry

_versions = GuidelineVersion.__table__  # type: ignore[attr-defined]


async def record_guideline_versions(
    session: AsyncSession, registry: GuidelineRegistry, *, now: datetime
) -> int:
    """Store each loaded guideline version once (idempotent). Returns how many were new."""
    rows = [
        {
            "content_hash": item.guideline.content_hash,
            "guideline_id": item.guideline.id,
            "version": item.guideline.version,
            "document": dict(item.document),
            "recorded_at": now,
        }
        for item in registry.loaded()
    ]
    if not rows:
        return 0
    async with session.begin():
        result = await session.execute(
            insert(_versions)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(_versions.c.content_hash)
        )
        return len(result.all())


async def load_guideline_version(session: AsyncSession, content_hash: str) -> Guideline:
    """The guideline exactly as it was when a verdict used ``content_hash``."""
    async with session.begin():
        document = (
            await session.execute(
                sa.select(_versions.c.document).where(_versions.c.content_hash == content_hash)
            )
        ).scalar_one_or_none()
    if document is None:
        raise NotFound(f"guideline version {content_hash} not found")
    guideline = parse_document(document, source=f"guideline_versions/{content_hash}")
    if guideline.content_hash != content_hash:  # the stored copy was altered
        raise RuntimeError(f"stored guideline {content_hash} no longer matches its hash")
    return guideline


class MunicipalityFacts(NamedTuple):
    """What the register says about the proposal's municipality key, as the routes looked it
    up (they refuse a key of Saxony the register lacks with a 422 before judging)."""

    known: bool
    area_category: str | None = None
    rural: bool | None = None
    area_category_assumed: bool | None = None


def municipality_facts(entry: RegisterEntry | None) -> MunicipalityFacts:
    """The register's answer for the engine; None: a key of another state (the location
    rule fails it), as a Saxon key the register lacks was already refused."""
    if entry is None:
        return MunicipalityFacts(known=False)
    category = entry.area_category
    return MunicipalityFacts(
        known=True,
        area_category=category,
        rural=None if category is None else is_rural(category),
        area_category_assumed=None if category is None else entry.area_category_assumed,
    )


def precheck(
    registry: GuidelineRegistry,
    request: EligibilityCheckRequest,
    *,
    now: datetime,
    municipality: MunicipalityFacts,
) -> Verdict:
    """Judge a proposal as if it were received now; nothing is stored."""
    guideline = registry.get(request.guideline)
    if guideline is None:
        raise NotFound(f"guideline {request.guideline!r} not found")
    proposal = to_proposal(request, guideline)
    return judge(guideline, proposal, request.call, now=now, municipality=municipality)


class FastProposal(NamedTuple):
    guideline: Guideline
    proposal: Proposal
    call: str


def fast_proposal(registry: GuidelineRegistry, body: bytes) -> FastProposal | None:
    """The pre-check's proposal straight from the JSON body, or None for any request that
    precheck() must see: whatever the fast decoder declines, an unknown guideline, and unknown
    codes (Pydantic first checks their pattern, and its 422 names every offending field)."""
    request = decode_fast(body)
    if request is None:
        return None
    guideline = registry.get(request.guideline)
    if guideline is None:
        return None
    try:
        proposal = to_proposal(request, guideline)
    except InvalidInput:
        return None
    return FastProposal(guideline, proposal, request.call)


def judge(
    guideline: Guideline,
    proposal: Proposal,
    call_code: str,
    *,
    now: datetime,
    municipality: MunicipalityFacts,
) -> Verdict:
    """The verdict on a proposal as if it were received now."""
    call = guideline.call(call_code)
    context = CheckContext(
        received_at=now,
        call=call,
        area_category=municipality.area_category,
        rural=municipality.rural,
        area_category_assumed=municipality.area_category_assumed,
        municipality_known=municipality.known,
    )
    return check(proposal, guideline, context)
