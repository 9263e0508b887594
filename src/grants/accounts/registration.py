"""Public registration, in two steps, so that it does not reveal which addresses have an
account (no user enumeration).

**Why two steps.** A registration that answered "201, here is your new user" for a new
address would have to answer something else for a known one — the old 409 "bereits
registriert" told anyone which addresses are customers of the portal. Faking a 201 body for
a known address would invent ids that do not exist. And an account should prove that its
owner reads the address anyway: the portal sends decisions and requests for information
there, and nobody should be able to register somebody else's address. So:

1. ``POST /api/auth/register`` checks the input and the password policy (a 422 depends on
   the input only, never on the address), hashes the password in both cases (the same
   ~50 ms of Argon2id), and answers **202 Accepted with one fixed body** either way:
   - a new address gets a *pending registration* (everything entered, the password as its
     hash, a single-use token stored as its SHA-256) and an e-mail with the confirmation
     link, valid ``GRANTS_REGISTRATION_CONFIRMATION_HOURS``;
   - a known address gets no second account; its owner gets an e-mail ("someone tried to
     register with your address … forgot your password?"), at most one an hour.
2. ``POST /api/auth/register/confirm`` with the token writes the user, the organisation and
   the admin membership in one transaction, all or nothing, deletes the pending
   registrations of that address, and answers 201 with the user and organisation as before.
   Whoever confirms has shown they read the mailbox, so this step may say plainly that the
   address meanwhile has an account (409).

Both steps are throttled: registrations per client address, and mails per recipient address
(shared with password resets), counting every attempt whatever its outcome. Trusted callers
(the demo seed) keep ``service.register_applicant``, which creates the account at once.
"""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.accounts.notify import queue_existing_account_notice, queue_registration_confirmation
from grants.accounts.onetime import expired_token, invalid_token, new_token, token_hash
from grants.accounts.policy import AccountPolicy
from grants.accounts.schemas import AccountRequestAccepted, RegistrationCreate, RegistrationPublic
from grants.accounts.service import (
    create_applicant,
    hash_checked_password,
    is_email_conflict,
    normalise_email,
)
from grants.accounts.tables import pending_registrations_table, users_table
from grants.accounts.throttle import (
    MAIL_RECIPIENT,
    REGISTER_ADDRESS,
    Counter,
    count_attempt,
    email_digest,
)
from grants.context import Context
from grants.core.errors import Conflict, FieldProblem

_pending = pending_registrations_table
_users = users_table
_A_DAY = timedelta(days=1)

REGISTRATION_ACCEPTED = AccountRequestAccepted(
    message=(
        "Wir haben Ihnen eine E-Mail an die angegebene Adresse geschickt. Bitte folgen Sie dem "
        "Link darin, um die Registrierung abzuschließen (we have sent an e-mail to the address "
        "given; follow its link to complete the registration)."
    )
)


def address_counter(address: str, policy: AccountPolicy) -> Counter:
    return Counter(
        REGISTER_ADDRESS, address, policy.registrations_per_address, policy.request_window
    )


def recipient_counter(email: str, policy: AccountPolicy) -> Counter:
    """Mails of any kind to one mailbox, whoever asks for them."""
    return Counter(
        MAIL_RECIPIENT, email_digest(email), policy.mails_per_recipient, policy.request_window
    )


def _sweep_expired(ctx: Context) -> sa.Delete:
    # Expired registrations are kept a day (so a late click hears "expired", not "invalid"),
    # then swept a few at a time by later registrations.
    stale = sa.select(_pending.c.id).where(_pending.c.expires_at < ctx.now - _A_DAY).limit(100)
    return sa.delete(_pending).where(_pending.c.id.in_(stale))


