"""Judging a working copy: the live pre-check of a draft, and the same check at submission.
One function builds the verdict so both give the same answer for the same draft and time.

The check advises (§ 25 VwVfG); it never refuses (§ 24 Abs. 3 VwVfG). What is missing from
the form holds a submission back; a rule that fails only has to be acknowledged by the
applicant, and the formal check (a person) decides on it. Rules the engine cannot decide
(needs_review) are listed for information and ask nothing of the applicant."""

import uuid
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationPublic
from grants.accounts.service import organisation_profile
from grants.applications.access import load_application
from grants.applications.attachments.service import attachments_for_snapshot
from grants.applications.content import (
    draft_from_row,
    guideline_of,
    line_and_call,
    missing_for_check,
    missing_for_submission,
    to_proposal,
)
from grants.applications.early_start.service import early_start_consent_of
from grants.applications.schemas import DraftContent
from grants.context import UserContext
from grants.core.areas import is_rural
from grants.core.attachments import ScanStatus
from grants.core.eligibility import CheckContext, Verdict, check
from grants.core.errors import FieldProblem
from grants.core.snapshot import citation_of, to_acknowledge, to_review
from grants.core.verdict import RuleResult
from grants.guidelines.registry import GuidelineRegistry
from grants.guidelines.schemas import VerdictOut, verdict_out
from grants.municipalities.service import fetch_register_entry


class ProblemOut(msgspec.Struct, gc=False):
    field: str
    rule: str
    message: str


class TextOut(msgspec.Struct, gc=False):
    de: str
    en: str


class AcknowledgementOut(msgspec.Struct, gc=False):
    """A rule as shown to the applicant: one that fails (to acknowledge when submitting) or
    one a person will review (for information)."""

    rule: str
    outcome: str
    citation: TextOut
    message: TextOut


# The field of the submission body that acknowledges rules (``SubmissionRequest``).
ACKNOWLEDGEMENT_FIELD = "acknowledged_rules"


class DraftCheckOut(msgspec.Struct, gc=False):
    """``verdict`` is null until the draft has what the engine needs (``missing`` says
    what); ``submittable`` is true when nothing is missing, so a submission would be
    accepted: the failing rules in ``acknowledgement_required`` do not stop it but must be
    listed in the submission's ``acknowledged_rules``; ``to_review`` are the rules a person
    will look at (nothing to do for the applicant)."""

    application_id: uuid.UUID
    version: int
    checked_at: datetime
    submittable: bool
    missing: list[ProblemOut]
    acknowledgement_required: list[AcknowledgementOut]
    to_review: list[AcknowledgementOut]
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
    grant_on: date | None = None,
) -> Verdict | None:
    """The guideline's verdict on ``draft`` as if received at ``received_at``; None while
    the draft lacks what the engine needs. ``grant_on``: the day of the decision, for a
    decision's draft (de-minimis aid counts as granted then). Runs in the caller's
    transaction."""
    if missing_for_check(draft):
        return None
    guideline = guideline_of(registry, row.guideline_id)
    _, call = line_and_call(guideline, row.call_code, row.funding_line)
    if organisation is None:
        organisation = await organisation_profile(session, row.organisation_id)
    assert draft.municipality_key is not None  # noqa: S101 (missing_for_check ensured it)
    entry = await fetch_register_entry(session, draft.municipality_key)
    category = None if entry is None else entry.area_category
    # The consent to an early start is the authority's act, recorded by staff; a draft never
    # has one (it can be given only after receipt), so look only once something was received.
    consent = await early_start_consent_of(session, row.id) if row.submission_count else None
    proposal = to_proposal(
        draft,
        applicant_type=organisation.applicant_type.value,
        funding_line=row.funding_line,
        early_start_consented=consent is not None,
    )
    context = CheckContext(
        received_at=received_at,
        call=call,
        area_category=category,
        rural=None if category is None else is_rural(category),
        area_category_assumed=None
        if entry is None or category is None
        else entry.area_category_assumed,
        municipality_known=entry is not None,
        grant_on=grant_on,
    )
    return check(proposal, guideline, context)


def received_kinds(attachments: list[dict[str, Any]]) -> set[str]:
    """Kinds of the attachments received: scanned clean or still being scanned (a scan
    that takes its time must not make the applicant late). A file found infected is no
    document at all."""
    return {a["kind"] for a in attachments if a["scan_status"] != ScanStatus.INFECTED}


def acknowledgement_out(result: RuleResult) -> AcknowledgementOut:
    citation = citation_of(result)
    return AcknowledgementOut(
        rule=result.rule_id,
        outcome=result.outcome.value,
        citation=TextOut(citation.de, citation.en),
        message=TextOut(result.message.de, result.message.en),
    )


def acknowledgement_problems(results: tuple[RuleResult, ...]) -> list[FieldProblem]:
    """Rules not acknowledged, as problems of the acknowledgement field: each names the
    rule, where the guideline says it and why, in German and English."""
    problems = []
    for result in results:
        citation = citation_of(result)
        problems.append(
            FieldProblem(
                ACKNOWLEDGEMENT_FIELD,
                result.rule_id,
                f"{result.message.de} ({citation.de}) — {result.message.en} ({citation.en})",
            )
        )
    return problems


async def check_draft(ctx: UserContext, application_id: uuid.UUID) -> DraftCheckOut:
    async with ctx.session.begin():
        row, _ = await load_application(ctx, application_id)
        draft = draft_from_row(row)
        organisation = await organisation_profile(ctx.session, row.organisation_id)
        verdict = await judge(
            ctx.session,
            row,
            draft,
            registry=ctx.guidelines,
            received_at=ctx.now,
            organisation=organisation,
        )
        kinds = received_kinds(await attachments_for_snapshot(ctx.session, application_id))
    kind = guideline_of(ctx.guidelines, row.guideline_id).applicant_type(
        organisation.applicant_type.value
    )
    missing = missing_for_submission(draft, attachment_kinds=kinds, applicant_type=kind)
    return DraftCheckOut(
        application_id=row.id,
        version=row.version,
        checked_at=ctx.now,
        submittable=not missing and verdict is not None,
        missing=_problems_out(missing),
        acknowledgement_required=[]
        if verdict is None
        else [acknowledgement_out(r) for r in to_acknowledge(verdict)],
        to_review=[] if verdict is None else [acknowledgement_out(r) for r in to_review(verdict)],
        verdict=None if verdict is None else verdict_out(verdict),
    )
