"""The wording of the e-mails: German, Berlin time, one-line subjects."""

import dataclasses
from datetime import UTC, datetime

import pytest

from grants.core.guideline import Authority, Text
from grants.core.lifecycle import State
from grants.core.snapshot import (
    AcknowledgedRule,
    ReceiptApplicant,
    ReceiptContent,
    ReceiptDocument,
    berlin_time,
)
from grants.notifications import messages
from grants.notifications.messages import (
    STATE_LABELS_DE,
    STATE_LABELS_EN,
    format_datetime_de,
    one_line,
    state_label_de,
    state_label_en,
)

SHA = "a" * 64
AUTHORITY = Authority(
    name="Sächsische Aufbaubank – Förderbank –",
    unit="Bewilligungsstelle FRL LIfD",
    street="Pirnaische Straße 9",
    postal_code="01069",
    city="Dresden",
    phone="0351 4910-0",
    email="lifd@sab.example",
)


def receipt_content() -> ReceiptContent:
    received = datetime(2024, 3, 15, 22, 59, 41, 500000, tzinfo=UTC)
    return ReceiptContent(
        application_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        reference_number="LIfD-2024-1-S-0042",
        submission_number=2,
        received_at=received,
        received_at_local=berlin_time(received),
        snapshot_sha256="b" * 64,
        guideline_hash="c" * 64,
        authority=AUTHORITY,
        applicant=ReceiptApplicant("Kulturwerk Zittau e. V.", "e. V.", "K-000042"),
        title="Offene Werkstatt Zittau",
        call="2024-1",
        call_title=Text("1. Förderaufruf LIfD", "1st call LIfD"),
        funding_line="stationary",
        funding_line_label=Text("Stationärer LIfD", "Stationary innovation space"),
        documents=(
            ReceiptDocument("d1", "concept", "Konzept.pdf", SHA, 1000, "clean"),
            ReceiptDocument("d2", "budget", "Kosten.xlsx", "e" * 64, 2000, "pending"),
        ),
        acknowledged=(
            AcknowledgedRule(
                rule="minimum_grant",
                outcome="fail",
                citation=Text("FRL LIfD (Fundstelle ungeprüft)", "FRL LIfD (section not verified)"),
                title=Text("Mindestförderbetrag", "Minimum grant"),
                message=Text(
                    "Der Zuschuss liegt unter 25.000,00 EUR.", "The grant is below EUR 25,000."
                ),
            ),
        ),
        notes=(
            Text(
                "Nur Eingang, keine Entscheidung und keinen Anspruch auf eine Zuwendung.",
                "Receipt only.",
            ),
            Text(
                "Nicht vor dem Bescheid oder vorzeitigen Maßnahmebeginn beginnen.",
                "No early start.",
            ),
        ),
    )


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
    assert state_label_en(State.FORMALLY_REJECTED) == "Rejected on formal grounds"


def test_one_line_flattens_and_shortens() -> None:
    assert one_line("Makerspace\r\nGörlitz  \t 2027") == "Makerspace Görlitz 2027"
    cut = one_line("x" * 200, limit=10)
    assert cut == "xxxxxxxxx…"
    assert len(cut) == 10


def test_receipt() -> None:
    content = receipt_content()
    subject, body = messages.receipt(content)  # unpacks like a (subject, body) pair
    assert subject == "Eingangsbestätigung LIfD-2024-1-S-0042: Offene Werkstatt Zittau"
    assert body.startswith("Sehr geehrte Damen und Herren,\n")
    assert "Eingangsstelle:     Sächsische Aufbaubank – Förderbank –, Bewilligungsstelle" in body
    assert "Eingangsnummer:     LIfD-2024-1-S-0042" in body
    assert "Aktenzeichen" not in body
    assert "Eingegangen am:     15.03.2024, 23:59:41 Uhr (MEZ)" in body
    assert "(2024-03-15T22:59:41.500000+00:00)" in body
    assert "Antragstellend:     Kulturwerk Zittau e. V." in body
    assert "Vorhaben:           Offene Werkstatt Zittau" in body
    assert "Förderaufruf:       1. Förderaufruf LIfD" in body
    assert "Förderlinie:        Stationärer LIfD" in body
    assert "Fassung:            2 (ersetzt Fassung 1)" in body
    assert f"  1. Konzept.pdf\n     SHA-256: {SHA}\n     auf Schadsoftware geprüft" in body
    assert "  2. Kosten.xlsx\n" in body
    assert "Prüfung auf Schadsoftware noch nicht abgeschlossen" in body
    assert "b" * 64 in body  # the snapshot's checksum
    # The rules acknowledged, with citation and message.
    assert "Mindestförderbetrag (FRL LIfD (Fundstelle ungeprüft)): nicht erfüllt." in body
    assert "Der Zuschuss liegt unter 25.000,00 EUR." in body
    # Every note of the receipt, in both languages.
    for note in content.notes:
        assert note.de in body
        assert note.en in body
    assert "keinen Anspruch auf eine Zuwendung" in body
    assert "vorzeitigen Maßnahmebeginn" in body
    assert "In English: we confirm receipt of your project outline" in body
    assert "15 March 2024, 23:59:41 CET (Berlin time)" in body
    assert "line “Stationary innovation space”" in body
    assert "stationary" not in body.replace("Stationary", "")  # no internal code
    # Signed by the authority, not by "the portal".
    assert "Förderportal\n" not in body.split("Mit freundlichen Grüßen")[1]
    assert "Mit freundlichen Grüßen\n\nSächsische Aufbaubank – Förderbank –\n" in body
    assert "Bewilligungsstelle FRL LIfD\nPirnaische Straße 9\n01069 Dresden\n" in body
    assert "Im Förderportal" not in body


