"""Shapes of the payment API. Requests forbid unknown fields (``StrictInput``)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from grants.awards.budgets.schemas import FiscalYear
from grants.http.fields import Amount, ProjectDate, StrictInput


class PaymentRequestIn(StrictInput):
    fiscal_year: FiscalYear = Field(description="The fiscal year whose annual amount it draws")
    amount: Amount
    purpose: Annotated[str, Field(min_length=1, max_length=2000)]
    needed_by: ProjectDate = Field(description="By when the money will be spent")
    costs_due: Amount = Field(
        description="Eligible costs incurred so far plus those due until needed_by"
    )
    own_funds_used: Amount = Field(default=Decimal("0.00"))
    third_party_funds_used: Amount = Field(default=Decimal("0.00"))


class RefusalIn(StrictInput):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class PaymentRequestPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    decision_id: uuid.UUID
    number: int
    status: str  # requested | certified | ordered | refused
    version: int
    fiscal_year: int
    amount: Decimal
    purpose: str
    needed_by: date
    costs_due: Decimal
    own_funds_used: Decimal
    third_party_funds_used: Decimal
    requested_by: uuid.UUID
    requested_at: datetime
    certified_by: uuid.UUID | None
    certified_at: datetime | None
    ordered_by: uuid.UUID | None
    ordered_at: datetime | None
    refused_by: uuid.UUID | None
    refused_at: datetime | None
    refusal_reason: str
