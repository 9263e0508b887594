"""An organisation's people: inviting members by e-mail, accepting, listing and revoking
invitations, listing and removing members.

Only the admins of *that* organisation manage its people (no staff role overrides this: the
authority does not pick an applicant's staff). A non-member gets 404 (the organisation's
existence is not confirmed to strangers), a plain member 403.

An invitation is a single-use token (stored as its SHA-256) mailed to the address, valid
``GRANTS_INVITATION_DAYS``. There is at most one open invitation per organisation and address:
inviting again replaces it (the old link stops working), so an admin can resend one. The
invitee accepts either signed in, with the account of the invited address (an invitation
forwarded to someone else's account is refused), or without a login by creating an account
for the invited address: the token proves that they read that mailbox, so no confirmation
mail is needed. Changes to one organisation's people are serialised by a lock on its row,
so two admins removing each other at once cannot leave it without an admin.
"""

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.accounts.notify import queue_invitation
from grants.accounts.onetime import (
    expired_token,
    invalid_token,
    new_token,
    revoked_token,
    token_hash,
    used_token,
)
from grants.accounts.policy import AccountPolicy
from grants.accounts.registration import recipient_counter
from grants.accounts.schemas import (
    InvitationAccept,
    InvitationAccepted,
    InvitationCreate,
    InvitationPublic,
    InvitationStatus,
    MemberPublic,
    MembershipPublic,
    OrganisationPublic,
    UserPublic,
)
from grants.accounts.service import hash_checked_password, is_email_conflict, normalise_email
from grants.accounts.tables import (
    invitations_table,
    memberships_table,
    organisations_table,
    users_table,
)
from grants.accounts.throttle import count_attempt
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.core.actors import Actor
from grants.core.audit_actions import AuditAction
from grants.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from grants.core.roles import OrganisationRole
from grants.http.fields import Page

_invitations = invitations_table
_memberships = memberships_table
_orgs = organisations_table
_users = users_table

# Open invitations per organisation: enough for any applicant, too few for a spam run.
MAX_OPEN_INVITATIONS = 50

_INVITATION_COLUMNS = (
    _invitations.c.id,
    _invitations.c.organisation_id,
    _invitations.c.email,
    _invitations.c.role,
    _invitations.c.invited_by,
    _invitations.c.created_at,
    _invitations.c.expires_at,
    _invitations.c.accepted_at,
    _invitations.c.revoked_at,
)
_OPEN = sa.and_(_invitations.c.accepted_at.is_(None), _invitations.c.revoked_at.is_(None))


def _not_found(field: str, message: str) -> NotFound:
    return NotFound(message, problems=(FieldProblem(field, "not_found", message),))


def _organisation_not_found() -> NotFound:
    return _not_found("organisation_id", "Organisation nicht gefunden (organisation not found).")


def ensure_organisation_admin(principal: Principal, organisation_id: uuid.UUID) -> None:
    role = principal.memberships.get(organisation_id)
    if role is None:
        raise _organisation_not_found()
    if role != OrganisationRole.ADMIN:
        message = (
            "Nur die Nutzeradministration der Organisation darf ihre Mitglieder verwalten "
            "(only the organisation's admins may manage its members)."
        )
        raise Forbidden(
            message, problems=(FieldProblem("organisation_id", "admin_required", message),)
        )


def _status(row: Any, now: datetime) -> InvitationStatus:
    if row.accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if row.revoked_at is not None:
        return InvitationStatus.REVOKED
    return InvitationStatus.OPEN if row.expires_at > now else InvitationStatus.EXPIRED


