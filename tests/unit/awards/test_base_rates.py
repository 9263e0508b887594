"""The shipped base-rate table and its strict parser."""

from datetime import date
from decimal import Decimal

import pytest

from grants.awards.base_rates import (
    KNOWN_UNTIL,
    BaseRateFileError,
    load_base_rates,
    parse_base_rates,
)
from grants.core.interest import reclaim_interest

D = Decimal
HEADER = "valid_from,rate_percent,source\n"


def test_the_shipped_table_has_the_bundesbank_rates_of_domain_6_item_8() -> None:
    table = load_base_rates()
    assert [(r.valid_from, r.rate_percent) for r in table.rates] == [
        (date(2023, 1, 1), D("1.62")),
        (date(2023, 7, 1), D("3.12")),
        (date(2024, 1, 1), D("3.62")),
        (date(2024, 7, 1), D("3.37")),
        (date(2025, 1, 1), D("2.27")),
        (date(2025, 7, 1), D("1.27")),
        (date(2026, 1, 1), D("1.27")),
    ]
    assert table.known_until == KNOWN_UNTIL == date(2026, 6, 30)


def test_the_shipped_table_changes_only_on_1_january_and_1_july() -> None:
    # § 247 Abs. 1 S. 2 BGB: a row on any other day is a typing error.
    assert all(
        (r.valid_from.month, r.valid_from.day) in {(1, 1), (7, 1)} for r in load_base_rates().rates
    )


def test_the_table_is_loaded_once() -> None:
    assert load_base_rates() is load_base_rates()


def test_the_shipped_table_drives_the_interest() -> None:
    # The worked example of tests/unit/core/test_interest.py, on the shipped data.
    result = reclaim_interest(
        D("10000.00"),
        from_day=date(2024, 5, 15),
        until_day=date(2025, 2, 10),
        table=load_base_rates(),
    )
    assert result.total == D("612.61")
    assert not result.any_assumed


def test_parse_accepts_negative_rates_and_blank_lines() -> None:
    table = parse_base_rates(
        HEADER + "2016-07-01,-0.88,Bundesbank\n\n2023-01-01,1.62,Bundesbank\n",
        known_until=date(2023, 6, 30),
    )
    assert [r.rate_percent for r in table.rates] == [D("-0.88"), D("1.62")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "header", id="empty"),
        pytest.param("valid_from,rate\n2023-01-01,1.62\n", "header", id="wrong-header"),
        pytest.param(HEADER + "2023-01-01,1.62\n", "line 2: 3 columns", id="columns"),
        pytest.param(HEADER + "01.01.2023,1.62,B\n", "line 2: valid_from", id="german-date"),
        pytest.param(HEADER + "2023-02-30,1.62,B\n", "line 2: day is out of range", id="no-day"),
        pytest.param(HEADER + '2023-01-01,"1,62",B\n', "line 2: rate_percent", id="comma"),
        pytest.param(HEADER + "2023-01-01,1.62,\n", "line 2: the source", id="no-source"),
        pytest.param(
            HEADER + "2023-07-01,3.12,B\n2023-01-01,1.62,B\n", "ascending", id="descending"
        ),
    ],
)
def test_parse_is_strict(text: str, message: str) -> None:
    with pytest.raises(BaseRateFileError, match=message):
        parse_base_rates(text, known_until=date(2026, 6, 30))
