"""Shapes of the formal application API. Requests forbid unknown fields (``StrictInput``)."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from grants.http.fields import ProjectDate, StrictInput


class FormalApplicationIn(StrictInput):
    """The working copy as the applicant has it, complete or not: saved as sent and checked
    on every read. ``sketch`` and the applicant type are filled in by the server (from the
    submitted sketch and the organisation's profile)."""

    content: dict[str, Any] = Field(
        description="fiscal_years, staff, partners, legal_representatives, bank_account, "
        "organisation (register, tax number, VAT status, NACE code, linked undertakings)",
    )


class FormalSubmissionIn(StrictInput):
    confirmed_declarations: Annotated[list[str], Field(max_length=20)] = Field(
        description="The keys of every declaration of the guideline, confirmed again for the "
        "formal application (GET …/formal-application lists them with their texts)"
    )


class DueDateIn(StrictInput):
    due_on: ProjectDate = Field(description="The new last day (until 23:59:59 Europe/Berlin)")
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ProblemOut(BaseModel):
    field: str
    rule: str
    message: str


class DeclarationOut(BaseModel):
    key: str
    version: str
    title: dict[str, str]
    text: dict[str, str]
    items: list[dict[str, str]]


class FormalSubmissionSummary(BaseModel):
    number: int
    reference_number: str
    received_at: datetime
    snapshot_sha256: str


class FormalApplicationPublic(BaseModel):
    application_id: uuid.UUID
    status: str
    version: int  # 0 until the first save
    due_at: datetime
    due_reason: str
    editable: bool
    content: dict[str, Any]
    complete: bool
    problems: list[ProblemOut]
    pay_check: dict[str, str]  # the Besserstellungsverbot: checked or why not
    declarations: list[DeclarationOut]
    reference_number: str | None
    submissions: list[FormalSubmissionSummary]


class FormalReceipt(BaseModel):
    """The receipt (Eingangsbestätigung) of a formal application."""

    reference_number: str  # the Eingangsnummer of the formal application
    sketch_reference_number: str
    submission_number: int
    received_at: datetime
    received_at_text: dict[str, str]
    snapshot_sha256: str
    declarations: list[dict[str, Any]]
    notes: list[dict[str, str]]
    requested_grant: str
    fiscal_years: list[dict[str, Any]]
    decision_date_hint: date | None = None
