"""The receipt (Eingangsbestätigung) read from a stored snapshot: pure, so the receipt given
at submission and the one fetched later are the same; times to the second in Berlin with the
zone in force; the Eingangsnummer; every document with its checksum and scan status; the
rules acknowledged; and the notes (receipt only, no entitlement, no early start)."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from grants.core.canonical import canonical_json, sha256_of
from grants.core.guideline import Text
from grants.core.snapshot import (
    RECEIPT_NUMBER_LABEL,
    berlin_time,
    build_snapshot,
    receipt_of,
    with_reference_number,
)
from tests.unit.core.test_snapshot import ATTACHMENTS, golden_inputs


def stored(**changes: Any) -> dict[str, Any]:
    """A snapshot as the database gives it back: through JSON."""
    snapshot = build_snapshot(**{**golden_inputs(), **changes})
    loaded: dict[str, Any] = json.loads(canonical_json(snapshot))
    return loaded


def test_the_receipt_is_read_from_the_snapshot_alone_and_always_the_same() -> None:
    snapshot = stored()
    digest = sha256_of(snapshot)
    first, again = (
        receipt_of(snapshot, digest),
        receipt_of(json.loads(json.dumps(snapshot)), digest),
    )
    assert first == again
    assert first.reference_number == "LIfD-2024-1-S-0042"
    assert first.snapshot_sha256 == digest
    assert first.submission_number == 2
    assert first.replaces == 1
    assert first.applicant.legal_name == "Kulturwerk Görlitz e. V."
    assert first.title == "Makerspace"
    assert first.call_title == Text("1. Förderaufruf LIfD", "1st call LIfD")
    assert first.funding_line_label.de == "Stationärer LIfD"
    assert first.authority is not None
    assert first.authority.name == "Sächsische Aufbaubank – Förderbank –"
    assert first.guideline_hash == "ab" * 32
    assert RECEIPT_NUMBER_LABEL.de == "Eingangsnummer"


def test_the_receipt_time_is_given_to_the_second_in_berlin_with_the_zone_in_force() -> None:
    receipt = receipt_of(stored(), "x")
    assert receipt.received_at == datetime(2024, 3, 1, 10, 0, 0, 250000, tzinfo=UTC)
    assert receipt.received_at_local == Text(
        "01.03.2024, 11:00:00 Uhr (MEZ)", "1 March 2024, 11:00:00 CET"
    )


@pytest.mark.parametrize(
    ("instant", "de", "en"),
    [
        # The deadline second of the first call, in winter time.
        (
            datetime(2024, 3, 15, 22, 59, 41, 999999, tzinfo=UTC),
            "15.03.2024, 23:59:41 Uhr (MEZ)",
            "15 March 2024, 23:59:41 CET",
        ),
        (
            datetime(2024, 7, 1, 21, 59, 59, tzinfo=UTC),
            "01.07.2024, 23:59:59 Uhr (MESZ)",
            "1 July 2024, 23:59:59 CEST",
        ),
        # The repeated hour in October: the same wall clock, told apart by the zone.
        (
            datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
            "27.10.2024, 02:30:00 Uhr (MESZ)",
            "27 October 2024, 02:30:00 CEST",
        ),
        (
            datetime(2024, 10, 27, 1, 30, tzinfo=UTC),
            "27.10.2024, 02:30:00 Uhr (MEZ)",
            "27 October 2024, 02:30:00 CET",
        ),
    ],
)
def test_berlin_time(instant: datetime, de: str, en: str) -> None:
    assert berlin_time(instant) == Text(de, en)


def test_naive_times_have_no_receipt_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        berlin_time(datetime(2024, 3, 1))  # noqa: DTZ001


def test_documents_carry_checksum_and_scan_status_as_received() -> None:
    pending = {**ATTACHMENTS[0], "id": "a2", "filename": "Konzept.pdf", "scan_status": "pending"}
    receipt = receipt_of(stored(attachments=[ATTACHMENTS[0], pending]), "x")
    clean, waiting = receipt.documents
    assert (clean.filename, clean.sha256, clean.scan_status) == ("Kosten.pdf", "cd" * 32, "clean")
    assert clean.scan_label.de == "auf Schadsoftware geprüft, unauffällig"
    assert (waiting.scan_status, waiting.scan_finished) == ("pending", False)
    assert waiting.scan_label.en == "malware scan not finished yet"
    assert receipt.pending_documents == (waiting,)
    assert any("Schadsoftware ist für ein Dokument noch nicht" in n.de for n in receipt.notes)


def test_the_acknowledged_rules_are_listed_with_citation_and_message() -> None:
    receipt = receipt_of(stored(), "x")
    [failed] = receipt.acknowledged
    assert (failed.rule, failed.outcome, failed.citation.de) == (
        "objectives_known",
        "fail",
        "FRL LIfD Nr. 2",
    )
    assert failed.outcome_label == Text("nicht erfüllt", "not met")
    assert failed.message.de == "Unbekanntes Ziel „z“."
    assert any("dennoch einzureichen" in n.de for n in receipt.notes)


def test_the_notes_say_receipt_only_no_entitlement_no_early_start() -> None:
    receipt = receipt_of(stored(), "x")
    german = " ".join(n.de for n in receipt.notes)
    english = " ".join(n.en for n in receipt.notes)
    assert "keine Entscheidung" in german
    assert "keinen Anspruch auf eine Zuwendung" in german
    assert "vorzeitigen Maßnahmebeginn" in german
    assert "Zuwendungsbescheids" in german
    assert "Eingangsnummer LIfD-2024-1-S-0042" in german
    assert "ersetzt die zuvor eingereichte Fassung 1" in german
    assert "Aktenzeichen" not in german
    assert "no entitlement to a grant" in english
    assert "early start" in english


def test_a_first_submission_with_nothing_to_acknowledge_has_only_the_standing_notes() -> None:
    receipt = receipt_of(stored(submission_number=1, acknowledgement=None), "x")
    assert receipt.replaces is None
    assert receipt.acknowledged == ()
    german = " ".join(n.de for n in receipt.notes)
    assert "ersetzt" not in german
    assert "Vorabprüfung" not in german
    assert "Schadsoftware" not in german  # every document was scanned clean


def test_a_schema_1_snapshot_still_gives_a_receipt() -> None:
    snapshot = stored()
    for member in ("call_title", "funding_line_label", "authority", "declarations"):
        del snapshot[member]
    del snapshot["acknowledgement"]
    snapshot["schema"] = 1
    receipt = receipt_of(snapshot, "x")
    assert receipt.authority is None
    assert receipt.call_title == Text("2024-1", "2024-1")  # the code stands in
    assert receipt.funding_line_label == Text("stationary", "stationary")
    assert receipt.acknowledged == ()


def test_a_snapshot_without_its_number_has_no_receipt() -> None:
    snapshot = build_snapshot(**{**golden_inputs(), "reference_number": None})
    with pytest.raises(ValueError, match="reference number"):
        receipt_of(snapshot, "x")
    numbered = with_reference_number(snapshot, "LIfD-2024-1-S-0001")
    assert receipt_of(numbered, "x").reference_number == "LIfD-2024-1-S-0001"
