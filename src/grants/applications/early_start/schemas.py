"""Shapes of the early-start consent API. Requests forbid unknown fields (``StrictInput``)."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from grants.http.fields import ProjectDate, StrictInput

LetterReference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        description="Aktenzeichen of the letter",
        examples=["SAB-LIfD-2024-0042/vMB"],
    ),
]


class EarlyStartConsentCreate(StrictInput):
    consented_on: ProjectDate = Field(description="Date of the consent letter (not in the future)")
    letter_reference: LetterReference
    scope: Annotated[str, Field(max_length=4000)] = Field(
        default="",
        description="What may begin early, e.g. the contracts or cost items the consent covers",
    )
    reason: Annotated[str, Field(max_length=2000)] = Field(
        default="",
        description="Required when a consent or revocation was recorded before: why this act "
        "replaces it",
    )


class EarlyStartRevocationCreate(StrictInput):
    revoked_on: ProjectDate = Field(description="Date of the revocation letter")
    letter_reference: LetterReference
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class EarlyStartAct(BaseModel):
    number: int  # 1, 2, … per application
    kind: str  # consent | revocation
    letter_date: date
    letter_reference: str
    scope: str
    reason: str
    recorded_by: uuid.UUID
    recorded_at: datetime


class Notice(BaseModel):
    de: str
    en: str


class EarlyStartConsentPublic(BaseModel):
    application_id: uuid.UUID
    consented: bool  # a consent is in force
    consent: EarlyStartAct | None  # the consent in force
    history: list[EarlyStartAct]  # every act, oldest first
    notice: Notice
