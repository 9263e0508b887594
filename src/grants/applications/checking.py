"""Judging a working copy: the live pre-check of a draft, and the same check at submission.
One function builds the verdict so both give the same answer for the same draft and time."""

import uuid
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationPublic
from grants.accounts.service import organisation_profile
from grants.applications.access import load_application
from grants.applications.attachments.service import attachments_for_snapshot
from grants.applications.content import (
    clean_kinds,
    draft_from_row,
    guideline_of,
    line_and_call,
    missing_for_check,
    missing_for_submission,
    to_proposal,
)
from grants.applications.schemas import DraftContent
from grants.context import UserContext
from grants.core.areas import is_rural
from grants.core.eligibility import CheckContext, Verdict, check
from grants.core.errors import FieldProblem
from grants.guidelines.registry import GuidelineRegistry
from grants.guidelines.schemas import VerdictOut, verdict_out
from grants.municipalities.service import fetch_area_category


class ProblemOut(msgspec.Struct, gc=False):
    field: str
    rule: str
    message: str


class DraftCheckOut(msgspec.Struct, gc=False):
    """``verdict`` is null until the draft has what the engine needs (``missing`` says
    what); ``submittable`` is true when nothing is missing and no hard rule fails."""

    application_id: uuid.UUID
    version: int
    checked_at: datetime
    submittable: bool
    missing: list[ProblemOut]
    verdict: VerdictOut | None


def _problems_out(problems: list[FieldProblem]) -> list[ProblemOut]:
    return [ProblemOut(p.field, p.rule, p.message) for p in problems]


async def judge(
    session: AsyncSession,
    row: Any,
    draft: DraftContent,
    *,
    registry: GuidelineRegistry,
    received_at: datetime,
    organisation: OrganisationPublic | None = None,
) -> Verdict | None:
    """The guideline's verdict on ``draft`` as if received at ``received_at``; None while
    the draft lacks what the engine needs. Runs in the caller's transaction."""
    if missing_for_check(draft):
        return None
    guideline = guideline_of(registry, row.guideline_id)
    _, call = line_and_call(guideline, row.call_code, row.funding_line)
    if organisation is None:
        organisation = await organisation_profile(session, row.organisation_id)
    assert draft.municipality_key is not None  # noqa: S101 (missing_for_check ensured it)
    category = await fetch_area_category(session, draft.municipality_key)
    proposal = to_proposal(
        draft, applicant_type=organisation.applicant_type.value, funding_line=row.funding_line
    )
    context = CheckContext(
        received_at=received_at,
        call=call,
        area_category=category,
        rural=None if category is None else is_rural(category),
    )
    return check(proposal, guideline, context)


def verdict_problems(verdict: Verdict) -> list[FieldProblem]:
    """Failed hard rules as problems: the rule's id, its section and the reason."""
    return [
        FieldProblem(
            f"rules.{result.rule_id}",
            result.rule_id,
            f"{result.message.de} ({result.section}) — {result.message.en}",
        )
        for result in verdict.failures
    ]


async def check_draft(ctx: UserContext, application_id: uuid.UUID) -> DraftCheckOut:
    async with ctx.session.begin():
        row, _ = await load_application(ctx, application_id)
        draft = draft_from_row(row)
        verdict = await judge(ctx.session, row, draft, registry=ctx.guidelines, received_at=ctx.now)
        kinds = clean_kinds(await attachments_for_snapshot(ctx.session, application_id))
    missing = missing_for_submission(draft, attachment_kinds=kinds)
    return DraftCheckOut(
        application_id=row.id,
        version=row.version,
        checked_at=ctx.now,
        submittable=not missing and verdict is not None and verdict.eligible,
        missing=_problems_out(missing),
        verdict=None if verdict is None else verdict_out(verdict),
    )
