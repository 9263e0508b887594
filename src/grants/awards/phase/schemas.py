"""Shape of an award's phase."""

import uuid
from decimal import Decimal

from pydantic import BaseModel, Field


class AwardPhasePublic(BaseModel):
    application_id: uuid.UUID
    phase: str = Field(
        description="awaiting_notification | notified | final | in_progress | reports_due | "
        "hearing | reclaim | settling | closed (derived, never stored)"
    )
    label: dict[str, str]
    closed: bool
    open_items: list[dict[str, str]] = Field(description="What keeps the file open")
    committed: Decimal
    paid: Decimal
    reclaim_outstanding: Decimal
    reports_owed: int
    reports_overdue: int
