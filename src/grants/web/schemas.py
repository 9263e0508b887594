"""Shapes of the programme pages' API."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from grants.http.fields import StrictInput


class ProgrammePageIn(StrictInput):
    model_config = ConfigDict(extra="forbid", str_max_length=20_000)

    text: Annotated[str, Field(min_length=1, max_length=20_000)] = Field(
        description="Plain text; a blank line starts a new paragraph (no markup: shown escaped)"
    )
    reason: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="Why it is set or changed (audited)"
    )


class ProgrammePagePublic(BaseModel):
    guideline_id: str
    kind: str
    text: str
    version: int
    changed_at: datetime
