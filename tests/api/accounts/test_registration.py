import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.tables import Membership, Organisation, User
from grants.db.audit import AuditLog
from tests.factories import register, registration_body


async def _counts(db_session: AsyncSession) -> tuple[int, int, int, int]:
    async with db_session.begin():
        result = []
        for table in (User, Organisation, Membership, AuditLog):
            count = await db_session.execute(sa.select(sa.func.count()).select_from(table))
            result.append(count.scalar_one())
    return tuple(result)  # type: ignore[return-value]


async def test_registration_creates_user_organisation_admin_membership_and_audit(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    before = await _counts(db_session)
    created = await register(client, email="Anna@KulturWerk.example")

    assert created["user"]["email"] == "anna@kulturwerk.example"
    org = created["organisation"]
    assert org["legal_name"] == "KulturWerk Schneeberg e.V."
    assert org["customer_number"].isdigit()
    assert org["version"] == 1
    assert "password" not in created["user"] and "password_hash" not in created["user"]
    assert await _counts(db_session) == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 2)
    async with db_session.begin():
        membership = (await db_session.execute(sa.select(Membership.role))).scalars().all()  # type: ignore[call-overload]
        actions = (
            (
                await db_session.execute(sa.select(AuditLog.action).order_by(AuditLog.seq))  # type: ignore[arg-type]
            )
            .scalars()
            .all()
        )
    assert "admin" in membership
    assert actions[-2:] == ["organisation_registered", "user_registered"]


async def test_customer_numbers_are_distinct(client: httpx.AsyncClient) -> None:
    first = await register(client)
    second = await register(client)
    assert first["organisation"]["customer_number"] != second["organisation"]["customer_number"]


async def test_existing_email_is_409_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await register(client, email="dup@example.org")
    before = await _counts(db_session)
    response = await client.post(
        "/api/auth/register", json=registration_body(email="DUP@example.org")
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 409
    assert problem["errors"][0]["field"] == "email"
    assert problem["errors"][0]["rule"] == "unique"
    assert await _counts(db_session) == before


async def test_weak_password_is_422_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    before = await _counts(db_session)
    for password, rule in (("short", "min_length"), ("password1234", "too_guessable")):
        response = await client.post(
            "/api/auth/register", json=registration_body(password=password)
        )
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert errors == [{"field": "password", "rule": rule, "message": errors[0]["message"]}]
    assert await _counts(db_session) == before


async def test_password_made_of_the_email_is_refused(client: httpx.AsyncClient) -> None:
    body = registration_body(
        email="hildegard.kuehnemund@example.org", password="hildegard.kuehnemund"
    )
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "too_guessable"


async def test_malformed_input_names_each_field_and_rule(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    before = await _counts(db_session)
    body = registration_body(
        email="not-an-email",
        organisation={"postal_code": "1234", "municipality_key": "14x", "applicant_type": "pirate"},
        unexpected="field",
    )
    del body["display_name"]
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:grants:problem:validation-error"
    found = {(e["field"], e["rule"]) for e in problem["errors"]}
    assert ("email", "value_error") in found
    assert ("display_name", "missing") in found
    assert ("organisation.postal_code", "string_pattern_mismatch") in found
    assert ("organisation.municipality_key", "string_pattern_mismatch") in found
    assert ("organisation.applicant_type", "enum") in found
    assert ("unexpected", "extra_forbidden") in found
    assert await _counts(db_session) == before


async def test_nul_characters_are_422_not_a_database_error(client: httpx.AsyncClient) -> None:
    """Found by the fuzzer: PostgreSQL text cannot store U+0000."""
    body = registration_body(display_name="Anna\x00", organisation={"city": "Aue\x00"})
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"display_name", "organisation.city"}
    login = await client.post(
        "/api/auth/login", json={"email": "a\x00@example.org", "password": "x"}
    )
    assert login.status_code == 422
    assert login.json()["errors"][0]["field"] == "email"
