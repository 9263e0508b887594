"""Field types shared by every request and response shape: the strict base of request bodies,
codes, amounts, project dates, municipality keys, and the page of a listing. One home, so a
rule such as "an amount has two decimal places" is written once."""

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic_core import PydanticCustomError

from grants.core.deadlines import BERLIN, EARLIEST_DATE, LATEST_DATE
from grants.core.guideline import CODE_MAX_LENGTH, CODE_PATTERN
from grants.core.money import CENT, MAX_AMOUNT

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


class JsonNumber(float):
    """A JSON number as the request body spelled it (``http/hooks.py`` decodes every non-integer
    number into one). It is an ordinary float everywhere, and ``Amount`` reads the digits as
    written: a float has lost whether the client typed ``50.000`` or ``50``."""

    __slots__ = ("literal",)
    literal: str

    def __new__(cls, literal: str) -> "JsonNumber":
        number = super().__new__(cls, literal)
        number.literal = literal
        return number


# What Decimal reads the way a person meant it: digits, optionally a point and more digits.
_PLAIN_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# 50.000, 1.250.000: German thousands points. A single group (50.000) is ambiguous: fifty
# thousand to a German reader, fifty with three decimals to Decimal.
_THOUSANDS_POINTS = re.compile(r"-?[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_CURRENCY = re.compile(r"€|\bEUR\b|\bEuro\b", re.IGNORECASE)
# Spaces (also no-break and narrow no-break), apostrophes and underscores between digits.
_GROUPING = re.compile(r"(?<=[0-9])[\s\u00a0\u202f'’_](?=[0-9])")


def expected_amount(text: str) -> tuple[str, str | None] | None:
    """For an amount not written plainly (``1250.00``), the plain form meant and, where the
    text reads two ways, the other one: ``50.000`` → (``50000.00``, ``50.00``), ``1.234,56``
    → (``1234.56``, None), ``50 000 €`` → (``50000.00``, None). None for plain amounts and
    for text that is no amount at all (the type's own error says so)."""
    candidate = text.strip()
    if _PLAIN_AMOUNT.fullmatch(candidate) and not _THOUSANDS_POINTS.fullmatch(candidate):
        return None
    candidate = _GROUPING.sub("", _CURRENCY.sub("", candidate)).strip()
    if not re.fullmatch(r"-?[0-9][0-9.,]*", candidate) or candidate.endswith((".", ",")):
        return None
    other: str | None = None
    points, commas = candidate.count("."), candidate.count(",")
    if points and commas:  # the separator written last is the decimal one
        decimal_mark = "," if candidate.rfind(",") > candidate.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        plain = candidate.replace(grouping, "").replace(decimal_mark, ".")
    elif commas == 1 and len(candidate.rsplit(",", 1)[1]) <= 2:
        plain = candidate.replace(",", ".")  # 1234,56: a decimal comma
    elif commas:
        plain = candidate.replace(",", "")  # 1,250,000: grouping commas
    elif _THOUSANDS_POINTS.fullmatch(candidate):
        plain = candidate.replace(".", "")
        if points == 1 and candidate.endswith("0"):
            other = candidate  # 50.000 read as a decimal, when that is a valid amount (50.00)
    else:
        plain = candidate
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return None
    if not _PLAIN_AMOUNT.fullmatch(plain):
        return None

    def money(number: Decimal) -> str:
        return f"{number.quantize(CENT)}" if number == number.quantize(CENT) else f"{number}"

    return money(value), None if other is None else money(Decimal(other))


def _refuse_unplain(text: str) -> None:
    expected = expected_amount(text)
    if expected is None:
        return
    plain, other = expected
    english = (
        "ambiguous amount '{value}'; expected: {expected} — no thousands separators, a point "
        "before the cents only" + ("; {other} if that is meant" if other else "")
    )
    raise PydanticCustomError(
        "ambiguous_amount", english, {"value": text, "expected": plain, "other": other or ""}
    )


def _amount_input(value: Any) -> Any:
    """The one rule for money in every request: strings are taken as written but must be plain
    (``50.000`` and ``1.234,56`` are refused naming the expected form); JSON numbers may have
    at most two decimal places as typed and are normalised to two (``50`` → ``50.00``)."""
    if isinstance(value, bool):
        return value  # the type's own error (a bool is no amount)
    if isinstance(value, str):
        _refuse_unplain(value)
        return value
    if isinstance(value, float):
        literal = value.literal if isinstance(value, JsonNumber) else repr(value)
        _refuse_unplain(literal)
        try:
            number = Decimal(literal)
        except InvalidOperation:
            return value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        return value
    if not number.is_finite() or abs(number) > MAX_AMOUNT or number != number.quantize(CENT):
        return number  # the type's own error: too large, or more than two places
    return number.quantize(CENT)


# Euro amounts: never negative, two decimal places, at most what NUMERIC(14,2) holds; see
# _amount_input for how they may be written.
Amount = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, max_digits=14, decimal_places=2, examples=["12500.00"]),
    BeforeValidator(_amount_input),
]
# Dates the engine can judge (date arithmetic near the calendar's ends would overflow).
ProjectDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]

_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _instant_input(value: Any) -> Any:
    """A bare date is no instant (which second of which zone?): refused naming the field, with
    the end of that day in Europe/Berlin as the example to copy."""
    if isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            return value  # not a date either: the type's own error
        example = datetime.combine(day, time(23, 59, 59), BERLIN).isoformat()
        raise PydanticCustomError(
            "datetime_without_time",
            "a date alone is not a point in time: add the time and its UTC offset, e.g. {example}",
            {"example": example},
        )
    return value


def _offset_required(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_aware", "Input should have timezone info, e.g. 2027-01-15T23:59:59+01:00"
        )
    return value


# A point in time with its UTC offset (deadlines, due dates): ISO 8601, e.g.
# 2027-01-15T23:59:59+01:00. Naive values and bare dates are refused naming the field. (On
# datetime, not pydantic's AwareDatetime: Litestar's document generator carries one field's
# bounds on AwareDatetime over to every other field of that type.)
Instant = Annotated[
    datetime,
    Field(examples=["2027-01-15T23:59:59+01:00"]),
    AfterValidator(_offset_required),
    BeforeValidator(_instant_input),
]
# Amtlicher Gemeindeschlüssel (AGS): eight digits.
MunicipalityKey = Annotated[str, Field(pattern=r"^[0-9]{8}$", examples=["14521530"])]
