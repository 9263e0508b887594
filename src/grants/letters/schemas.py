"""Shapes of the letters API. Requests forbid unknown fields (``StrictInput``)."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from grants.http.fields import StrictInput

Line = Annotated[str, Field(max_length=200)]


class LetterheadIn(StrictInput):
    """What every letter of the programme prints about the authority. ``seat`` is the
    authority's seat, which the legal-remedy notice names; ``privacy_url`` where its
    data-protection information (Art. 13 GDPR) is published."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    unit: Line = ""
    on_behalf_of: Annotated[str, Field(max_length=300)] = ""
    street: Annotated[str, Field(min_length=1, max_length=200)]
    postal_code: Annotated[str, Field(pattern=r"^[0-9]{5}$")]
    city: Annotated[str, Field(min_length=1, max_length=100)]
    seat: Annotated[str, Field(min_length=1, max_length=100)]
    phone: Annotated[str, Field(max_length=50)] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    website: Annotated[str, Field(max_length=300)] = ""
    privacy_url: Annotated[str, Field(min_length=1, max_length=300, pattern=r"^https://")]
    bank_holder: Line = ""
    bank_name: Line = ""
    iban: Annotated[str, Field(max_length=34)] = Field(
        default="", description="For refunds; checked (check digits, country format)"
    )
    bic: Annotated[str, Field(max_length=11)] = ""
    reason: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="Why it is set or changed (audited)"
    )


class LetterheadPublic(BaseModel):
    guideline_id: str
    name: str
    unit: str
    on_behalf_of: str
    street: str
    postal_code: str
    city: str
    seat: str
    phone: str
    email: str
    website: str
    privacy_url: str
    bank_holder: str
    bank_name: str
    iban: str
    bic: str
    version: int
    changed_at: datetime


class LogoPublic(BaseModel):
    """The logo as it is printed: re-encoded as PNG from the upload."""

    guideline_id: str
    sha256: str
    width: int
    height: int
    size_bytes: int
    changed_at: datetime


class LetterRequestPublic(BaseModel):
    """The order to issue a decision's letter and how it stands."""

    id: uuid.UUID
    decision_id: uuid.UUID
    batch_id: uuid.UUID | None
    status: str = Field(description="pending, issued or failed")
    requested_at: datetime
    letter_id: uuid.UUID | None
    error: str
    finished_at: datetime | None
    corrects_id: uuid.UUID | None = Field(description="For a correction: the letter it corrects")
    reason: str = Field(description="For a correction: why (printed in the letter)")


class CorrectionIn(StrictInput):
    """A correction of an issued letter under § 42 VwVfG: writing or arithmetic errors and
    similar obvious inaccuracies (a wrong address in the letterhead, a defect of the
    template). It re-renders the same released decision; a change of what was decided is an
    amendment (a new decision), not a correction."""

    reason: Annotated[str, Field(min_length=10, max_length=2000)] = Field(
        description="What was wrong; printed in the corrected letter and audited"
    )


class LetterBatchPublic(BaseModel):
    id: uuid.UUID
    guideline_id: str
    call_code: str
    created_at: datetime
    total: int
    pending: int
    issued: int
    failed: int
    requests: list[LetterRequestPublic]


class LetterPublic(BaseModel):
    """An issued letter (its PDF at ``…/pdf``)."""

    id: uuid.UUID
    application_id: uuid.UUID
    decision_id: uuid.UUID
    kind: str
    title: str
    file_name: str
    sha256: str
    size_bytes: int
    template_version: str
    corrects_id: uuid.UUID | None = Field(description="The letter this one corrects")
    correction_reason: str = Field(description="Why it corrects that one ('' for the first)")
    corrected_by_id: uuid.UUID | None = Field(
        description="The letter that corrects this one: this one is then no longer valid"
    )
    issued_at: datetime
    first_retrieved_at: datetime | None = Field(
        description="The recipient's first download (§ 41 Abs. 2a VwVfG), if any"
    )


class UnretrievedLetter(BaseModel):
    """A decision's letter to be posted: its recipient has not consented to notification by
    portal retrieval, or has not downloaded it within ten days of the notice that it is
    ready — either way it is not notified on the portal (§ 41 Abs. 2a VwVfG)."""

    letter_id: uuid.UUID
    application_id: uuid.UUID
    decision_id: uuid.UUID
    reference_number: str | None
    title: str
    file_name: str
    issued_at: datetime
    reason: Literal["no_portal_consent", "not_retrieved"]
    due_for_posting_since: datetime = Field(
        description="Its issue without consent; else ten days after it (a retrieval on the "
        "tenth day still notifies)"
    )
