"""Shapes of the budget API. Requests forbid unknown fields (``StrictInput``)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from grants.http.fields import Amount, StrictInput

FiscalYear = Annotated[int, Field(ge=2000, le=2199, examples=[2025])]
ScopeCode = Annotated[str, Field(max_length=40, pattern=r"^([a-z0-9][a-z0-9_-]*)?$")]


class BudgetSet(StrictInput):
    """One level's amounts for one fiscal year. Leave ``call_code`` empty for the programme,
    ``funding_line`` empty for a call."""

    call_code: ScopeCode = Field(default="", description="empty: the programme level")
    funding_line: ScopeCode = Field(default="", description="empty: the call level")
    fiscal_year: FiscalYear
    cash_appropriation: Amount = Field(description="Ansatz: cash for the fiscal year")
    commitment_authorisation: Amount = Field(
        description="Verpflichtungsermächtigung counted against the fiscal year"
    )
    reason: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="Why the budget is set or changed (kept in the audit log)"
    )


class BudgetYear(BaseModel):
    level: str  # programme | call | line
    call_code: str
    funding_line: str
    fiscal_year: int
    cash_appropriation: Decimal
    commitment_authorisation: Decimal
    limit: Decimal  # what may be committed for the year: Ansatz + VE
    committed: Decimal
    paid: Decimal
    open: Decimal  # committed − paid
    free: Decimal  # limit − committed
    reclaimed: Decimal
    refunded: Decimal
    version: int
    changed_at: datetime


class BudgetOverview(BaseModel):
    guideline_id: str
    rows: list[BudgetYear]
    assumption: str  # how "limit" is derived, while no source settles it