def test_the_receipt_e_mail_and_the_receipt_say_the_same() -> None:
    """Both are rendered from one ``ReceiptContent``, read from the stored snapshot."""
    content = receipt_content()
    body = messages.receipt(content).body_text
    assert content.reference_number in body
    assert content.received_at_local.de in body
    for document in content.documents:
        assert document.filename in body
        assert document.sha256 in body
    for rule in content.acknowledged:
        assert rule.message.de in body


def test_receipt_subject_stays_one_short_line_whatever_the_title() -> None:
    content = dataclasses.replace(
        receipt_content(), title="Ein sehr langer Titel\nmit Zeilenumbruch " + "und noch mehr " * 20
    )
    composed = messages.receipt(content, portal_url="https://foerderportal.example/antraege/1")
    assert "\n" not in composed.subject
    assert len(composed.subject) <= 120
    assert composed.subject.endswith("…")
    assert "Im Förderportal: https://foerderportal.example/antraege/1" in composed.body_text


def test_without_an_authority_the_receipt_names_a_neutral_sender() -> None:
    content = dataclasses.replace(receipt_content(), authority=None, acknowledged=())
    body = messages.receipt(content).body_text
    assert "Eingangsstelle:     Bewilligungsstelle des Förderprogramms\n" in body
    assert f"Mit freundlichen Grüßen\n\n{messages.NEUTRAL_SENDER}\n" in body
    assert "Ihr Förderportal" not in body
    assert "Hinweise der Vorabprüfung" not in body


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
    assert body.startswith("Sehr geehrte Damen und Herren,\n")


def test_information_request_says_the_consequence_the_extension_and_whom_to_ask() -> None:
    body = messages.information_request(
        reference_number="LIfD-2026-00042",
        title="Offene Werkstatt Zittau",
        items=["Satzung"],
        due_at=datetime(2026, 12, 9, 22, 59, tzinfo=UTC),
        authority=AUTHORITY,
    ).body_text
    flat = " ".join(body.split())
    assert (
        "kann die Vorhabenidee ohne weitere Prüfung aus formalen Gründen abgelehnt werden" in flat
    )
    assert "Die Frist kann auf Antrag verlängert werden (§ 31 Abs. 7 VwVfG)" in flat
    assert "Telefon: 0351 4910-0" in body
    assert "E-Mail: lifd@sab.example" in body
    assert "rejected on formal grounds without further examination" in flat
    assert "extended on request (§ 31(7) VwVfG)" in flat
    assert "Sächsische Aufbaubank – Förderbank –" in body.split("Mit freundlichen Grüßen")[1]
    without = messages.information_request(
        reference_number="R-1", title="T", items=["x"], due_at=datetime(2026, 12, 9, tzinfo=UTC)
    ).body_text
    assert "Kontakt im Förderportal" in without


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


@pytest.mark.parametrize("state", list(State))
def test_status_changed_is_neutral_for_every_state(state: State) -> None:
    composed = messages.status_changed(
        reference_number="LIfD-2024-1-S-0042",
        title="Offene Werkstatt Zittau",
        new=state,
        authority=AUTHORITY,
    )
    label = state_label_de(state)
    assert composed.subject == f"Statusänderung LIfD-2024-1-S-0042: {label}"
    body = composed.body_text
    assert body.startswith("Sehr geehrte Damen und Herren,\n")
    assert (
        f"Der Stand Ihres Vorhabens hat sich geändert: {label}. Über Ihren Antrag "
        "entscheidet die Bewilligungsstelle durch schriftlichen Bescheid.\n"
    ) in body
    assert f"has changed: {state_label_en(state)}." in body
    assert "Begründung" not in body
    # No internal code in either language (the labels stand for them).
    assert f" {state.value}" not in body
    assert "Sächsische Aufbaubank – Förderbank –" in body


def test_status_changed_takes_no_reason() -> None:
    with pytest.raises(TypeError):
        messages.status_changed(  # type: ignore[call-arg]
            reference_number="R-1", title="T", new=State.REJECTED, reason="Zu spät."
        )


def test_the_jury_recommends_and_every_state_has_an_english_label() -> None:
    assert state_label_de(State.JURY_DECIDED) == "Jury-Votum liegt vor"
    assert "entschieden" not in " ".join(STATE_LABELS_DE.values())
    assert set(STATE_LABELS_EN) == set(State)


def test_without_an_authority_e_mails_carry_a_neutral_sender_line() -> None:
    body = messages.status_changed(
        reference_number="R-1", title="T", new=State.FORMAL_CHECK
    ).body_text
    assert f"Mit freundlichen Grüßen\n\n{messages.NEUTRAL_SENDER}\n" in body
    assert "Förderportal" not in body