def _public(row: Any, now: datetime) -> InvitationPublic:
    return InvitationPublic(
        id=row.id,
        organisation_id=row.organisation_id,
        email=row.email,
        role=row.role,
        status=_status(row, now),
        invited_by=row.invited_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


async def _lock_organisation(ctx: Context, organisation_id: uuid.UUID) -> sa.Row[Any]:
    org = (
        await ctx.session.execute(
            sa.select(_orgs).where(_orgs.c.id == organisation_id).with_for_update()
        )
    ).first()
    if org is None:
        raise _organisation_not_found()
    return org


async def _lock_as_admin(ctx: UserContext, organisation_id: uuid.UUID) -> sa.Row[Any]:
    """Lock the organisation and check again, under the lock, that the actor is still its
    admin: the principal was read when the request began, and another admin may have
    removed them since (two admins removing each other at once)."""
    org = await _lock_organisation(ctx, organisation_id)
    role = (
        await ctx.session.execute(
            sa.select(_memberships.c.role).where(
                _memberships.c.organisation_id == organisation_id,
                _memberships.c.user_id == ctx.principal.user_id,
            )
        )
    ).scalar_one_or_none()
    ensure_organisation_admin(
        replace(ctx.principal, memberships={} if role is None else {organisation_id: role}),
        organisation_id,
    )
    return org


async def invite(
    ctx: UserContext, organisation_id: uuid.UUID, data: InvitationCreate, *, policy: AccountPolicy
) -> InvitationPublic:
    ensure_organisation_admin(ctx.principal, organisation_id)
    email = normalise_email(str(data.email))
    async with ctx.session.begin():
        # The mailbox's throttle, as for registration and reset: re-inviting cannot flood it.
        refusal = await count_attempt(ctx.session, [recipient_counter(email, policy)], now=ctx.now)
    if refusal is not None:
        raise refusal
    issued = new_token()
    async with ctx.session.begin():
        org = await _lock_as_admin(ctx, organisation_id)
        member = (
            await ctx.session.execute(
                sa.select(_memberships.c.role)
                .join(_users, _users.c.id == _memberships.c.user_id)
                .where(_memberships.c.organisation_id == organisation_id, _users.c.email == email)
            )
        ).first()
        if member is not None:
            message = (
                "Diese Adresse gehört bereits zu einem Mitglied der Organisation "
                "(this address already belongs to a member of the organisation)."
            )
            raise Conflict(message, problems=(FieldProblem("email", "already_member", message),))
        replaced = (
            (
                await ctx.session.execute(
                    sa.update(_invitations)
                    .where(
                        _invitations.c.organisation_id == organisation_id,
                        _invitations.c.email == email,
                        _OPEN,
                    )
                    .values(revoked_at=ctx.now, revoked_by=ctx.principal.user_id)
                    .returning(_invitations.c.id)
                )
            )
            .scalars()
            .all()
        )
        open_count = (
            await ctx.session.execute(
                sa.select(sa.func.count()).where(
                    _invitations.c.organisation_id == organisation_id,
                    _OPEN,
                    _invitations.c.expires_at > ctx.now,
                )
            )
        ).scalar_one()
        if open_count >= MAX_OPEN_INVITATIONS:
            message = (
                f"Die Organisation hat bereits {MAX_OPEN_INVITATIONS} offene Einladungen; bitte "
                f"ziehen Sie zuerst welche zurück (the organisation already has "
                f"{MAX_OPEN_INVITATIONS} open invitations; revoke some first)."
            )
            raise Conflict(message, problems=(FieldProblem("email", "too_many_open", message),))
        expires_at = ctx.now + policy.invitation_lifetime
        row = (
            await ctx.session.execute(
                sa.insert(_invitations)
                .values(
                    organisation_id=organisation_id,
                    email=email,
                    role=data.role,
                    token_hash=issued.token_hash,
                    invited_by=ctx.principal.user_id,
                    created_at=ctx.now,
                    expires_at=expires_at,
                )
                .returning(*_INVITATION_COLUMNS)
            )
        ).one()
        await queue_invitation(
            ctx.session,
            invitation_id=row.id,
            recipient=email,
            organisation_name=org.legal_name,
            inviter_name=ctx.principal.display_name,
            role=data.role,
            token=issued.token,
            expires_at=expires_at,
            policy=policy,
            now=ctx.now,
        )
        public = _public(row, ctx.now)
        await ctx.audit(
            AuditAction.MEMBER_INVITED,
            object_type="invitation",
            object_id=row.id,
            after={**public.model_dump(mode="json"), "replaces": [str(i) for i in replaced]},
        )
    return public


async def list_invitations(
    ctx: UserContext, organisation_id: uuid.UUID, *, limit: int, offset: int
) -> Page[InvitationPublic]:
    """The invitations neither accepted nor revoked (open or expired), newest first."""
    ensure_organisation_admin(ctx.principal, organisation_id)
    where = sa.and_(_invitations.c.organisation_id == organisation_id, _OPEN)
    async with ctx.session.begin():
        total = (await ctx.session.execute(sa.select(sa.func.count()).where(where))).scalar_one()
        rows = await ctx.session.execute(
            sa.select(*_INVITATION_COLUMNS)
            .where(where)
            .order_by(_invitations.c.created_at.desc(), _invitations.c.id)
            .limit(limit)
            .offset(offset)
        )
        items = [_public(row, ctx.now) for row in rows]
    return Page[InvitationPublic](items=items, total=total, limit=limit, offset=offset)


async def revoke_invitation(
    ctx: UserContext, organisation_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    """Withdraw an invitation: its link stops working. Revoking twice changes nothing."""
    ensure_organisation_admin(ctx.principal, organisation_id)
    async with ctx.session.begin():
        await _lock_as_admin(ctx, organisation_id)
        row = (
            await ctx.session.execute(
                sa.select(*_INVITATION_COLUMNS)
                .where(
                    _invitations.c.id == invitation_id,
                    # Another organisation's invitation is not found here, like a random id.
                    _invitations.c.organisation_id == organisation_id,
                )
                .with_for_update()
            )
        ).first()
        if row is None:
            raise _not_found("invitation_id", "Einladung nicht gefunden (invitation not found).")
        if row.accepted_at is not None:
            message = (
                "Die Einladung wurde bereits angenommen; entfernen Sie stattdessen das "
                "Mitglied (the invitation was already accepted; remove the member instead)."
            )
            raise Conflict(
                message, problems=(FieldProblem("invitation_id", "already_accepted", message),)
            )
        if row.revoked_at is not None:
            return
        await ctx.session.execute(
            sa.update(_invitations)
            .where(_invitations.c.id == invitation_id)
            .values(revoked_at=ctx.now, revoked_by=ctx.principal.user_id)
        )
        await ctx.audit(
            AuditAction.INVITATION_REVOKED,
            object_type="invitation",
            object_id=invitation_id,
            before=_public(row, ctx.now).model_dump(mode="json"),
        )


def _invitation_by_token(token: str) -> sa.Select[Any]:
    return sa.select(*_INVITATION_COLUMNS).where(_invitations.c.token_hash == token_hash(token))


def _ensure_usable(row: Any, now: datetime) -> Any:
    if row is None:
        raise invalid_token()
    if row.accepted_at is not None:
        raise used_token()
    if row.revoked_at is not None:
        raise revoked_token()
    if row.expires_at <= now:
        raise expired_token()
    return row


def _conflict(field: str, rule: str, message: str) -> Conflict:
    return Conflict(message, problems=(FieldProblem(field, rule, message),))


_ALREADY_MEMBER = (
    "Sie sind bereits Mitglied dieser Organisation (you are already a member of this organisation)."
)
_ACCOUNT_EXISTS = (
    "Für diese Adresse besteht bereits ein Konto; bitte melden Sie sich an und nehmen Sie "
    "die Einladung dann an (this address already has an account; sign in, then accept)."
)


_USER_COLUMNS = (_users.c.id, _users.c.email, _users.c.display_name, _users.c.created_at)


class _NewUser(NamedTuple):
    display_name: str
    password_hash: str


async def _check_acceptor(
    data: InvitationAccept, email: str, principal: Principal | None
) -> _NewUser | None:
    """Refuse an acceptance that cannot work before anything is locked; for an anonymous
    one, the new account's name and password hash (hashed now, outside any lock)."""
    if principal is not None:
        if data.account is not None:
            message = (
                "Angemeldet wird die Einladung mit dem bestehenden Konto angenommen; "
                "»account« entfällt (signed in, the invitation is accepted with the existing "
                "account; leave out »account«)."
            )
            raise InvalidInput(
                message, problems=(FieldProblem("account", "not_allowed_when_signed_in", message),)
            )
        if principal.email != email:
            message = (
                "Die Einladung gilt für eine andere E-Mail-Adresse als die Ihres Kontos "
                "(the invitation is for another e-mail address than your account's)."
            )
            raise Forbidden(message, problems=(FieldProblem("token", "other_recipient", message),))
        return None
    if data.account is None:
        message = (
            "Bitte melden Sie sich an oder geben Sie die Daten für ein neues Konto an "
            "(sign in, or give the data of a new account)."
        )
        raise InvalidInput(message, problems=(FieldProblem("account", "missing", message),))
    password_hash = await hash_checked_password(
        data.account.password, field="account.password", context=(email, data.account.display_name)
    )
    return _NewUser(data.account.display_name, password_hash)


async def _invited_user(
    ctx: Context, invitation: Any, principal: Principal | None, account: _NewUser | None
) -> tuple[Any, Context]:
    """The accepting user's row and the context acting as them: the signed-in user, or the
    account created now for the invited address."""
    if principal is not None:
        if principal.memberships.get(invitation.organisation_id) is not None:
            raise _conflict("token", "already_member", _ALREADY_MEMBER)
        row = (
            await ctx.session.execute(
                sa.select(*_USER_COLUMNS).where(_users.c.id == principal.user_id)
            )
        ).one()
        return row, replace(ctx, actor=principal.as_actor(ctx.request_id))
    if account is None:  # pragma: no cover (``_check_acceptor`` asked for it)
        raise RuntimeError("an anonymous acceptance creates an account")
    email = invitation.email
    taken = await ctx.session.execute(sa.select(_users.c.id).where(_users.c.email == email))
    if taken.first() is not None:
        raise _conflict("token", "account_exists", _ACCOUNT_EXISTS)
    row = (
        await ctx.session.execute(
            sa.insert(_users)
            .values(
                email=email,
                password_hash=account.password_hash,
                display_name=account.display_name,
                created_at=ctx.now,
                updated_at=ctx.now,
            )
            .returning(*_USER_COLUMNS)
        )
    ).one()
    as_new_user = replace(ctx, actor=Actor(user_id=row.id, label=email, request_id=ctx.request_id))
    await as_new_user.audit(
        AuditAction.USER_REGISTERED,
        object_type="user",
        object_id=row.id,
        after={
            **UserPublic.model_validate(row._mapping).model_dump(),
            "invitation_id": invitation.id,
            "email_confirmed_at": ctx.now,
        },
    )
    return row, as_new_user


async def accept_invitation(
    ctx: Context, data: InvitationAccept, *, principal: Principal | None
) -> InvitationAccepted:
    async with ctx.session.begin():
        found = _ensure_usable(
            (await ctx.session.execute(_invitation_by_token(data.token))).first(), ctx.now
        )
    account = await _check_acceptor(data, str(found.email), principal)
    try:
        async with ctx.session.begin():
            # The organisation first, then the invitation: the order ``invite`` takes them in,
            # so that accepting and re-inviting one address cannot deadlock.
            org = await _lock_organisation(ctx, found.organisation_id)
            # Again under the row lock: two uses of one link, only one passes.
            invitation = _ensure_usable(
                (
                    await ctx.session.execute(_invitation_by_token(data.token).with_for_update())
                ).first(),
                ctx.now,
            )
            user, acting = await _invited_user(ctx, invitation, principal, account)
            await ctx.session.execute(
                sa.insert(_memberships).values(
                    user_id=user.id,
                    organisation_id=invitation.organisation_id,
                    role=invitation.role,
                    created_at=ctx.now,
                )
            )
            await ctx.session.execute(
                sa.update(_invitations)
                .where(_invitations.c.id == invitation.id)
                .values(accepted_at=ctx.now, accepted_by=user.id)
            )
            await acting.audit(
                AuditAction.INVITATION_ACCEPTED,
                object_type="invitation",
                object_id=invitation.id,
                after={
                    "organisation_id": invitation.organisation_id,
                    "user_id": user.id,
                    "role": invitation.role,
                },
            )
    except IntegrityError as exc:
        if is_email_conflict(exc):
            raise _conflict("token", "account_exists", _ACCOUNT_EXISTS) from None
        if "pk_memberships" in str(exc.orig):
            raise _conflict("token", "already_member", _ALREADY_MEMBER) from None
        raise
    return InvitationAccepted(
        user=UserPublic.model_validate(user._mapping),
        membership=MembershipPublic(
            role=invitation.role, organisation=OrganisationPublic.model_validate(org._mapping)
        ),
    )


async def list_members(
    ctx: UserContext, organisation_id: uuid.UUID, *, limit: int, offset: int
) -> Page[MemberPublic]:
    ensure_organisation_admin(ctx.principal, organisation_id)
    where = _memberships.c.organisation_id == organisation_id
    async with ctx.session.begin():
        total = (
            await ctx.session.execute(
                sa.select(sa.func.count()).select_from(_memberships).where(where)
            )
        ).scalar_one()
        rows = await ctx.session.execute(
            sa.select(
                _memberships.c.user_id,
                _users.c.email,
                _users.c.display_name,
                _memberships.c.role,
                _memberships.c.created_at.label("joined_at"),
            )
            .join(_users, _users.c.id == _memberships.c.user_id)
            .where(where)
            .order_by(_users.c.display_name, _users.c.id)
            .limit(limit)
            .offset(offset)
        )
        items = [MemberPublic.model_validate(row._mapping) for row in rows]
    return Page[MemberPublic](items=items, total=total, limit=limit, offset=offset)


async def remove_member(ctx: UserContext, organisation_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """End a user's membership (an admin may remove themselves, unless they are the last)."""
    ensure_organisation_admin(ctx.principal, organisation_id)
    async with ctx.session.begin():
        await _lock_as_admin(ctx, organisation_id)
        member = (
            await ctx.session.execute(
                sa.select(_memberships.c.role, _users.c.email)
                .join(_users, _users.c.id == _memberships.c.user_id)
                .where(
                    _memberships.c.organisation_id == organisation_id,
                    _memberships.c.user_id == user_id,
                )
            )
        ).first()
        if member is None:
            raise _not_found("user_id", "Mitglied nicht gefunden (member not found).")
        if member.role == OrganisationRole.ADMIN:
            admins = (
                await ctx.session.execute(
                    sa.select(sa.func.count()).where(
                        _memberships.c.organisation_id == organisation_id,
                        _memberships.c.role == OrganisationRole.ADMIN,
                    )
                )
            ).scalar_one()
            if admins <= 1:
                message = (
                    "Die letzte Nutzeradministration der Organisation kann nicht entfernt "
                    "werden; laden Sie zuerst eine weitere ein (the organisation's last admin "
                    "cannot be removed; invite another admin first)."
                )
                raise _conflict("user_id", "last_admin", message)
        await ctx.session.execute(
            sa.delete(_memberships).where(
                _memberships.c.organisation_id == organisation_id,
                _memberships.c.user_id == user_id,
            )
        )
        await ctx.audit(
            AuditAction.MEMBER_REMOVED,
            object_type="organisation",
            object_id=organisation_id,
            before={"user_id": user_id, "email": member.email, "role": member.role},
        )
