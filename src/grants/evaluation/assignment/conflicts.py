"""Conflicts of interest, materialised: ``refresh_conflicts`` recomputes ``evaluator_conflicts``
for a scope from what evaluators declared (affiliations, per-application declarations) and
what applicants submitted (organisation, partners, municipality), with the pure
``core.conflicts``; every evaluator-facing query then excludes the pairs found there.

The SQL-level block: ``evaluator_may_access`` and ``visible_assignment`` are the only ways the
evaluation features reach an application on an evaluator's behalf. They select the
evaluator's *active* assignment (pending or accepted) and add ``NOT EXISTS (SELECT 1 FROM
evaluator_conflicts c WHERE c.application_id = assignments.application_id AND c.evaluator_id =
assignments.evaluator_id)``, so a stale assignment of a conflicted evaluator — however it came
about — yields no row and the caller answers 404.
"""

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.queries import applications_table, submissions_table
from grants.core.assignment import AssignmentStatus
from grants.core.conflicts import (
    ORG_TIES,
    TIE_OF_KIND,
    AffiliationKind,
    ApplicationParties,
    ConflictPolicy,
    ConflictReason,
    DeclaredConflict,
    EvaluatorProfile,
    OrgRef,
    Subject,
    conflict_sets,
    conflict_text,
    detect_conflicts,
    normalise_name,
)
from grants.core.guideline import Text
from grants.core.lifecycle import State
from grants.evaluation.tables import (
    affiliations_table,
    assignments_table,
    conflicts_table,
    declarations_table,
    evaluator_profiles_table,
)

_apps = applications_table
_subs = submissions_table
_asg = assignments_table
_conf = conflicts_table

ACTIVE_STATUSES = (AssignmentStatus.PENDING.value, AssignmentStatus.ACCEPTED.value)
# Application states in which assigned evaluators see the application and score it.
EVALUATION_STATES = (State.IN_REVIEW.value, State.REVIEWED.value)
DEFAULT_POLICY = ConflictPolicy()
_PARTNER_NAMES: sa.ColumnElement[Any] = sa.literal_column("'$.content.partners[*].name'::jsonpath")
# Below this many rows an INSERT is cheaper than COPY's setup.
_COPY_THRESHOLD = 500


def any_of(column: Any, ids: Iterable[uuid.UUID]) -> sa.ColumnElement[bool]:
    """``column = ANY(:ids)``: one array parameter however many ids (``IN`` would bind one
    parameter each, and PostgreSQL's protocol allows 32,767)."""
    condition: sa.ColumnElement[bool] = column == sa.any_(
        sa.bindparam(None, list(ids), type_=ARRAY(sa.Uuid))
    )
    return condition


def not_conflicted(
    application_id: Any = _asg.c.application_id, evaluator_id: Any = _asg.c.evaluator_id
) -> sa.ColumnElement[bool]:
    """``NOT EXISTS`` a detected conflict of the pair (defaults: the assignments' columns)."""
    return ~sa.exists(
        sa.select(sa.literal(1))
        .select_from(_conf)
        .where(_conf.c.application_id == application_id, _conf.c.evaluator_id == evaluator_id)
    )


