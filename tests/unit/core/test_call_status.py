"""Whether a call is open, judged once (``Call.status``) for the call list, the deadline
rule, creating and submitting an application: by the instant, to the second."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from grants.core.eligibility import check
from grants.core.guideline import Call, CallStatus, Text
from grants.core.verdict import Outcome
from grants.guidelines.registry import load_registry
from grants.guidelines.schemas import call_out
from tests.unit.core.guideline_fixtures import context, lifd, proposal

BERLIN = ZoneInfo("Europe/Berlin")
SECOND = timedelta(seconds=1)


def call(published_at: datetime, deadline_at: datetime) -> Call:
    return Call(
        code="t",
        title=Text("Test", "Test"),
        published_at=published_at,
        deadline_at=deadline_at,
        latest_end=date(2030, 12, 31),
        lines=("stationary",),
        budget=Decimal(1000000),
    )


# Published just after the clocks went forward (31 March 2024, 02:00 CET -> 03:00 CEST),
# closing just after they went back (27 October 2024, 03:00 CEST -> 02:00 CET).
SPRING = call(
    published_at=datetime(2024, 3, 31, 3, 0, tzinfo=BERLIN),  # 01:00 UTC
    deadline_at=datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN),  # 01:30 UTC, CET
)


def utc(instant: datetime) -> datetime:
    # The arithmetic is done in UTC: a second before 03:00 CEST is 01:59:59 CET, which
    # Berlin-local arithmetic (02:59:59, a time that does not exist) would not give.
    return instant.astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(SPRING.published_at) - SECOND, CallStatus.UPCOMING),
        (utc(SPRING.published_at), CallStatus.OPEN),
        (utc(SPRING.published_at) + SECOND, CallStatus.OPEN),
        (utc(SPRING.deadline_at) - SECOND, CallStatus.OPEN),
        (utc(SPRING.deadline_at), CallStatus.OPEN),  # at the deadline: still in time
        (utc(SPRING.deadline_at) + SECOND, CallStatus.CLOSED),
        # 02:45 CEST on the night the clocks go back: a later wall-clock time than the
        # deadline's 02:30 CET, but 45 minutes earlier.
        (datetime(2024, 10, 27, 0, 45, tzinfo=UTC), CallStatus.OPEN),
    ],
    ids=lambda value: value.isoformat() if isinstance(value, datetime) else str(value),
)
def test_status_at_the_boundaries_across_dst_changes(now: datetime, expected: CallStatus) -> None:
    assert SPRING.status(now) is expected
    assert SPRING.is_open(now) is (expected is CallStatus.OPEN)


def test_the_one_second_before_the_spring_change_is_an_hour_earlier_on_the_wall_clock() -> None:
    before = (utc(SPRING.published_at) - SECOND).astimezone(BERLIN)
    assert (before.hour, before.minute, before.second) == (1, 59, 59)
    assert SPRING.status(before) is CallStatus.UPCOMING


def test_a_berlin_receipt_in_the_repeated_hour_is_judged_by_the_instant() -> None:
    received = datetime(2024, 10, 27, 2, 45, fold=0, tzinfo=BERLIN)  # 00:45 UTC
    assert SPRING.status(received) is CallStatus.OPEN


def test_naive_instants_are_refused() -> None:
    with pytest.raises(TypeError):
        SPRING.status(datetime(2024, 5, 1))  # noqa: DTZ001 (the point of the test)


def test_the_shipped_calls() -> None:
    first = lifd().call("2024-1")
    assert first is not None
    assert first.status(first.published_at - SECOND) is CallStatus.UPCOMING
    assert first.status(first.deadline_at) is CallStatus.OPEN
    assert first.status(first.deadline_at + SECOND) is CallStatus.CLOSED


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (-SECOND, CallStatus.UPCOMING),
        (timedelta(0), CallStatus.OPEN),
        (timedelta(days=10), CallStatus.OPEN),
    ],
)
def test_the_call_list_shows_the_same_status(offset: timedelta, status: CallStatus) -> None:
    guideline = load_registry().get("frl-lifd")
    assert guideline is not None
    shipped = guideline.call("2024-1")
    assert shipped is not None
    assert call_out(guideline, shipped, shipped.published_at + offset).status == status.value
    late = shipped.deadline_at + SECOND
    assert call_out(guideline, shipped, late).status == CallStatus.CLOSED.value


@pytest.mark.parametrize(
    ("when", "outcome", "message"),
    [
        ("before_publication", Outcome.FAIL, "The call has not been published yet."),
        ("at_publication", Outcome.PASS, "Received before the deadline"),
        ("at_deadline", Outcome.PASS, "Received before the deadline"),
        ("after_deadline", Outcome.FAIL, "The deadline passed at"),
    ],
)
def test_the_deadline_rule_keeps_its_messages(when: str, outcome: Outcome, message: str) -> None:
    shipped = lifd().call("2024-1")
    assert shipped is not None
    received = {
        "before_publication": shipped.published_at - SECOND,
        "at_publication": shipped.published_at,
        "at_deadline": shipped.deadline_at,
        "after_deadline": shipped.deadline_at + SECOND,
    }[when]
    verdict = check(proposal(), lifd(), context(received_at=received))
    result = next(r for r in verdict.results if r.rule_id == "received_before_deadline")
    assert result.outcome is outcome
    assert result.message.en.startswith(message)
