"""Shapes of the score-sheet API.

Scores travel as a *list* of ``{criterion, score, justification}`` items, not as an object
keyed by criterion: a JSON object with a key twice is silently merged by every parser, so
"scoring a criterion twice" could not even be seen. The list lets the core name it."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from grants.http.fields import StrictInput

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=4000)]


class CriterionScoreIn(StrictInput):
    criterion: Code
    # strict: 4.0, "4" and true are not scale points; null: not scored yet (drafts only)
    score: StrictInt | None = None
    justification: Annotated[str, Field(max_length=4000)] = ""

    @field_validator("score", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        # Litestar validates bodies with strict=False, which would turn "4", 4.0 and true
        # into 4: a scale point is a JSON integer, nothing else.
        if value is not None and type(value) is not int:
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value


class ScoreSheetDraft(StrictInput):
    """The whole draft (PUT replaces it); incomplete is fine until submission."""

    scores: Annotated[list[CriterionScoreIn], Field(max_length=50)]


class ReopenRequest(StrictInput):
    reason: Reason


class CriterionScoreOut(BaseModel):
    criterion: str
    score: int | None
    justification: str


class CriterionInfo(BaseModel):
    code: str
    label_de: str
    label_en: str
    weight: int
    minimum_score: int | None


class PeerSheet(BaseModel):
    """Another evaluator's submitted sheet, anonymised (shown only after one's own
    submission)."""

    label: str  # "Gutachter/in 1" …
    total: Decimal | None
    scores: list[CriterionScoreOut]


class ScoreSheetPublic(BaseModel):
    assignment_id: uuid.UUID
    application_id: uuid.UUID
    reference_number: str | None
    title: str
    status: Literal["draft", "submitted"]
    version: int  # 0: nothing saved yet (send If-Match: "0" to save the first draft)
    scores: list[CriterionScoreOut]
    total: Decimal | None  # set on submission
    submitted_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str | None
    guideline_hash: str
    scale_min: int
    scale_max: int
    criteria: list[CriterionInfo]
    missing: list[str]  # what still blocks submission, as "field: message"
    peers: list[PeerSheet] | None  # None until this sheet is submitted (no anchoring)


class ManagerSheetOut(BaseModel):
    """One evaluator's work on an application, as programme managers see it: the assignment's
    state always; scores and justifications once the sheet is submitted (drafts are the
    evaluator's working notes)."""

    assignment_id: uuid.UUID
    evaluator_id: uuid.UUID
    evaluator: str
    assignment_status: str
    conflicted: bool
    sheet_status: Literal["none", "draft", "submitted"]
    total: Decimal | None
    submitted_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str | None
    scores: list[CriterionScoreOut] | None
