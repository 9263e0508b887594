"""E-mails the accounts feature queues, in the caller's transaction (outbox): the mail
commits or rolls back with the change it reports. Each dedupe key names the fact it reports;
the warning to an existing account's owner is queued at most once an hour, so that repeated
registration attempts cannot flood the owner's mailbox."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.policy import (
    ACCEPT_INVITATION_PAGE,
    CONFIRM_PASSWORD_RESET_PAGE,
    CONFIRM_REGISTRATION_PAGE,
    PASSWORD_RESET_PAGE,
    AccountPolicy,
)
from grants.core.roles import OrganisationRole
from grants.notifications import account_messages
from grants.notifications.service import enqueue_message

LOGIN_PAGE = "/login"


async def queue_registration_confirmation(
    session: AsyncSession,
    *,
    pending_id: uuid.UUID,
    recipient: str,
    token: str,
    expires_at: datetime,
    policy: AccountPolicy,
    now: datetime,
) -> None:
    composed = account_messages.registration_confirmation(
        link=policy.link(CONFIRM_REGISTRATION_PAGE, token), token=token, expires_at=expires_at
    )
    await enqueue_message(
        session,
        dedupe_key=f"registration_confirmation:{pending_id}",
        kind="registration_confirmation",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
    )


async def queue_existing_account_notice(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    recipient: str,
    display_name: str,
    policy: AccountPolicy,
    now: datetime,
) -> None:
    composed = account_messages.registration_for_existing_account(
        display_name=display_name,
        login_page=policy.page(LOGIN_PAGE),
        reset_page=policy.page(PASSWORD_RESET_PAGE),
    )
    await enqueue_message(
        session,
        dedupe_key=f"registration_existing_account:{user_id}:{now:%Y%m%d%H}",
        kind="registration_existing_account",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
    )


async def queue_password_reset(
    session: AsyncSession,
    *,
    reset_id: uuid.UUID,
    recipient: str,
    display_name: str,
    token: str,
    expires_at: datetime,
    policy: AccountPolicy,
    now: datetime,
) -> None:
    composed = account_messages.password_reset(
        display_name=display_name,
        link=policy.link(CONFIRM_PASSWORD_RESET_PAGE, token),
        token=token,
        expires_at=expires_at,
    )
    await enqueue_message(
        session,
        dedupe_key=f"password_reset:{reset_id}",
        kind="password_reset",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
    )


async def queue_password_changed(
    session: AsyncSession,
    *,
    reset_id: uuid.UUID,
    recipient: str,
    display_name: str,
    policy: AccountPolicy,
    now: datetime,
) -> None:
    composed = account_messages.password_changed(
        display_name=display_name, changed_at=now, reset_page=policy.page(PASSWORD_RESET_PAGE)
    )
    await enqueue_message(
        session,
        dedupe_key=f"password_changed:{reset_id}",
        kind="password_changed",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
    )


async def queue_invitation(
    session: AsyncSession,
    *,
    invitation_id: uuid.UUID,
    recipient: str,
    organisation_name: str,
    inviter_name: str,
    role: OrganisationRole,
    token: str,
    expires_at: datetime,
    policy: AccountPolicy,
    now: datetime,
) -> None:
    composed = account_messages.invitation(
        organisation_name=organisation_name,
        inviter_name=inviter_name,
        role=role,
        link=policy.link(ACCEPT_INVITATION_PAGE, token),
        token=token,
        expires_at=expires_at,
    )
    await enqueue_message(
        session,
        dedupe_key=f"invitation:{invitation_id}",
        kind="invitation",
        recipient=recipient,
        subject=composed.subject,
        body_text=composed.body_text,
        now=now,
    )