async def request_registration(
    ctx: Context, data: RegistrationCreate, *, client_address: str, policy: AccountPolicy
) -> AccountRequestAccepted:
    email = normalise_email(str(data.email))
    async with ctx.session.begin():
        refusal = await count_attempt(
            ctx.session, [address_counter(client_address, policy)], now=ctx.now
        )
    if refusal is not None:
        raise refusal
    # Before looking at the address: a weak password is refused alike for every address,
    # and both outcomes below pay for the same hash.
    password_hash = await hash_checked_password(
        data.password, field="password", context=(email, data.display_name)
    )
    issued = new_token()
    async with ctx.session.begin():
        refusal = await count_attempt(ctx.session, [recipient_counter(email, policy)], now=ctx.now)
        if refusal is None:
            existing = (
                await ctx.session.execute(
                    sa.select(_users.c.id, _users.c.display_name).where(_users.c.email == email)
                )
            ).first()
            if existing is not None:
                await queue_existing_account_notice(
                    ctx.session,
                    user_id=existing.id,
                    recipient=email,
                    display_name=existing.display_name,
                    policy=policy,
                    now=ctx.now,
                )
            else:
                expires_at = ctx.now + policy.registration_lifetime
                pending_id = (
                    await ctx.session.execute(
                        sa.insert(_pending)
                        .values(
                            token_hash=issued.token_hash,
                            email=email,
                            password_hash=password_hash,
                            display_name=data.display_name,
                            organisation=data.organisation.model_dump(mode="json"),
                            created_at=ctx.now,
                            expires_at=expires_at,
                        )
                        .returning(_pending.c.id)
                    )
                ).scalar_one()
                await queue_registration_confirmation(
                    ctx.session,
                    pending_id=pending_id,
                    recipient=email,
                    token=issued.token,
                    expires_at=expires_at,
                    policy=policy,
                    now=ctx.now,
                )
            await ctx.session.execute(_sweep_expired(ctx))
    if refusal is not None:
        raise refusal
    return REGISTRATION_ACCEPTED


def _account_exists() -> Conflict:
    message = (
        "Für diese E-Mail-Adresse besteht bereits ein Konto; bitte melden Sie sich an "
        "(this e-mail address already has an account; please sign in)."
    )
    return Conflict(message, problems=(FieldProblem("token", "account_exists", message),))


async def confirm_registration(ctx: Context, token: str) -> RegistrationPublic:
    """Turn the pending registration into the user, organisation and admin membership."""
    hashed = token_hash(token)
    result: RegistrationPublic | None = None
    try:
        async with ctx.session.begin():
            # Lock every pending registration of the address, in one order: two confirmations
            # of one address then run one after the other (the second finds its row spent)
            # instead of deadlocking on each other's rows.
            of_address = (
                sa.select(_pending.c.email).where(_pending.c.token_hash == hashed).scalar_subquery()
            )
            rows = (
                await ctx.session.execute(
                    sa.select(_pending)
                    .where(_pending.c.email == of_address)
                    .order_by(_pending.c.id)
                    .with_for_update()
                )
            ).all()
            pending = next((row for row in rows if row.token_hash == hashed), None)
            if pending is None:
                raise invalid_token()
            if pending.expires_at <= ctx.now:
                raise expired_token()
            taken = (
                await ctx.session.execute(
                    sa.select(_users.c.id).where(_users.c.email == pending.email)
                )
            ).first() is not None
            if not taken:
                result = await create_applicant(
                    ctx,
                    email=pending.email,
                    password_hash=pending.password_hash,
                    display_name=pending.display_name,
                    organisation=pending.organisation,
                    audit_extra={"email_confirmed_at": ctx.now},
                )
            # Used, or overtaken by another account of the address (an accepted invitation):
            # every pending registration of the address is spent either way.
            await ctx.session.execute(sa.delete(_pending).where(_pending.c.email == pending.email))
    except IntegrityError as exc:
        # An invitation's new account for the address raced past the check.
        if is_email_conflict(exc):
            raise _account_exists() from None
        raise
    if result is None:
        raise _account_exists()
    return result
