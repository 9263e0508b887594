import pytest

from grants.applications.attachments.filetypes import PDF, XLSX
from grants.applications.attachments.names import display_name
from grants.http.downloads import ascii_fallback, content_disposition


@pytest.mark.parametrize(
    ("raw", "media_type", "expected"),
    [
        ("Projektskizze.pdf", PDF, "Projektskizze.pdf"),
        ("Kostenplan 2027.xlsx", XLSX, "Kostenplan 2027.xlsx"),
        # the extension follows the content, whatever the name claims
        ("Kostenplan.pdf", XLSX, "Kostenplan.xlsx"),
        ("rechnung.exe", PDF, "rechnung.pdf"),
        ("Version 1.2", PDF, "Version 1.2.pdf"),
        # directories of either system are dropped
        ("../../etc/passwd", PDF, "passwd.pdf"),
        ("..\\..\\boot.ini", PDF, "boot.pdf"),
        ("C:\\Users\\anna\\Desktop\\Konzept.pdf", PDF, "Konzept.pdf"),
        ("/var/lib/grants/attachments/x", PDF, "x.pdf"),
        # control characters, NUL and bidi overrides disappear
        ("evil\x00.pdf", PDF, "evil.pdf"),
        ("a\r\nb\tc.pdf", PDF, "abc.pdf"),
        ("Rechnung\u202efdp.exe", PDF, "Rechnungfdp.pdf"),
        # percent-encoding is not decoded again: it stays text, harmless
        ("%2e%2e%2f%2e%2e%2fpasswd", PDF, "2e_2e_2f_2e_2e_2fpasswd.pdf"),
        ("....pdf", PDF, "anhang.pdf"),
        ("", PDF, "anhang.pdf"),
        (None, XLSX, "anhang.xlsx"),
        ("   ", PDF, "anhang.pdf"),
        ("***.pdf", PDF, "anhang.pdf"),
        # German (and other) letters stay; NFC composes decomposed umlauts
        ("Übersicht Förderung Straße.pdf", PDF, "Übersicht Förderung Straße.pdf"),
        ("U\u0308bersicht.pdf", PDF, "Übersicht.pdf"),
        ("Café Łódź.pdf", PDF, "Café Łódź.pdf"),
        ("Kosten (final) & Plan!.pdf", PDF, "Kosten _final_ _ Plan.pdf"),
        ("a    b__c..d.pdf", PDF, "a b_c.d.pdf"),
        (".hidden.pdf", PDF, "hidden.pdf"),
        ('quote"d\\name.pdf', PDF, "name.pdf"),
    ],
)
def test_display_name(raw: str | None, media_type: str, expected: str) -> None:
    assert display_name(raw, media_type) == expected


def test_names_are_at_most_100_characters_with_the_right_extension() -> None:
    name = display_name("ä" * 300 + ".pdf", PDF)
    assert len(name) == 100
    assert name.endswith("ä.pdf")
    assert display_name("x" * 99 + ".exe", XLSX) == "x" * 95 + ".xlsx"


def test_ascii_fallback_transliterates_german_and_drops_the_rest() -> None:
    assert ascii_fallback("Übersicht Straße.pdf") == "Uebersicht Strasse.pdf"
    assert ascii_fallback("Café Łódź.pdf") == "Cafe _odz.pdf"
    assert ascii_fallback("日本.pdf") == "__.pdf"


def test_content_disposition_carries_both_names() -> None:
    header = content_disposition("Förderantrag 2027.pdf")
    assert header == (
        'attachment; filename="Foerderantrag 2027.pdf"; '
        "filename*=UTF-8''F%C3%B6rderantrag%202027.pdf"
    )
