"""Shapes of the bulk-release API. Requests forbid unknown fields (``StrictInput``)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from grants.http.fields import StrictInput

MAX_BATCH = 500


class BatchIn(StrictInput):
    decision_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_BATCH)] = Field(
        description="Drafts of this call to release, each as it stands now (a later edit of "
        "one makes its item fail, not release a version nobody ordered)"
    )


class BatchItemPublic(BaseModel):
    position: int
    decision_id: uuid.UUID
    status: str  # pending | released | failed
    error_code: str = Field(description="For a failed item: the problem type, as the API says")
    error: str
    finished_at: datetime | None


class BatchPublic(BaseModel):
    id: uuid.UUID
    guideline_id: str
    call_code: str
    created_by: uuid.UUID
    created_at: datetime
    total: int
    pending: int
    released: int
    failed: int
    items: list[BatchItemPublic]
