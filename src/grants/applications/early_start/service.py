"""The consent to an early start (Zustimmung zum vorzeitigen Maßnahmebeginn).

It is an act of the authority, on the applicant's request, in writing, with a date: never an
applicant's checkbox. It creates no entitlement to a grant; the applicant who starts carries
the risk (DOMAIN.md §3.3). Programme managers record the letter: its date, its Aktenzeichen
and what it covers. The applicant's organisation reads it.

Design: one consent in force per application at most, and nothing is ever overwritten. The
acts are numbered rows (``early_start_consents``, append-only by trigger); the latest decides.

- ``record_consent``: the first consent needs no reason; any later act (a consent replacing
  the one in force, e.g. with a wider scope, or a renewed consent after a revocation) needs
  one, since it changes what was recorded.
- ``revoke_consent``: ends the consent in force, with the revocation letter's date, its
  reference and a reason.
- ``early_start_consent_of`` / ``early_start_consents_for``: the consent in force, for the
  eligibility engine's ``Proposal.early_start_consented`` (and its date, should the rule
  compare the planned start with it).

Refused: drafts (managers do not see them: 404), applications that ended without a grant
(withdrawn, formally rejected, not selected, rejected: 409), a consent dated in the future or
a revocation dated before the consent it ends (422).
"""

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.access import load_application
from grants.applications.early_start.schemas import (
    EarlyStartAct,
    EarlyStartConsentCreate,
    EarlyStartConsentPublic,
    EarlyStartRevocationCreate,
    Notice,
)
from grants.applications.early_start.tables import early_start_consents_table
from grants.context import UserContext
from grants.core.audit_actions import AuditAction
from grants.core.deadlines import berlin_date, format_date_de
from grants.core.errors import Conflict, FieldProblem, InvalidInput
from grants.core.lifecycle import State
from grants.core.roles import Role

_esc = early_start_consents_table

NOTICE = Notice(
    de="Die Zustimmung zum vorzeitigen Maßnahmebeginn erlaubt, mit dem Vorhaben vor der "
    "Bewilligung zu beginnen, ohne dass dies der Förderung entgegensteht. Sie begründet keinen "
    "Anspruch auf eine Zuwendung; das Risiko trägt die Antragstellerin oder der Antragsteller.",
    en="The consent to an early start allows the project to begin before the decision without "
    "losing eligibility. It creates no entitlement to a grant; the applicant bears the risk.",
)

# States in which no grant can follow any more: a consent would have nothing to refer to.
_ENDED: dict[State, str] = {
    State.WITHDRAWN: "zurückgezogen (withdrawn)",
    State.FORMALLY_REJECTED: "aus formalen Gründen abgelehnt (formally rejected)",
    State.NOT_SELECTED: "nicht ausgewählt (not selected)",
    State.REJECTED: "abgelehnt (rejected)",
}


class EarlyStartConsent(NamedTuple):
    """The consent in force: what the eligibility engine needs."""

    number: int
    consented_on: date
    letter_reference: str
    scope: str


