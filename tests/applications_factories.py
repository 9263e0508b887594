"""Builders for applications: a complete, eligible draft of the demo call, made through the
API so that every state is reached the way a user reaches it."""

import copy
import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.service import create_staff_user
from grants.accounts.tables import StaffRole
from grants.applications.tables import applications_table
from grants.attachments.tables import attachments_table
from grants.core.actors import Actor
from grants.demo import DEMO_DRAFT
from tests.factories import bearer, login, register

STAFF_PASSWORD = "Bewilligung-Sachsen-2026"

COMPLETE_DRAFT = DEMO_DRAFT


def complete_draft(**overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(COMPLETE_DRAFT)
    body.update(overrides)
    return body


async def applicant(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A registered applicant with its organisation, logged in: ``headers`` authenticate."""
    account = await register(client, **overrides)
    tokens = await login(client, account["email"], account["password"])
    return {**account, "headers": bearer(tokens)}


async def create_application(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> httpx.Response:
    body = {"call": "demo", "funding_line": "stationary", **fields}
    return await client.post("/api/applications", json=body, headers=headers)


async def draft(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    response = await create_application(client, headers, **complete_draft(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def staff(
    client: httpx.AsyncClient, db_session: AsyncSession, role: StaffRole
) -> dict[str, str]:
    """Headers of a new staff user holding ``role``."""
    email = f"{role.value}.{secrets.token_hex(4)}@sab.example"
    await create_staff_user(
        db_session,
        email=email,
        display_name=f"Staff {role.value}",
        password=STAFF_PASSWORD,
        roles=[role],
        actor=Actor.system("test"),
        now=datetime.now(UTC),
    )
    return bearer(await login(client, email, STAFF_PASSWORD))


async def attach_clean_concept(db_session: AsyncSession, application: dict[str, Any]) -> str:
    """A scanned-clean concept PDF row, as the attachments feature leaves it after upload."""
    attachment_id = uuid.uuid4()
    async with db_session.begin():
        user_id = (
            await db_session.execute(
                sa.select(applications_table.c.created_by).where(
                    applications_table.c.id == uuid.UUID(application["id"])
                )
            )
        ).scalar_one()
        await db_session.execute(
            sa.insert(attachments_table).values(
                id=attachment_id,
                application_id=uuid.UUID(application["id"]),
                organisation_id=uuid.UUID(application["organisation_id"]),
                kind="concept",
                filename="konzept.pdf",
                media_type="application/pdf",
                size_bytes=1234,
                sha256=hashlib.sha256(attachment_id.bytes).hexdigest(),
                storage_key=f"attachments/{application['id']}/{attachment_id}",
                scan_status="clean",
                scan_attempts=1,
                uploaded_by=user_id,
            )
        )
    return str(attachment_id)


def if_match(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


async def submitted(
    client: httpx.AsyncClient, db_session: AsyncSession, headers: dict[str, str], **fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A submitted application of the demo call: (application before submission, receipt)."""
    application = await draft(client, headers, **fields)
    await attach_clean_concept(db_session, application)
    response = await client.post(
        f"/api/applications/{application['id']}/submissions",
        headers=if_match(headers, application["version"]),
    )
    assert response.status_code == 201, response.text
    receipt: dict[str, Any] = response.json()
    return application, receipt
