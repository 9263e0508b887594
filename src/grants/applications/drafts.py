"""Use cases on the working copy: create, read, patch (optimistic concurrency), live check.

Each public function is one transaction. Writes take ``If-Match`` (the version the client
last saw): a stale one is refused with 412 and nothing changes, so two tabs or two colleagues
cannot silently overwrite each other."""

import uuid
from typing import Any

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.applications.content import (
    draft_from_row,
    ensure_known_codes,
    guideline_of,
    line_and_call,
)
from grants.applications.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    DraftContent,
    DraftPatch,
)
from grants.applications.tables import applications_table, events_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.audit_actions import AuditAction
from grants.core.errors import (
    DeadlinePassed,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
)
from grants.core.lifecycle import State, allowed_events
from grants.core.roles import Role
from grants.core.versions import ensure_version, parse_if_match
from grants.guidelines.registry import GuidelineRegistry
from grants.municipalities.service import ensure_known_municipality

_apps = applications_table

# States in which the applicant may still change the working copy. After submission it may,
# until the deadline, prepare a corrected version (resubmission); the submitted snapshot
# itself never changes.
EDITABLE_STATES = frozenset({State.DRAFT, State.SUBMITTED})


def application_public(row: Any, role: Role, registry: GuidelineRegistry) -> ApplicationPublic:
    guideline = registry.get(row.guideline_id)
    call = guideline.call(row.call_code) if guideline else None
    return ApplicationPublic(
        id=row.id,
        organisation_id=row.organisation_id,
        guideline=row.guideline_id,
        call=row.call_code,
        funding_line=row.funding_line,
        status=row.status,
        reference_number=row.reference_number,
        version=row.version,
        submission_count=row.submission_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        first_submitted_at=row.first_submitted_at,
        submitted_at=row.submitted_at,
        deadline_at=call.deadline_at if call else None,
        allowed_events=[e.value for e in allowed_events(State(row.status), role)],
        draft=draft_from_row(row),
    )


def _owning_organisation(principal: Principal, requested: uuid.UUID | None) -> uuid.UUID:
    if requested is not None:
        if requested not in principal.memberships:
            raise NotFound("Organisation nicht gefunden (organisation not found)")
        return requested
    if not principal.memberships:
        raise Forbidden(
            "Anträge stellen nur Mitglieder einer antragstellenden Organisation "
            "(only members of an applicant organisation can apply)."
        )
    if len(principal.memberships) > 1:
        raise InvalidInput(
            "Bitte die Organisation angeben (several organisations: say which one).",
            problems=(
                FieldProblem("organisation_id", "missing", "Organisation auswählen (required)."),
            ),
        )
    return next(iter(principal.memberships))


def _columns_from(draft: DraftContent) -> dict[str, Any]:
    """The draft's fields that lists filter, sort and search on."""
    return {
        "title": draft.title,
        "municipality_key": draft.municipality_key,
        "requested_grant": draft.financing.requested_grant if draft.financing else None,
        "draft": draft.model_dump(mode="json"),
    }


def _merged(current: DraftContent, patch: DraftPatch) -> DraftContent:
    values = current.model_dump()
    for name in patch.model_fields_set:
        values[name] = getattr(patch, name)
    try:
        return DraftContent.model_validate(values)
    except ValueError as exc:  # a cross-field rule (end before start) across old and new
        raise InvalidInput(
            "Die Änderung passt nicht zu den übrigen Angaben (inconsistent with the draft).",
            problems=(FieldProblem("planned_end", "end_before_start", str(exc).split("\n")[-1]),),
        ) from None