def _act(row: Any) -> EarlyStartAct:
    return EarlyStartAct(
        number=row.number,
        kind="revocation" if row.revoked else "consent",
        letter_date=row.letter_date,
        letter_reference=row.letter_reference,
        scope=row.scope,
        reason=row.reason,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _record(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "kind": "revocation" if row.revoked else "consent",
        "letter_date": row.letter_date.isoformat(),
        "letter_reference": row.letter_reference,
        "scope": row.scope,
        "reason": row.reason,
    }


async def _history(session: AsyncSession, application_id: uuid.UUID) -> list[Any]:
    rows = await session.execute(
        sa.select(_esc).where(_esc.c.application_id == application_id).order_by(_esc.c.number)
    )
    return list(rows)


def _public(application_id: uuid.UUID, history: list[Any]) -> EarlyStartConsentPublic:
    latest = history[-1] if history else None
    in_force = latest if latest is not None and not latest.revoked else None
    return EarlyStartConsentPublic(
        application_id=application_id,
        consented=in_force is not None,
        consent=None if in_force is None else _act(in_force),
        history=[_act(row) for row in history],
        notice=NOTICE,
    )


def _ensure_not_ended(status: str) -> None:
    state = State(status)
    if state in _ENDED:
        raise Conflict(
            f"Der Antrag ist {_ENDED[state]}: eine Zustimmung zum vorzeitigen Maßnahmebeginn "
            "kann nicht mehr erfasst werden (no consent to an early start for an application "
            "that has ended).",
            extra={"current_state": state.value},
        )


def _not_in_future(field: str, day: date, today: date) -> None:
    if day > today:
        raise InvalidInput(
            "Das Datum des Schreibens liegt in der Zukunft (the letter's date is in the future).",
            problems=(
                FieldProblem(
                    field,
                    "in_future",
                    f"{format_date_de(day)} liegt nach dem heutigen Tag ({format_date_de(today)})",
                ),
            ),
        )


async def _insert(
    ctx: UserContext,
    application_id: uuid.UUID,
    number: int,
    *,
    revoked: bool,
    letter_date: date,
    letter_reference: str,
    scope: str,
    reason: str,
) -> Any:
    return (
        await ctx.session.execute(
            sa.insert(_esc)
            .values(
                id=uuid.uuid4(),
                application_id=application_id,
                number=number,
                revoked=revoked,
                letter_date=letter_date,
                letter_reference=letter_reference,
                scope=scope,
                reason=reason,
                recorded_by=ctx.principal.user_id,
                recorded_at=ctx.now,
            )
            .returning(_esc)
        )
    ).one()


async def record_consent(
    ctx: UserContext, application_id: uuid.UUID, data: EarlyStartConsentCreate
) -> EarlyStartConsentPublic:
    """A programme manager records the consent letter; audited."""
    reference, scope, reason = (
        data.letter_reference.strip(),
        data.scope.strip(),
        data.reason.strip(),
    )
    async with ctx.session.begin():
        # The row lock serialises two managers recording at once: numbers stay 1, 2, 3, …
        row, _ = await load_application(
            ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER
        )
        _ensure_not_ended(row.status)
        _not_in_future("consented_on", data.consented_on, berlin_date(ctx.now))
        if not reference:
            raise InvalidInput(
                "Aktenzeichen des Schreibens fehlt (letter reference missing).",
                problems=(FieldProblem("letter_reference", "missing", "Pflichtfeld (required)"),),
            )
        history = await _history(ctx.session, application_id)
        if history and not reason:
            raise InvalidInput(
                "Eine Zustimmung wurde schon erfasst: die neue ersetzt sie nur mit Begründung "
                "(a consent or revocation exists: give the reason for this new act).",
                problems=(
                    FieldProblem(
                        "reason",
                        "required_for_replacement",
                        f"Pflichtfeld, da bereits {len(history)} Vorgang/Vorgänge erfasst sind "
                        "(required once an act is recorded)",
                    ),
                ),
            )
        before = _record(history[-1]) if history else None
        created = await _insert(
            ctx,
            application_id,
            len(history) + 1,
            revoked=False,
            letter_date=data.consented_on,
            letter_reference=reference,
            scope=scope,
            reason=reason,
        )
        await ctx.audit(
            action=AuditAction.EARLY_START_CONSENT_RECORDED,
            object_type="application",
            object_id=application_id,
            before=before,
            after=_record(created),
        )
    return _public(application_id, [*history, created])


async def revoke_consent(
    ctx: UserContext, application_id: uuid.UUID, data: EarlyStartRevocationCreate
) -> EarlyStartConsentPublic:
    """End the consent in force by a new act with a reason; audited."""
    reference, reason = data.letter_reference.strip(), data.reason.strip()
    async with ctx.session.begin():
        await load_application(ctx, application_id, for_update=True, require=Role.PROGRAMME_MANAGER)
        history = await _history(ctx.session, application_id)
        in_force = history[-1] if history and not history[-1].revoked else None
        if in_force is None:
            raise Conflict(
                "Es besteht keine Zustimmung zum vorzeitigen Maßnahmebeginn, die widerrufen "
                "werden könnte (no consent in force to revoke)."
            )
        _not_in_future("revoked_on", data.revoked_on, berlin_date(ctx.now))
        problems = []
        if data.revoked_on < in_force.letter_date:
            problems.append(
                FieldProblem(
                    "revoked_on",
                    "before_consent",
                    f"vor der Zustimmung vom {format_date_de(in_force.letter_date)} "
                    "(before the consent)",
                )
            )
        if not reference:
            problems.append(FieldProblem("letter_reference", "missing", "Pflichtfeld (required)"))
        if not reason:
            problems.append(FieldProblem("reason", "missing", "Pflichtfeld (required)"))
        if problems:
            raise InvalidInput(
                "Der Widerruf ist unvollständig oder widersprüchlich (invalid revocation).",
                problems=tuple(problems),
            )
        created = await _insert(
            ctx,
            application_id,
            len(history) + 1,
            revoked=True,
            letter_date=data.revoked_on,
            letter_reference=reference,
            scope="",
            reason=reason,
        )
        await ctx.audit(
            action=AuditAction.EARLY_START_CONSENT_REVOKED,
            object_type="application",
            object_id=application_id,
            before=_record(in_force),
            after=_record(created),
        )
    return _public(application_id, [*history, created])


async def get_consent(ctx: UserContext, application_id: uuid.UUID) -> EarlyStartConsentPublic:
    """For the applicant's organisation and for managers (``load_application`` decides)."""
    await load_application(ctx, application_id)
    return _public(application_id, await _history(ctx.session, application_id))


# --- for the eligibility engine ----------------------------------------------------------


def _in_force(row: Any) -> EarlyStartConsent | None:
    if row is None or row.revoked:
        return None
    return EarlyStartConsent(row.number, row.letter_date, row.letter_reference, row.scope)


async def early_start_consent_of(
    session: AsyncSession, application_id: uuid.UUID
) -> EarlyStartConsent | None:
    """The consent in force for the application, or None (never given, or revoked)."""
    row = (
        await session.execute(
            sa.select(_esc)
            .where(_esc.c.application_id == application_id)
            .order_by(_esc.c.number.desc())
            .limit(1)
        )
    ).first()
    return _in_force(row)


async def early_start_consents_for(
    session: AsyncSession, application_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, EarlyStartConsent]:
    """The consents in force of many applications at once (those without one are absent)."""
    if not application_ids:
        return {}
    rows = await session.execute(
        sa.select(_esc)
        .ext(distinct_on(_esc.c.application_id))
        .where(_esc.c.application_id.in_(list(application_ids)))
        .order_by(_esc.c.application_id, _esc.c.number.desc())
    )
    found = {row.application_id: _in_force(row) for row in rows}
    return {key: value for key, value in found.items() if value is not None}
