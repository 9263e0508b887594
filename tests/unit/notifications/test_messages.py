"""The wording of the e-mails: German, Berlin time, one-line subjects."""

from datetime import UTC, datetime

import pytest

from grants.core.lifecycle import State
from grants.notifications import messages
from grants.notifications.messages import (
    STATE_LABELS_DE,
    format_datetime_de,
    one_line,
    state_label_de,
)

SHA = "a" * 64


def test_berlin_time_in_winter_and_summer() -> None:
    assert format_datetime_de(datetime(2026, 11, 25, 20, 30, tzinfo=UTC)) == "25.11.2026, 21:30 Uhr"
    assert format_datetime_de(datetime(2026, 7, 1, 6, 5, tzinfo=UTC)) == "01.07.2026, 08:05 Uhr"
    # After 22:00 UTC in summer it is already the next day in Berlin.
    assert format_datetime_de(datetime(2026, 6, 30, 22, 15, tzinfo=UTC)) == "01.07.2026, 00:15 Uhr"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_datetime_de(datetime(2026, 1, 1))  # noqa: DTZ001


def test_every_state_has_a_german_label() -> None:
    assert set(STATE_LABELS_DE) == set(State)
    assert state_label_de(State.INFORMATION_REQUESTED) == "Unterlagen nachgefordert"
    assert state_label_de(State.APPROVED) == "Bewilligt"


def test_one_line_flattens_and_shortens() -> None:
    assert one_line("Makerspace\r\nGörlitz  \t 2027") == "Makerspace Görlitz 2027"
    cut = one_line("x" * 200, limit=10)
    assert cut == "xxxxxxxxx…"
    assert len(cut) == 10


def test_receipt() -> None:
    composed = messages.receipt(
        reference_number="LIfD-2026-00042",
        received_at=datetime(2026, 11, 25, 20, 30, 17, tzinfo=UTC),
        snapshot_sha256=SHA,
        title="Offene Werkstatt Zittau",
        call="1. Aufruf 2026",
    )
    subject, body = composed  # unpacks like a (subject, body) pair
    assert subject == "Eingangsbestätigung LIfD-2026-00042: Offene Werkstatt Zittau"
    assert "Aktenzeichen:      LIfD-2026-00042" in body
    assert "Eingegangen am:    25.11.2026, 21:30 Uhr" in body
    assert "Vorhaben:          Offene Werkstatt Zittau" in body
    assert "Aufruf:            1. Aufruf 2026" in body
    assert SHA in body
    assert "In English: we received your submission LIfD-2026-00042" in body
    assert "Im Förderportal" not in body


def test_receipt_subject_stays_one_short_line_whatever_the_title() -> None:
    composed = messages.receipt(
        reference_number="LIfD-2026-00001",
        received_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
        snapshot_sha256=SHA,
        title="Ein sehr langer Titel\nmit Zeilenumbruch " + "und noch mehr " * 20,
        call="demo",
        portal_url="https://foerderportal.example/antraege/1",
    )
    assert "\n" not in composed.subject
    assert len(composed.subject) <= 120
    assert composed.subject.endswith("…")
    assert "Im Förderportal: https://foerderportal.example/antraege/1" in composed.body_text


def test_information_request() -> None:
    composed = messages.information_request(
        reference_number="LIfD-2026-00042",
        title="Offene Werkstatt Zittau",
        items=["Kostenplan mit Angeboten", "  Satzung des Vereins "],
        due_at=datetime(2026, 12, 9, 22, 59, tzinfo=UTC),
        message="Bitte als PDF.",
    )
    assert composed.subject == "Nachforderung zu LIfD-2026-00042: Antwort bis 09.12.2026"
    body = composed.body_text
    assert "  1. Kostenplan mit Angeboten\n  2. Satzung des Vereins\n" in body
    assert "bis zum 09.12.2026, 23:59 Uhr" in body
    assert "Hinweis der Bewilligungsstelle:\nBitte als PDF.\n" in body
    assert "In English: we need further information on LIfD-2026-00042" in body


def test_information_request_without_message_and_items() -> None:
    composed = messages.information_request(
        reference_number="R-1",
        title="T",
        items=["Nachweis"],
        due_at=datetime(2026, 12, 9, 12, tzinfo=UTC),
    )
    assert "Hinweis" not in composed.body_text
    with pytest.raises(ValueError, match="at least one item"):
        messages.information_request(
            reference_number="R-1", title="T", items=[], due_at=datetime(2026, 12, 9, tzinfo=UTC)
        )


def test_status_changed_with_reason() -> None:
    composed = messages.status_changed(
        reference_number="LIfD-2026-00042",
        title="Offene Werkstatt Zittau",
        old=State.FORMAL_CHECK,
        new=State.FORMALLY_REJECTED,
        reason="Die Frist wurde versäumt.",
    )
    assert composed.subject == "Statusänderung LIfD-2026-00042: Aus formalen Gründen abgelehnt"
    body = composed.body_text
    assert "  bisher: In formaler Prüfung\n  jetzt:  Aus formalen Gründen abgelehnt\n" in body
    assert "Begründung:\nDie Frist wurde versäumt.\n" in body
    assert "changed from formal_check to formally_rejected" in body


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_status_changed_without_reason(reason: str | None) -> None:
    composed = messages.status_changed(
        reference_number="R-1",
        title="T",
        old=State.SUBMITTED,
        new=State.FORMAL_CHECK,
        reason=reason,
    )
    assert "Begründung" not in composed.body_text
