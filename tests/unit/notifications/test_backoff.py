"""The retry schedule of failed deliveries (grants.core.backoff)."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.backoff import (
    ALERT_AFTER_ATTEMPTS,
    MAX_DELAY,
    retry_delay,
    should_alert,
)


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 960), (7, 1920), (8, 3600), (9, 3600)],
)
def test_doubles_from_thirty_seconds_up_to_an_hour(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts) == timedelta(seconds=seconds)


def test_stays_at_the_cap_for_ever_without_overflow() -> None:
    assert retry_delay(10_000) == MAX_DELAY


@given(st.integers(min_value=1, max_value=500))
def test_never_shrinks_and_never_passes_the_cap(attempts: int) -> None:
    assert retry_delay(attempts) <= retry_delay(attempts + 1) <= MAX_DELAY


def test_custom_base_and_cap() -> None:
    assert retry_delay(3, base=timedelta(seconds=1), cap=timedelta(seconds=3)) == timedelta(
        seconds=3
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempts": 0},
        {"attempts": -1},
        {"attempts": 1, "base": timedelta(0)},
        {"attempts": 1, "base": timedelta(hours=2), "cap": timedelta(hours=1)},
    ],
)
def test_refuses_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        retry_delay(**kwargs)  # type: ignore[arg-type]


def test_alerts_only_after_many_failures() -> None:
    assert not should_alert(ALERT_AFTER_ATTEMPTS - 1)
    assert should_alert(ALERT_AFTER_ATTEMPTS)
    assert should_alert(ALERT_AFTER_ATTEMPTS + 100)
