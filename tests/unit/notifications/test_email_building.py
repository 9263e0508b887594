"""The message built from an outbox row, and the SMTP URL: no network, no database."""

import uuid
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from grants.notifications.mailers import SmtpMailer, build_email, message_id_for

ROW = uuid.UUID("0b7e4c1e-8a61-4c53-9c1e-2f3a4b5c6d7e")
FROM = "Förderportal LIfD <noreply@foerderportal.invalid>"


def _email(**overrides: object) -> bytes:
    values: dict[str, object] = {
        "outbox_id": ROW,
        "mail_from": FROM,
        "recipient": "antrag@verein.example",
        "subject": "Eingangsbestätigung LIfD-2026-00042: Offene Werkstatt",
        "body_text": "Guten Tag,\n\nwir bestätigen den Eingang. Grüße aus Görlitz.\n",
        "created_at": datetime(2026, 11, 25, 20, 30, tzinfo=UTC),
    }
    values.update(overrides)
    return build_email(**values).as_bytes()  # type: ignore[arg-type]


def test_message_id_is_derived_from_the_row_and_the_senders_domain() -> None:
    assert message_id_for(ROW, FROM) == f"<{ROW.hex}.outbox@foerderportal.invalid>"
    assert message_id_for(ROW, "no-address") == f"<{ROW.hex}.outbox@grants.invalid>"


def test_message_id_header_stays_on_one_line() -> None:
    assert f"Message-ID: <{ROW.hex}.outbox@foerderportal.invalid>\r\n".encode() in _email()


def test_the_same_row_gives_the_same_bytes_every_time() -> None:
    assert _email() == _email()


def test_headers_and_body_survive_a_round_trip() -> None:
    parsed = BytesParser(policy=policy.default).parsebytes(_email())
    assert parsed["Message-ID"] == f"<{ROW.hex}.outbox@foerderportal.invalid>"
    assert parsed["From"].addresses[0].display_name == "Förderportal LIfD"
    assert parsed["To"] == "antrag@verein.example"
    assert parsed["Subject"] == "Eingangsbestätigung LIfD-2026-00042: Offene Werkstatt"
    assert parsed["Date"].datetime == datetime(2026, 11, 25, 20, 30, tzinfo=UTC)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert "Grüße aus Görlitz." in parsed.get_content()


def test_lines_end_in_crlf_as_rfc_5322_says() -> None:
    raw = _email()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_a_line_break_in_a_header_is_refused() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        _email(subject="Betreff\nBcc: everyone@example.org")


@pytest.mark.parametrize(
    ("url", "tls", "host", "port"),
    [
        ("smtp://mailpit:1025", False, "mailpit", 1025),
        ("smtp://mail.example.org", False, "mail.example.org", 25),
        ("smtps://mail.example.org", True, "mail.example.org", 465),
        ("smtps://user%40example.org:p%40ss@mail.example.org:2465", True, "mail.example.org", 2465),
    ],
)
def test_smtp_url(url: str, tls: bool, host: str, port: int) -> None:
    mailer = SmtpMailer(url)
    assert (mailer.implicit_tls, mailer.host, mailer.port) == (tls, host, port)


def test_credentials_are_decoded_and_never_shown() -> None:
    mailer = SmtpMailer("smtps://user%40example.org:s%3Acret@mail.example.org")
    assert mailer._username == "user@example.org"
    assert mailer._password == "s:cret"
    assert "s:cret" not in repr(mailer)
    assert "cret" not in repr(mailer)


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "mail.example.org:25"])
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP URL"):
        SmtpMailer(url)
