"""Field types shared by every request and response shape: the strict base of request bodies,
codes, amounts, project dates, municipality keys, and the page of a listing. One home, so a
rule such as "an amount has two decimal places" is written once."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grants.core.deadlines import EARLIEST_DATE, LATEST_DATE
from grants.core.guideline import CODE_MAX_LENGTH, CODE_PATTERN
from grants.core.money import MAX_AMOUNT

T = TypeVar("T")


class StrictInput(BaseModel):
    """The base of every request body: unknown fields are errors, NUL characters are refused."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold U+0000; refuse it here with a 422 naming the field.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL (U+0000) characters")
        return value


class Page(BaseModel, Generic[T]):
    """The page of a listing, as every offset-paged listing returns it."""

    items: list[T]
    total: int
    limit: int
    offset: int


Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)]
# Euro amounts: never negative, two decimal places, at most what NUMERIC(14,2) holds.
Amount = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, max_digits=14, decimal_places=2, examples=["12500.00"]),
]
# Dates the engine can judge (date arithmetic near the calendar's ends would overflow).
ProjectDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
# Amtlicher Gemeindeschlüssel (AGS): eight digits.
MunicipalityKey = Annotated[str, Field(pattern=r"^[0-9]{8}$", examples=["14521530"])]