async def create_application(ctx: UserContext, data: ApplicationCreate) -> ApplicationPublic:
    organisation_id = _owning_organisation(ctx.principal, data.organisation_id)
    guideline = guideline_of(ctx.guidelines, data.guideline, field="guideline")
    _, call = line_and_call(guideline, data.call, data.funding_line)
    if not call.is_open(ctx.now):
        raise DeadlinePassed(
            f"Der Aufruf „{call.code}“ nimmt keine Anträge an (the call is not open): "
            f"{call.published_at.isoformat()} – {call.deadline_at.isoformat()}."
        )
    patch = DraftPatch.model_validate(
        {
            name: getattr(data, name)
            for name in data.model_fields_set
            if name in DraftPatch.model_fields
        }
    )
    draft = _merged(DraftContent(), patch)
    ensure_known_codes(guideline, draft)
    application_id = uuid.uuid4()
    async with ctx.session.begin():
        if draft.municipality_key is not None:
            await ensure_known_municipality(ctx.session, draft.municipality_key)
        row = (
            await ctx.session.execute(
                sa.insert(_apps)
                .values(
                    id=application_id,
                    organisation_id=organisation_id,
                    guideline_id=guideline.id,
                    call_code=call.code,
                    funding_line=data.funding_line,
                    status=State.DRAFT,
                    version=1,
                    submission_count=0,
                    created_by=ctx.principal.user_id,
                    created_at=ctx.now,
                    updated_at=ctx.now,
                    **_columns_from(draft),
                )
                .returning(_apps)
            )
        ).one()
        await ctx.session.execute(
            sa.insert(events_table).values(
                application_id=application_id,
                event="create",
                from_state=None,
                to_state=State.DRAFT.value,
                actor_id=ctx.principal.user_id,
                actor_label=ctx.principal.email,
                occurred_at=ctx.now,
            )
        )
        await ctx.audit(
            action=AuditAction.APPLICATION_CREATED,
            object_type="application",
            object_id=application_id,
            after={
                "organisation_id": str(organisation_id),
                "call": call.code,
                "funding_line": data.funding_line,
            },
        )
    return application_public(row, Role.APPLICANT, ctx.guidelines)


async def get_application(ctx: UserContext, application_id: uuid.UUID) -> ApplicationPublic:
    row, role = await load_application(ctx, application_id)
    return application_public(row, role, ctx.guidelines)


async def patch_draft(
    ctx: UserContext, application_id: uuid.UUID, patch: DraftPatch, *, if_match: str | None
) -> ApplicationPublic:
    expected = parse_if_match(if_match)
    async with ctx.session.begin():
        row, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.APPLICANT
        )
        ensure_version(row.version, expected)
        status = State(row.status)
        guideline = guideline_of(ctx.guidelines, row.guideline_id)
        _, call = line_and_call(guideline, row.call_code, row.funding_line)
        if status not in EDITABLE_STATES:
            raise Forbidden(
                f"Im Zustand „{status.value}“ ist der Antrag nicht mehr änderbar "
                "(no longer editable); Nachreichungen nur auf Nachforderung."
            )
        if status is State.SUBMITTED and not call.is_open(ctx.now):
            raise DeadlinePassed(
                "Die Frist ist abgelaufen; der eingereichte Antrag kann nicht mehr geändert "
                "werden (the deadline has passed)."
            )
        draft = _merged(draft_from_row(row), patch)
        ensure_known_codes(guideline, draft)
        # Only a key the patch sets is checked: a draft stored before the register was complete
        # keeps its key until the applicant changes it (the eligibility check names it).
        if "municipality_key" in patch.model_fields_set and draft.municipality_key is not None:
            await ensure_known_municipality(ctx.session, draft.municipality_key)
        changed = sorted(patch.model_fields_set)
        updated = (
            await ctx.session.execute(
                sa.update(_apps)
                .where(_apps.c.id == application_id)
                .values(version=row.version + 1, updated_at=ctx.now, **_columns_from(draft))
                .returning(_apps)
            )
        ).one()
        await ctx.audit(
            action=AuditAction.APPLICATION_DRAFT_UPDATED,
            object_type="application",
            object_id=application_id,
            after={"fields": changed, "version": row.version + 1},
        )
    return application_public(updated, Role.APPLICANT, ctx.guidelines)
