"""Shapes of the formal check API."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from grants.applications.schemas import InformationRequestCreate
from grants.core.lifecycle import FormalOutcome
from grants.http.fields import StrictInput


class ChecklistItemOut(BaseModel):
    code: str
    label: dict[str, str]
    proposed: str  # pass | fail | needs_review, from the frozen verdict
    evidence: list[dict[str, Any]]
    confirmed: bool | None
    reason: str | None


class FormalCheckOut(BaseModel):
    application_id: uuid.UUID
    status: str
    submission_number: int
    items: list[ChecklistItemOut]
    outcome: FormalOutcome | None
    reason: str | None
    checked_at: datetime | None
    # The check proposed a formal rejection and the application waits for the Bescheid,
    # which makes it (the check itself changes no state for it and mails no reason).
    awaiting_decision_notice: bool = False


class ChecklistDecision(StrictInput):
    code: Annotated[str, Field(min_length=1, max_length=40)]
    confirmed: bool
    reason: Annotated[str, Field(max_length=2000)] | None = None


class FormalCheckRecord(StrictInput):
    items: Annotated[list[ChecklistDecision], Field(min_length=1, max_length=20)]
    outcome: FormalOutcome
    reason: Annotated[str, Field(max_length=4000)] | None = None
    # Needed when the outcome is information_requested: what is asked for, by when.
    information_request: InformationRequestCreate | None = None
