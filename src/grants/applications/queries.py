"""The applications feature's read surface for other features: the tables to join and look up,
and the current scan state of attachments.

Evaluation (assignment, conflicts of interest, the evaluator's view, scoring, ranking and the
jury's decisions) joins applications and their frozen submissions into its own queries. These
handles are for joins and lookups only: every write to an application or a submission goes
through this feature's use cases (``drafts``, ``submission``, ``transitions``,
``information_requests``), which keep the lifecycle, the event log and the audit trail.

A submitted version may name an attachment that was still being scanned at receipt (the
receipt time counts, not the scanner's). Its snapshot keeps the status as it was; whoever
serves or judges the file asks ``attachment_states`` for the status now: only ``clean``
may be served.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.attachments.tables import attachments_table
from grants.applications.tables import applications_table, submissions_table
from grants.core.attachments import ScanStatus, servable

__all__ = [
    "AttachmentState",
    "applications_table",
    "attachment_states",
    "submissions_table",
]

_att = attachments_table


@dataclass(frozen=True, slots=True)
class AttachmentState:
    """An attachment's scan status now, and whether it left the working copy since."""

    scan_status: ScanStatus
    scanned_at: datetime | None
    removed: bool

    @property
    def servable(self) -> bool:
        """Only a file scanned clean (or, on a server without a scanner, not scanned) may be
        served: ``core.attachments.servable``. Pending or failed ones stay quarantined,
        infected ones are never served (their bytes are deleted)."""
        return servable(self.scan_status)


async def attachment_states(
    session: AsyncSession, application_id: uuid.UUID, attachment_ids: Iterable[str | uuid.UUID]
) -> dict[str, AttachmentState]:
    """The current state of the named attachments of one application, by id as a string;
    removed ones included (a submitted version keeps naming them). Ids that are not the
    application's are absent. Runs in the caller's transaction."""
    wanted = {uuid.UUID(str(i)) for i in attachment_ids}
    if not wanted:
        return {}
    rows = await session.execute(
        sa.select(_att.c.id, _att.c.scan_status, _att.c.scanned_at, _att.c.deleted_at).where(
            _att.c.application_id == application_id, _att.c.id.in_(wanted)
        )
    )
    return {
        str(row.id): AttachmentState(
            ScanStatus(row.scan_status), row.scanned_at, row.deleted_at is not None
        )
        for row in rows
    }
