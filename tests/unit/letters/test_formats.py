"""German formats, as babel gives them from CLDR."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from grants.letters import formats

NBSP = "\xa0"


def test_money_has_two_decimals_a_decimal_comma_and_the_sign_after() -> None:
    assert formats.money(Decimal("12345.67")) == f"12.345,67{NBSP}€"
    assert formats.money("600000") == f"600.000,00{NBSP}€"
    assert formats.money(Decimal("0.5")) == f"0,50{NBSP}€"


def test_rates_and_days() -> None:
    assert formats.rate("0.80") == f"80{NBSP}%"
    assert formats.rate(Decimal("0.625")) == f"62,5{NBSP}%"
    assert formats.day(date(2024, 3, 15)) == "15. März 2024"
    assert formats.day("2026-12-02T10:00:00+00:00") == "2. Dezember 2026"


def test_instants_are_shown_in_berlin_to_the_second() -> None:
    summer = datetime(2024, 7, 1, 21, 59, 59, tzinfo=UTC)
    assert formats.instant(summer) == "1. Juli 2024, 23:59:59 Uhr"
    assert formats.instant("2024-12-31T23:00:00+00:00") == "1. Januar 2025, 00:00:00 Uhr"
    with pytest.raises(ValueError, match="timezone-aware"):
        formats.instant(datetime(2024, 1, 1, 12, 0))  # noqa: DTZ001 (the point of the test)
