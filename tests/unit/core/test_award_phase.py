"""An award's phase after its decision (``core.award_phase``): the most pressing open matter
wins, and closed only when nothing at all is open."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from grants.core.award_phase import AwardFacts, Phase, award_phase

D = Decimal
DONE = AwardFacts(
    today=date(2030, 3, 1),
    effective=True,
    final=True,
    period_start=date(2027, 9, 1),
    period_end=date(2029, 8, 31),
    committed=D("560000.00"),
    paid=D("560000.00"),
    reclaim_outstanding=D(0),
    reports_owed=0,
    reports_overdue=0,
    hearing_open=False,
    draft_pending=False,
    settled=True,
)


def test_closed_only_when_nothing_is_open() -> None:
    result = award_phase(DONE)
    assert result.phase is Phase.CLOSED and result.closed and result.open_items == ()


@pytest.mark.parametrize(
    ("change", "phase", "item"),
    [
        ({"paid": D("500000.00")}, Phase.SETTLING, "Noch auszuzahlen: 60000.00 EUR"),
        ({"settled": False}, Phase.SETTLING, "Schlussbescheid steht aus"),
        ({"reports_owed": 1}, Phase.SETTLING, "Nachweise offen: 1"),
        ({"reports_owed": 1, "reports_overdue": 1}, Phase.REPORTS_DUE, "Nachweise offen: 1"),
        ({"reclaim_outstanding": D("10.00")}, Phase.RECLAIM, "Erstattung offen: 10.00 EUR"),
        ({"hearing_open": True}, Phase.HEARING, "Anhörung oder Bescheid in Vorbereitung"),
        ({"draft_pending": True}, Phase.HEARING, "Anhörung oder Bescheid in Vorbereitung"),
    ],
)
def test_anything_open_keeps_the_file_open(
    change: dict[str, object], phase: Phase, item: str
) -> None:
    result = award_phase(dataclasses.replace(DONE, **change))  # type: ignore[arg-type]
    assert result.phase is phase and not result.closed
    assert item in [t.de for t in result.open_items]


def test_the_most_pressing_comes_first() -> None:
    everything = dataclasses.replace(
        DONE, hearing_open=True, reclaim_outstanding=D("1.00"), reports_overdue=1, reports_owed=1
    )
    assert award_phase(everything).phase is Phase.HEARING
    assert award_phase(dataclasses.replace(everything, effective=False)).phase is (
        Phase.AWAITING_NOTIFICATION
    )
    assert award_phase(dataclasses.replace(everything, hearing_open=False)).phase is Phase.RECLAIM


def test_a_settled_award_is_not_closed_before_its_settlement_is_final() -> None:
    assert award_phase(dataclasses.replace(DONE, final=False)).phase is Phase.NOTIFIED


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (date(2027, 8, 31), Phase.FINAL),
        (date(2027, 9, 1), Phase.IN_PROGRESS),
        (date(2029, 8, 31), Phase.IN_PROGRESS),
        (date(2029, 9, 1), Phase.SETTLING),
    ],
)
def test_the_project_period_places_an_open_award(today: date, phase: Phase) -> None:
    running = dataclasses.replace(DONE, today=today, paid=D(0), settled=False)
    assert award_phase(running).phase is phase
