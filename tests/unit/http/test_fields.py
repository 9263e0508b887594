"""Money and points in time as people type them: the shared field types refuse what reads two
ways and name the form expected; JSON numbers keep the digits the client wrote."""

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from grants.http.fields import Amount, Instant, JsonNumber, expected_amount
from grants.http.hooks import _decoder

AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50.000", ("50000.00", "50.00")),  # fifty thousand to a German, fifty to Decimal
        ("12.340", ("12340.00", "12.34")),
        ("12.345", ("12345.00", None)),  # 12.345 is no amount of cents: one reading only
        ("1.250.000", ("1250000.00", None)),
        ("1.234,56", ("1234.56", None)),
        ("1234,5", ("1234.50", None)),
        ("1,234.56", ("1234.56", None)),
        ("1,250,000", ("1250000.00", None)),
        ("50 000 €", ("50000.00", None)),
        ("EUR 1.500,00", ("1500.00", None)),
        ("50\u202f000", ("50000.00", None)),
        ("50_000", ("50000.00", None)),
        ("50'000", ("50000.00", None)),
        # Plain amounts, and what is no amount at all, are the type's business.
        ("50000", None),
        ("50000.5", None),
        ("0.125", None),
        ("1234.567", None),
        ("zehn", None),
        ("12,", None),
    ],
)
def test_the_expected_form_of_an_amount(text: str, expected: tuple[str, str | None]) -> None:
    assert expected_amount(text) == expected


def _error(value: object) -> dict[str, object]:
    with pytest.raises(ValidationError) as raised:
        AMOUNT.validate_python(value)
    [error] = raised.value.errors()
    return dict(error)


@pytest.mark.parametrize("value", ["50.000", "1.234,56", "50 000", JsonNumber("50.000")])
def test_ambiguous_amounts_are_refused_naming_the_expected_form(value: object) -> None:
    error = _error(value)
    assert error["type"] == "ambiguous_amount"
    ctx = error["ctx"]
    assert isinstance(ctx, dict)
    assert ctx["expected"] in {"50000.00", "1234.56"}
    assert "expected: " in str(error["msg"])


def test_strings_are_taken_as_written() -> None:
    # As the pre-check's fast path reads them: exactly, exponent included.
    assert repr(AMOUNT.validate_python("20000.5")) == "Decimal('20000.5')"
    assert AMOUNT.validate_python("1250.00") == Decimal("1250.00")


@pytest.mark.parametrize(
    ("literal", "value"),
    [("1250.5", "1250.50"), ("0.1", "0.10"), ("1e3", "1000.00"), ("1234.500", "1234.50")],
)
def test_json_numbers_are_normalised_to_two_places(literal: str, value: str) -> None:
    amount = AMOUNT.validate_python(JsonNumber(literal))
    assert str(amount) == value


def test_integers_are_normalised_too() -> None:
    assert str(AMOUNT.validate_python(50000)) == "50000.00"


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (JsonNumber("1234.567"), "decimal_max_places"),  # more than two places as typed
        (1234.567, "decimal_max_places"),  # a float from elsewhere: its shortest repr
        (JsonNumber("-5.5"), "greater_than_equal"),
        (JsonNumber("1e40"), "decimal_max_digits"),
        (True, "decimal_type"),
    ],
)
def test_json_numbers_follow_the_same_bounds(value: object, rule: str) -> None:
    assert _error(value)["type"] == rule


def test_the_body_decoder_keeps_what_the_client_wrote() -> None:
    decoded = _decoder.decode(b'{"a": 50.000, "b": [1.5e3], "c": 7}')
    assert isinstance(decoded["a"], JsonNumber) and decoded["a"].literal == "50.000"
    assert decoded["a"] == 50.0  # still a float for every other field
    assert decoded["b"][0].literal == "1.5e3"
    assert type(decoded["c"]) is int


INSTANT: TypeAdapter[object] = TypeAdapter(Instant)


@pytest.mark.parametrize(
    ("day", "example"),
    [("2027-01-15", "2027-01-15T23:59:59+01:00"), ("2027-07-15", "2027-07-15T23:59:59+02:00")],
)
def test_a_bare_date_is_no_instant_and_the_example_is_that_evening_in_berlin(
    day: str, example: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        INSTANT.validate_python(day)
    [error] = raised.value.errors()
    assert error["type"] == "datetime_without_time"
    assert error["ctx"] == {"example": example}


def test_a_naive_time_is_refused_and_an_aware_one_taken() -> None:
    with pytest.raises(ValidationError) as raised:
        INSTANT.validate_python("2027-01-15T10:00:00")
    assert raised.value.errors()[0]["type"] == "timezone_aware"
    assert str(INSTANT.validate_python("2027-01-15T10:00:00+01:00")) == "2027-01-15 10:00:00+01:00"
