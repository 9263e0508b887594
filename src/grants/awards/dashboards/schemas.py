"""Shapes of the managers' dashboard. Money is ``Decimal`` (JSON: exact decimal strings);
every figure is derived from the ledger, the budgets and the applications when asked, never
stored."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from grants.awards.budgets.schemas import BudgetOverview


class DashboardTable(StrEnum):
    """The tables of the dashboard, one per CSV file (``?table=``) and per XLSX sheet."""

    BUDGET = "budget"
    PIPELINE = "pipeline"
    DISTRICTS = "districts"
    AREAS = "areas"
    SERIES = "series"


class Area(StrEnum):
    RURAL = "rural"  # ländlicher Raum, including its verdichtete Bereiche (core.areas)
    URBAN = "urban"  # Verdichtungsraum
    UNKNOWN = "unknown"  # no municipality, or one the register lacks


class DashboardFilters(BaseModel):
    call: str | None = Field(description="only this call (None: every call of the programme)")
    fiscal_year: int | None = Field(
        description="only this fiscal year's budgets and ledger rows (None: every year)"
    )


class PipelineRow(BaseModel):
    call_code: str
    status: str
    status_label: str = Field(description="German (English)")
    applications: int
    requested_grant: Decimal = Field(description="sum of the requested grants")


class DistrictRow(BaseModel):
    district_code: str | None = Field(
        description="Kreisschlüssel: the first five digits of the municipality key (AGS); "
        "None for awards whose municipality the register lacks"
    )
    district: str = Field(description="Landkreis or Kreisfreie Stadt, as the register names it")
    awards: int
    committed: Decimal = Field(description="net committed (commitments − de-commitments)")


class AreaCategoryRow(BaseModel):
    area_category: str | None = Field(description="LEP 2013 area category; None: unknown")
    label: str
    awards: int
    committed: Decimal
    category_assumed: int = Field(
        description="awards whose category is an assumption (not checked in LEP 2013 map 1)"
    )


class AreaRow(BaseModel):
    area: Area
    label: str = Field(description="German (English)")
    awards: int
    committed: Decimal = Field(description="net committed (commitments − de-commitments)")
    category_assumed: int = Field(
        description="of ``awards``, those whose LEP category (and so rural or urban) is an "
        "assumption of the register, not a fact checked in LEP 2013"
    )
    categories: list[AreaCategoryRow]


class AwardsByArea(BaseModel):
    rows: list[AreaRow]
    assumption: str = Field(description="how rural and urban are told apart, and its limits")


class SeriesMonth(BaseModel):
    """One calendar month in Europe/Berlin. Gross movements are shown separately, each as a
    positive sum, and the nets beside them; months without movements between the first and
    the last are included with zeros."""

    month: str = Field(description="YYYY-MM, Europe/Berlin", examples=["2027-03"])
    committed: Decimal = Field(description="commitments entered (gross)")
    decommitted: Decimal = Field(description="de-commitments (amendments, revocations, …)")
    net_committed: Decimal = Field(description="committed − decommitted (may be negative)")
    paid: Decimal = Field(description="payments (gross)")
    refunded: Decimal = Field(description="refunds received")
    net_paid: Decimal = Field(description="paid − refunded (may be negative)")


class Dashboard(BaseModel):
    guideline_id: str
    filters: DashboardFilters
    generated_at: datetime
    budget: BudgetOverview = Field(
        description="the budgets overview's rows (``getBudgets``), narrowed by the filters; "
        "with a call, the programme level is left out"
    )
    pipeline: list[PipelineRow] = Field(
        description="per call and status, every application staff see (no drafts, none "
        "discarded); not narrowed by fiscal_year (applications have none)"
    )
    awards_by_district: list[DistrictRow] = Field(
        description="approved and partially approved applications by the district of their "
        "municipality; with fiscal_year, the amounts are that year's, the counts all awards"
    )
    awards_by_area: AwardsByArea
    series: list[SeriesMonth] = Field(
        description="per month of the movement (Europe/Berlin); fiscal_year selects the "
        "budget year the movements count against, not the month"
    )
