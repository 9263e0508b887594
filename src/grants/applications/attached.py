"""The application's view of its attachments (owned by the attachments feature)."""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.attachments.tables import attachments_table as _att

# TEMPORARY until grants.attachments.service.attachments_for_snapshot lands.


async def attachments_of(session: AsyncSession, application_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(
        sa.select(
            _att.c.id,
            _att.c.kind,
            _att.c.filename,
            _att.c.media_type,
            _att.c.size_bytes,
            _att.c.sha256,
            _att.c.scan_status,
        )
        .where(_att.c.application_id == application_id, _att.c.deleted_at.is_(None))
        .order_by(_att.c.created_at, _att.c.id)
    )
    return [
        {
            "id": str(r.id),
            "kind": str(r.kind),
            "filename": r.filename,
            "media_type": r.media_type,
            "size_bytes": r.size_bytes,
            "sha256": r.sha256,
            "scan_status": str(r.scan_status),
        }
        for r in rows
    ]


def clean_kinds(attachments: list[dict[str, Any]]) -> set[str]:
    return {a["kind"] for a in attachments if a["scan_status"] == "clean"}
