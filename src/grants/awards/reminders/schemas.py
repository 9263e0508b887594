"""Shapes of the overdue list."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class OverdueReport(BaseModel):
    application_id: uuid.UUID
    reference_number: str | None
    title: str
    kind: str = Field(description="interim | final")
    fiscal_year: int | None
    due_on: date
    days_overdue: int


class OutstandingReclaim(BaseModel):
    application_id: uuid.UUID
    reference_number: str | None
    file_reference: str = Field(description="The revocation's Aktenzeichen")
    reclaimed: Decimal
    outstanding: Decimal
    effective_from: date


class WaitingPayment(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    reference_number: str | None
    status: str = Field(description="requested (to certify) | certified (to order)")
    amount: Decimal
    requested_at: datetime
    days_waiting: int


class OverdueList(BaseModel):
    guideline_id: str
    today: date = Field(description="Europe/Berlin")
    reports: list[OverdueReport]
    reclaims: list[OutstandingReclaim]
    payments: list[WaitingPayment]
