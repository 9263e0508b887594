"""Requests of the attachments API, spelled once."""

import uuid
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.attachments.scanner import ScanResult
from grants.applications.tables import applications_table
from tests.applications_factories import applicant, draft


def url(application_id: object, *rest: object) -> str:
    return "/".join([f"/api/applications/{application_id}/attachments", *map(str, rest)])


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    application_id: object,
    content: Any,
    *,
    kind: str = "concept",
    filename: str | None = "Projektskizze.pdf",
    content_type: str = "application/octet-stream",
    extra_headers: dict[str, str] | None = None,
) -> httpx.Response:
    params = {"kind": kind} | ({} if filename is None else {"filename": filename})
    return await client.post(
        url(application_id),
        params=params,
        content=content,
        headers={**headers, "Content-Type": content_type, **(extra_headers or {})},
    )


async def applicant_with_draft(client: httpx.AsyncClient) -> tuple[dict[str, str], str]:
    account = await applicant(client)
    created = await draft(client, account["headers"])
    return account["headers"], created["id"]


async def set_status(db_session: AsyncSession, application_id: str, status: str) -> None:
    """Tests move the application directly: the transitions are another feature's."""
    async with db_session.begin():
        await db_session.execute(
            sa.update(applications_table)
            .where(applications_table.c.id == uuid.UUID(application_id))
            .values(status=status)
        )


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class CleanScanner:
    """A scanner that reads every byte and finds nothing (a fake, not a mock): what clamd
    answers for a harmless file, without a clamd."""

    def __init__(self) -> None:
        self.scanned: list[int] = []

    async def scan(self, chunks: AsyncIterable[bytes]) -> ScanResult:
        size = 0
        async for chunk in chunks:
            size += len(chunk)
        self.scanned.append(size)
        return ScanResult(clean=True, detail="stream: OK")


async def upload_form(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    application_id: object,
    files: Any,
    *,
    kind: str = "concept",
    filename: str | None = None,
    data: dict[str, str] | None = None,
) -> httpx.Response:
    """An upload as browsers and ``curl -F`` send it: multipart/form-data."""
    params = {"kind": kind} | ({} if filename is None else {"filename": filename})
    return await client.post(
        url(application_id), params=params, files=files, data=data, headers=headers
    )
