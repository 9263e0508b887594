from decimal import Decimal

import pytest

from grants.core.money import MoneyError, floor_to_euro, format_eur, parse_amount


@pytest.mark.parametrize(
    ("raw", "expected"), [("1000", "1000.00"), ("0.1", "0.10"), (12, "12.00"), ("-5.25", "-5.25")]
)
def test_parse_amount(raw: object, expected: str) -> None:
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", [0.1, "1.001", "abc", "NaN", "Infinity", "1e20", True, None])
def test_parse_amount_refuses(raw: object) -> None:
    with pytest.raises(MoneyError):
        parse_amount(raw)


def test_floor_to_euro() -> None:
    assert floor_to_euro(Decimal("34074.999")) == Decimal("34074.00")
    assert floor_to_euro(Decimal("5")) == Decimal("5.00")


def test_format_eur_is_german() -> None:
    assert format_eur(Decimal("1234567.8")) == "1.234.567,80 EUR"
    assert format_eur(Decimal("0")) == "0,00 EUR"


def test_english_amounts_are_written_the_english_way() -> None:
    from grants.core.money import format_eur_en

    assert format_eur_en(Decimal("1234567.891")) == "EUR 1,234,567.89"
    assert format_eur_en(Decimal("-5")) == "-EUR 5.00"
    assert format_eur_en(Decimal("0.005")) == "EUR 0.00"  # half to even, as format_eur
