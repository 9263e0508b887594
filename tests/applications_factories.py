"""Builders for applications: a complete, eligible draft of the demo call, made through the
API so that every state is reached the way a user reaches it."""

import copy
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from grants.demo import DEMO_DRAFT
from tests.attachment_files import pdf
from tests.factories import bearer, login, register

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


async def attach_concept(
    client: httpx.AsyncClient, headers: dict[str, str], application: dict[str, Any]
) -> str:
    """Upload a concept PDF through the API (tests run without a scanner: not_scanned, which
    counts as received and may be served)."""
    response = await client.post(
        f"/api/applications/{application['id']}/attachments",
        params={"kind": "concept", "filename": "Konzept MakerSpace.pdf"},
        content=pdf(),
        headers={**headers, "Content-Type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["scan_status"] == "not_scanned"
    attachment_id: str = response.json()["id"]
    return attachment_id


def if_match(headers: dict[str, str], version: int) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


async def submitted(
    client: httpx.AsyncClient, db_session: AsyncSession, headers: dict[str, str], **fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A submitted application of the demo call: (application before submission, receipt)."""
    application = await draft(client, headers, **fields)
    await attach_concept(client, headers, application)
    response = await client.post(
        f"/api/applications/{application['id']}/submissions",
        headers=if_match(headers, application["version"]),
    )
    assert response.status_code == 201, response.text
    receipt: dict[str, Any] = response.json()
    return application, receipt