def visible_assignment(evaluator_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """The condition every evaluator-facing query puts on ``assignments`` (joined with
    ``applications``): the evaluator's own, active, conflict-free assignment of an application
    under evaluation."""
    return sa.and_(
        _asg.c.evaluator_id == evaluator_id,
        _asg.c.status.in_(ACTIVE_STATUSES),
        _apps.c.id == _asg.c.application_id,
        _apps.c.status.in_(EVALUATION_STATES),
        not_conflicted(),
    )


async def evaluator_may_access(
    session: AsyncSession,
    evaluator_id: uuid.UUID,
    application_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> sa.Row[Any] | None:
    """The evaluator's active, conflict-free assignment of the application (the
    ``assignments`` row), or None: the caller answers 404. For score sheets and everything
    else an evaluator reaches through an application id."""
    query = (
        sa.select(_asg)
        .select_from(_asg.join(_apps, _apps.c.id == _asg.c.application_id))
        .where(_asg.c.application_id == application_id, visible_assignment(evaluator_id))
    )
    if for_update:
        query = query.with_for_update(of=_asg)
    return (await session.execute(query)).first()


async def assignment_of_evaluator(
    session: AsyncSession,
    evaluator_id: uuid.UUID,
    assignment_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> sa.Row[Any] | None:
    """Like ``evaluator_may_access``, addressed by the assignment's id."""
    query = (
        sa.select(_asg)
        .select_from(_asg.join(_apps, _apps.c.id == _asg.c.application_id))
        .where(_asg.c.id == assignment_id, visible_assignment(evaluator_id))
    )
    if for_update:
        query = query.with_for_update(of=_asg)
    return (await session.execute(query)).first()


# --- loading the inputs of core.conflicts ------------------------------------------------


def _org(organisation_id: uuid.UUID | None, name: str) -> OrgRef:
    return OrgRef(None if organisation_id is None else str(organisation_id), name or "")


async def load_evaluators(
    session: AsyncSession, evaluator_ids: Collection[uuid.UUID] | None = None
) -> list[EvaluatorProfile]:
    """Everyone in the pool or with declarations (optionally only ``evaluator_ids``). The
    declarations of officials and jury members live in the same tables and load the same
    way: a profile is a person's declared ties, whatever their role.

    Kinds: organisation ties go to the profile field ``core.conflicts.TIE_OF_KIND`` names; a
    municipal office's key to ``office_keys``; a residence's key, and the municipality key of
    a tie declared before residence and office were told apart, to ``municipality_keys``
    (checked only when the policy asks)."""
    aff, decl, prof = affiliations_table, declarations_table, evaluator_profiles_table

    def scoped(column: Any) -> list[sa.ColumnElement[bool]]:
        return [] if evaluator_ids is None else [any_of(column, evaluator_ids)]

    ids: set[uuid.UUID] = set(
        (await session.execute(sa.select(prof.c.user_id).where(*scoped(prof.c.user_id))))
        .scalars()
        .all()
    )
    ties: dict[uuid.UUID, dict[str, list[OrgRef]]] = {}
    municipalities: dict[uuid.UUID, set[str]] = {}
    office_keys: dict[uuid.UUID, set[str]] = {}
    declared: dict[uuid.UUID, list[DeclaredConflict]] = {}
    rows = await session.execute(
        sa.select(
            aff.c.evaluator_id,
            aff.c.kind,
            aff.c.organisation_id,
            aff.c.name,
            aff.c.municipality_key,
        ).where(*scoped(aff.c.evaluator_id))
    )
    for row in rows:
        ids.add(row.evaluator_id)
        kind = AffiliationKind(row.kind)
        tie = TIE_OF_KIND.get(kind)
        if tie is not None and (row.organisation_id is not None or row.name):
            ties.setdefault(row.evaluator_id, {}).setdefault(tie, []).append(
                _org(row.organisation_id, row.name)
            )
        if row.municipality_key:
            keys = office_keys if kind is AffiliationKind.MUNICIPAL_OFFICE else municipalities
            keys.setdefault(row.evaluator_id, set()).add(row.municipality_key)
    rows = await session.execute(
        sa.select(decl.c.evaluator_id, decl.c.application_id, decl.c.reason, decl.c.excluded).where(
            *scoped(decl.c.evaluator_id)
        )
    )
    for row in rows:
        ids.add(row.evaluator_id)
        declared.setdefault(row.evaluator_id, []).append(
            DeclaredConflict(str(row.application_id), row.reason, row.excluded)
        )

    def profile(evaluator_id: uuid.UUID) -> EvaluatorProfile:
        org_ties: dict[str, Any] = {
            tie: tuple(orgs) for tie, orgs in ties.get(evaluator_id, {}).items()
        }
        return EvaluatorProfile(
            id=str(evaluator_id),
            municipality_keys=frozenset(municipalities.get(evaluator_id, ())),
            office_keys=frozenset(office_keys.get(evaluator_id, ())),
            declared_conflicts=tuple(declared.get(evaluator_id, ())),
            **org_ties,
        )

    return [profile(evaluator_id) for evaluator_id in sorted(ids)]


async def load_parties(
    session: AsyncSession, application_ids: Collection[uuid.UUID] | None = None
) -> list[ApplicationParties]:
    """Applicant (with its type and seat), partners and municipality of each submitted
    application, from its latest submitted snapshot (what the evaluators will read), not the
    working copy."""
    snapshot = _subs.c.snapshot
    query = sa.select(
        _apps.c.id,
        snapshot["organisation"]["id"].astext.label("organisation_id"),
        snapshot["organisation"]["legal_name"].astext.label("legal_name"),
        snapshot["organisation"]["applicant_type"].astext.label("applicant_type"),
        snapshot["organisation"]["municipality_key"].astext.label("applicant_key"),
        sa.func.jsonb_path_query_array(snapshot, _PARTNER_NAMES, type_=JSONB).label("partners"),
        snapshot["content"]["municipality_key"].astext.label("municipality_key"),
    ).select_from(
        _apps.join(
            _subs,
            sa.and_(
                _subs.c.application_id == _apps.c.id, _subs.c.number == _apps.c.submission_count
            ),
        )
    )
    if application_ids is not None:
        query = query.where(any_of(_apps.c.id, application_ids))
    result = []
    for row in await session.execute(query):
        partners = row.partners if isinstance(row.partners, list) else []
        result.append(
            ApplicationParties(
                id=str(row.id),
                applicant=OrgRef(row.organisation_id, row.legal_name or ""),
                partners=tuple(OrgRef(None, str(name)) for name in partners if name),
                municipality_key=row.municipality_key,
                applicant_type=row.applicant_type or "",
                applicant_municipality_key=row.applicant_key or None,
            )
        )
    return result


# --- refreshing ---------------------------------------------------------------------------

_Key = tuple[uuid.UUID, uuid.UUID, str]  # application, evaluator, reason code


def _party_keys(application: ApplicationParties) -> list[str]:
    keys = []
    for org in (application.applicant, *application.partners):
        if org.id is not None:
            keys.append("id:" + org.id)
        name = normalise_name(org.name)
        if name:
            keys.append("name:" + name)
    return keys


class _Narrowing:
    """One evaluator's organisations (of every tie) by id and normalised name, to hand
    ``detect_conflicts`` only those that can match an application (a superset of what
    ``same_organisation`` accepts), so that explaining a pair costs a few look-ups, not a loop
    over every organisation the evaluator declared."""

    __slots__ = ("evaluator", "keys")

    def __init__(self, evaluator: EvaluatorProfile) -> None:
        self.evaluator = evaluator
        self.keys: dict[str, set[tuple[str, int]]] = {}
        for tie in ORG_TIES:
            for index, org in enumerate(getattr(evaluator, tie)):
                if org.id is not None:
                    self.keys.setdefault("id:" + org.id, set()).add((tie, index))
                name = normalise_name(org.name)
                if name:
                    self.keys.setdefault("name:" + name, set()).add((tie, index))

    def for_parties(self, party_keys: list[str]) -> EvaluatorProfile:
        wanted: set[tuple[str, int]] = set()
        for key in party_keys:
            wanted.update(self.keys.get(key, ()))
        evaluator = self.evaluator
        narrowed: dict[str, Any] = {
            tie: tuple(o for i, o in enumerate(getattr(evaluator, tie)) if (tie, i) in wanted)
            for tie in ORG_TIES
        }
        return replace(evaluator, **narrowed)


def _detected(
    evaluators: Sequence[EvaluatorProfile],
    parties: Sequence[ApplicationParties],
    policy: ConflictPolicy,
) -> dict[_Key, tuple[str, str]]:
    """Every conflict (one per pair and reason; the first detail of a reason wins): who is
    conflicted from ``conflict_sets``, why from ``detect_conflicts``."""
    narrowing = {evaluator.id: _Narrowing(evaluator) for evaluator in evaluators}
    eval_uuids = {evaluator.id: uuid.UUID(evaluator.id) for evaluator in evaluators}
    by_app = {application.id: application for application in parties}
    found: dict[_Key, tuple[str, str]] = {}
    for application_id, conflicted in conflict_sets(evaluators, parties, policy).items():
        if not conflicted:
            continue
        application = by_app[application_id]
        party_keys = _party_keys(application)
        app_uuid = uuid.UUID(application_id)
        for evaluator_id in conflicted:
            profile = narrowing[evaluator_id].for_parties(party_keys)
            for conflict in detect_conflicts(profile, application, policy):
                key = (app_uuid, eval_uuids[evaluator_id], conflict.reason.value)
                found.setdefault(key, (conflict.legal_basis, conflict.detail[:500]))
    return found


async def copy_rows(
    session: AsyncSession, table: sa.Table, columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    """Insert many rows in the session's transaction: COPY for many, INSERT for a few."""
    if not records:
        return
    if len(records) < _COPY_THRESHOLD:
        await session.execute(
            sa.insert(table), [dict(zip(columns, r, strict=True)) for r in records]
        )
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=list(columns))


class Refreshed(NamedTuple):
    added: int  # rows written (new or changed)
    removed: int  # rows deleted (no longer holding, or changed)
    # application -> conflicted evaluators, for the scope (what the table now holds there)
    conflicted: dict[uuid.UUID, set[uuid.UUID]]


async def refresh_conflicts(
    session: AsyncSession,
    *,
    application_ids: Collection[uuid.UUID] | None = None,
    evaluator_ids: Collection[uuid.UUID] | None = None,
    now: datetime,
    policy: ConflictPolicy = DEFAULT_POLICY,
) -> Refreshed:
    """Recompute ``evaluator_conflicts`` for the pairs in scope (None: all applications with
    a submission / all evaluators), in the caller's transaction. Rows that still hold keep
    their ``detected_at``."""
    if (application_ids is not None and not application_ids) or (
        evaluator_ids is not None and not evaluator_ids
    ):
        return Refreshed(0, 0, {})
    evaluators = await load_evaluators(session, evaluator_ids)
    parties = await load_parties(session, application_ids)
    wanted = _detected(evaluators, parties, policy)

    scope: list[sa.ColumnElement[bool]] = []
    if application_ids is not None:
        scope.append(any_of(_conf.c.application_id, application_ids))
    if evaluator_ids is not None:
        scope.append(any_of(_conf.c.evaluator_id, evaluator_ids))
    existing: dict[_Key, tuple[str, str]] = {
        (row.application_id, row.evaluator_id, row.reason_code): (row.legal_basis, row.detail)
        for row in await session.execute(
            sa.select(
                _conf.c.application_id,
                _conf.c.evaluator_id,
                _conf.c.reason_code,
                _conf.c.legal_basis,
                _conf.c.detail,
            ).where(*scope)
        )
    }
    stale = [key for key, value in existing.items() if wanted.get(key) != value]
    if stale:
        keys = sa.tuple_(_conf.c.application_id, _conf.c.evaluator_id, _conf.c.reason_code)
        for start in range(0, len(stale), 5000):
            await session.execute(sa.delete(_conf).where(keys.in_(stale[start : start + 5000])))
    added = [
        (key[0], key[1], key[2], value[0], value[1], now)
        for key, value in wanted.items()
        if existing.get(key) != value
    ]
    await copy_rows(
        session,
        _conf,
        ("application_id", "evaluator_id", "reason_code", "legal_basis", "detail", "detected_at"),
        added,
    )
    conflicted: dict[uuid.UUID, set[uuid.UUID]] = {}
    for application_id, evaluator_id, _ in wanted:
        conflicted.setdefault(application_id, set()).add(evaluator_id)
    return Refreshed(len(added), len(stale), conflicted)


class StoredConflict(NamedTuple):
    reason: str  # a ConflictReason value
    legal_basis: str
    excluded: bool  # § 20 (else § 21)
    text: Text  # names the legal basis


def stored_conflict(reason_code: str, basis: str, subject: Subject) -> StoredConflict:
    """A stored row explained: its sentence is rebuilt from reason and legal basis, so that
    the stored text can never disagree with the paragraph it names."""
    try:
        text = conflict_text(ConflictReason(reason_code), basis, subject)
    except ValueError:  # a reason code no longer known: say what is stored
        text = Text(de=f"{reason_code} ({basis}).", en=f"{reason_code} ({basis}).")
    return StoredConflict(reason_code, basis, basis.startswith("§ 20"), text)


async def conflict_details_of(
    session: AsyncSession, application_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, list[StoredConflict]]]:
    """Application -> conflicted evaluator -> the stored conflicts with their legal basis."""
    result: dict[uuid.UUID, dict[uuid.UUID, list[StoredConflict]]] = {}
    rows = await session.execute(
        sa.select(
            _conf.c.application_id, _conf.c.evaluator_id, _conf.c.reason_code, _conf.c.legal_basis
        )
        .where(any_of(_conf.c.application_id, application_ids))
        .order_by(_conf.c.reason_code)
    )
    for row in rows:
        result.setdefault(row.application_id, {}).setdefault(row.evaluator_id, []).append(
            stored_conflict(row.reason_code, row.legal_basis, Subject.EVALUATOR)
        )
    return result


async def conflicts_of(
    session: AsyncSession, application_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, list[str]]]:
    """Application -> conflicted evaluator -> reason codes, as stored."""
    result: dict[uuid.UUID, dict[uuid.UUID, list[str]]] = {}
    rows = await session.execute(
        sa.select(_conf.c.application_id, _conf.c.evaluator_id, _conf.c.reason_code)
        .where(any_of(_conf.c.application_id, application_ids))
        .order_by(_conf.c.reason_code)
    )
    for row in rows:
        result.setdefault(row.application_id, {}).setdefault(row.evaluator_id, []).append(
            row.reason_code
        )
    return result
