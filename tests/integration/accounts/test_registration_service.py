"""Registration is all or nothing: a failure while the account is being written leaves no
organisation, no user and the pending registration in place to try again."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.policy import AccountPolicy
from grants.accounts.registration import confirm_registration, request_registration
from grants.accounts.schemas import RegistrationCreate
from grants.accounts.tables import (
    organisations_table,
    pending_registrations_table,
    users_table,
)
from grants.notifications.tables import outbox_table
from grants.settings import load_settings
from tests.factories import registration_body, system_context

POLICY = AccountPolicy.from_settings(load_settings(public_base_url="https://portal.example"))


async def _token(session: AsyncSession, email: str) -> str:
    async with session.begin():
        body = (
            await session.execute(
                sa.select(outbox_table.c.body_text).where(outbox_table.c.recipient == email)
            )
        ).scalar_one()
    return body.split("#token=", 1)[1].split()[0]


async def test_a_failure_after_the_organisation_was_written_leaves_nothing(
    db_session: AsyncSession,
) -> None:
    data = RegistrationCreate.model_validate(
        registration_body(organisation={"legal_name": "Halb geschrieben e.V."})
    )
    email = str(data.email)
    await request_registration(
        system_context(db_session), data, client_address="203.0.113.1", policy=POLICY
    )
    token = await _token(db_session, email)
    # The user insert, which follows the organisation's, fails (the test's transaction
    # takes the trigger away again).
    async with db_session.begin():
        await db_session.execute(
            sa.text(
                "CREATE FUNCTION pg_temp.refuse_user() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$"
            )
        )
        await db_session.execute(
            sa.text(
                "CREATE TRIGGER refuse_user BEFORE INSERT ON users "
                "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_user()"
            )
        )
    with pytest.raises(DBAPIError, match="refused for the test"):
        await confirm_registration(system_context(db_session), token)
    async with db_session.begin():
        organisations = (
            await db_session.execute(
                sa.select(sa.func.count()).where(
                    organisations_table.c.legal_name == "Halb geschrieben e.V."
                )
            )
        ).scalar_one()
        users = (
            await db_session.execute(sa.select(sa.func.count()).where(users_table.c.email == email))
        ).scalar_one()
        pending = (
            await db_session.execute(
                sa.select(sa.func.count()).where(pending_registrations_table.c.email == email)
            )
        ).scalar_one()
        await db_session.execute(sa.text("DROP TRIGGER refuse_user ON users"))
    assert (organisations, users, pending) == (0, 0, 1)
    # The same link works once the fault is gone.
    created = await confirm_registration(system_context(db_session), token)
    assert created.organisation.legal_name == "Halb geschrieben e.V."
