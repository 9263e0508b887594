"""The published tree head and the inclusion proofs, behind the access checks: programme
managers may prove any entry; an applicant the entries of their own application that record
what was done by them or told to them (submission, withdrawal, decision), not the authority's
internal steps."""

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from grants.applications.access import load_application
from grants.audit.heads import latest_head
from grants.audit.proofs import InclusionProof, inclusion_proof
from grants.audit.schemas import (
    AuditEntryOut,
    InclusionProofOut,
    ProvenEntry,
    PublishedHead,
    TreeHeadOut,
)
from grants.audit.signing import LOG_ID, HeadSigner, SignedHead, signature_valid
from grants.audit.verify import Report, verify_audit_log
from grants.context import Context, UserContext
from grants.core.audit_actions import AuditAction
from grants.core.errors import NotFound
from grants.core.roles import Role, StaffRole
from grants.db.audit import audit_table

_log = audit_table

# What an applicant did or was told, on their own application.
APPLICANT_VISIBLE = frozenset(
    {
        AuditAction.APPLICATION_SUBMITTED,
        AuditAction.APPLICATION_RESUBMITTED,
        AuditAction.APPLICATION_WITHDRAWN,
        AuditAction.APPLICATION_FORMALLY_REJECTED,
        AuditAction.APPLICATION_INVITED,
        AuditAction.APPLICATION_DECLINED,
        AuditAction.FORMAL_APPLICATION_SUBMITTED,
        AuditAction.APPLICATION_APPROVED,
        AuditAction.APPLICATION_PARTIALLY_APPROVED,
        AuditAction.APPLICATION_REJECTED,
    }
)
PROVERS = (StaffRole.PROGRAMME_MANAGER, StaffRole.ADMIN)


def head_out(head: SignedHead) -> TreeHeadOut:
    return TreeHeadOut(
        log=LOG_ID,
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        signed_at=head.signed_at,
        key_id=head.key_id,
        signature=head.signature,
    )


async def published_head(ctx: Context, signer: HeadSigner) -> PublishedHead:
    head = await latest_head(ctx.session)
    return PublishedHead(
        public_key=signer.public_key.hex(),
        key_id=signer.key_id,
        head=None if head is None else head_out(head),
    )


def _entry_out(row: Any) -> AuditEntryOut:
    return AuditEntryOut(
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        before=row.before,
        after=row.after,
        request_id=row.request_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _proof_out(proof: InclusionProof | None) -> InclusionProofOut | None:
    if proof is None:
        return None
    return InclusionProofOut(
        position=proof.position,
        leaf_hash=proof.leaf_hash,
        path=proof.path,
        head=head_out(proof.head),
    )


async def _proven(ctx: Context, row: Any, head: SignedHead | None) -> ProvenEntry:
    return ProvenEntry(
        entry=_entry_out(row), proof=_proof_out(await inclusion_proof(ctx.session, row, head))
    )


async def prove_entry(ctx: UserContext, seq: int) -> ProvenEntry:
    """Any entry, for programme managers (the route's guard); 404 for one that does not exist."""
    row = (await ctx.session.execute(sa.select(_log).where(_log.c.seq == seq))).first()
    if row is None:
        raise NotFound(f"Protokolleintrag {seq} gibt es nicht (no audit entry {seq}).")
    return await _proven(ctx, row, await latest_head(ctx.session))


async def prove_application_entries(
    ctx: UserContext, application_id: uuid.UUID
) -> list[ProvenEntry]:
    """The application's entries with their proofs, oldest first: all of them for programme
    managers, the applicant-visible ones for its organisation (the same access check as
    every read of the application: 404 for anyone else)."""
    _, role = await load_application(ctx, application_id)
    query = (
        sa.select(_log)
        .where(_log.c.object_type == "application", _log.c.object_id == str(application_id))
        .order_by(_log.c.seq)
    )
    if role is not Role.PROGRAMME_MANAGER:
        query = query.where(_log.c.action.in_([str(a) for a in APPLICANT_VISIBLE]))
    rows = (await ctx.session.execute(query)).all()
    head = await latest_head(ctx.session)  # one head for all: the proofs agree
    return [await _proven(ctx, row, head) for row in rows]


# --- the log as programme managers read it --------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogFilters:
    object_id: str | None = None  # an application's, a decision's … id
    actor_email: str | None = None  # the person who acted
    action: str | None = None


@dataclass(frozen=True, slots=True)
class LogPage:
    entries: list[AuditEntryOut]
    next_before: int | None  # pass as ``before`` for the next (older) page; None: the last


@dataclass(frozen=True, slots=True)
class LogState:
    head: TreeHeadOut | None
    head_signature_valid: bool | None  # None: no head yet
    unsequenced: int  # committed entries the sequencer has not put in the tree yet
    key_id: str


def ensure_prover(ctx: UserContext) -> None:
    if not ctx.principal.has_staff_role(*PROVERS):
        raise NotFound("Unter dieser Adresse gibt es nichts (not found).")


async def list_entries(
    ctx: UserContext, filters: LogFilters, *, before: int | None, limit: int
) -> LogPage:
    """The newest entries first, keyset-paged by ``seq``; filtered by object, person and
    action (managers and admins)."""
    ensure_prover(ctx)
    query = sa.select(_log).order_by(_log.c.seq.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(_log.c.seq < before)
    if filters.object_id:
        query = query.where(_log.c.object_id == filters.object_id)
    if filters.action:
        query = query.where(_log.c.action == filters.action)
    if filters.actor_email:
        # An entry names its actor by e-mail (``Principal.as_actor``), as people know them.
        query = query.where(_log.c.actor_label == filters.actor_email.strip().lower())
    async with ctx.session.begin():
        rows = list(await ctx.session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return LogPage([_entry_out(row) for row in rows], rows[-1].seq if more and rows else None)


async def log_state(ctx: UserContext, signer: HeadSigner) -> LogState:
    """The latest signed head, whether its signature holds with the current key, and how
    many entries wait for the sequencer (a cheap look; the full check is ``verify``)."""
    ensure_prover(ctx)
    async with ctx.session.begin():
        head = await latest_head(ctx.session)
        waiting = (
            await ctx.session.execute(
                sa.select(sa.func.count()).select_from(_log).where(_log.c.position.is_(None))
            )
        ).scalar_one()
    return LogState(
        head=None if head is None else head_out(head),
        head_signature_valid=None if head is None else signature_valid(signer.public_key, head),
        unsequenced=int(waiting),
        key_id=signer.key_id,
    )


async def verify(ctx: UserContext, signer: HeadSigner) -> Report:
    """The whole log checked (``grants audit verify``): every entry's hash, the tree against
    every signed head, the heads' signatures with the current key."""
    ensure_prover(ctx)
    async with ctx.session.begin():
        return await verify_audit_log(ctx.session, public_keys=[signer.public_key])
