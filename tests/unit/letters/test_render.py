"""Letters rendered: PDF/A-3b with the data inside (checked with pikepdf: the XMP
identification, the output intent, every font embedded, the data file associated with the
document as /Data), tagged; user text stays text —
markup, Jinja syntax, URLs, long words, right-to-left script — and nothing is fetched but the
project's assets."""

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pikepdf
import pytest
from PIL import Image

from grants.letters.content import decision_letter, invitation_letter
from grants.letters.logo_image import sanitised
from grants.letters.render import (
    DATA_FILE,
    LETTERS_DIR,
    LOGO_FILE,
    canonical_json,
    render_html,
    render_pdf,
)
from tests.unit.letters.sample import (
    LETTERHEAD,
    amendment,
    approval,
    final_settlement,
    rejection,
    revocation,
)

HOSTILE_TITLE = (
    '<img src="file:///etc/passwd"> http://127.0.0.1/ {{ 7*7 }} {% raw %} '
    "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt"
    * 3
    + " שלום عربي 😀"
)


@pytest.fixture(scope="module")
def issued() -> tuple[bytes, dict[str, Any], Any]:
    template, data = decision_letter(
        approval(), LETTERHEAD, guideline_title="FRL LIfD", draft=False
    )
    pdf, fetcher = render_pdf(template, data)
    return pdf, data, fetcher


def test_the_letter_is_pdfa_3b_with_an_output_intent_and_tagged(issued: Any) -> None:
    raw, _, _ = issued
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        xmp = pdf.open_metadata()
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "B")
        assert xmp["dc:title"].startswith("Zuwendungsbescheid")
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1"
        assert "/DestOutputProfile" in intents[0]
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        assert len(pdf.pages) >= 3


def test_every_font_is_embedded(issued: Any) -> None:
    raw, _, _ = issued
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        fonts = {}
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                fonts[str(font.get("/BaseFont"))] = font
        assert fonts, "no fonts?"
        for base, font in fonts.items():
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0] if descendants else font).FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), base
        # The shipped fonts, under the family names letter.css gives them.
        assert {name.split("+", 1)[1] for name in fonts} >= {"Letter-Sans", "Letter-Sans-Bold"}


def test_the_data_is_embedded_as_the_documents_associated_data(issued: Any) -> None:
    raw, data, _ = issued
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        attached = pdf.attachments[DATA_FILE]
        assert attached.get_file().read_bytes() == canonical_json(data)
        assert (
            json.loads(attached.get_file().read_bytes())["decision"]["figures"]["max_amount"]
            == "600000.00"
        )
        spec = attached.obj
        assert spec.AFRelationship == "/Data"
        associated = [str(f.F) for f in pdf.Root.AF]
        assert DATA_FILE in associated


def test_only_project_assets_were_loaded(issued: Any) -> None:
    _, _, fetcher = issued
    assert fetcher.refused == []
    assert fetcher.fetched and all(
        url.startswith(LETTERS_DIR.as_uri() + "/") for url in fetcher.fetched
    )


def test_the_same_data_gives_the_same_text_and_data(issued: Any) -> None:
    """Rendered again, the letter carries the same data file and the same page count (the
    font subsets' internal timestamps differ, so the bytes do not)."""
    raw, data, _ = issued
    again, _ = render_pdf("approval", data)
    with pikepdf.open(io.BytesIO(raw)) as first, pikepdf.open(io.BytesIO(again)) as second:
        assert len(first.pages) == len(second.pages)
        assert (
            first.attachments[DATA_FILE].get_file().read_bytes()
            == second.attachments[DATA_FILE].get_file().read_bytes()
        )


def test_user_text_stays_text() -> None:
    decision = approval(purpose={"title": HOSTILE_TITLE, "summary": "<script>x</script>"})
    template, data = decision_letter(decision, LETTERHEAD, guideline_title="FRL", draft=False)
    html = render_html(template, data)
    assert "<img" not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html and "{% raw %}" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "שלום عربي 😀" in html
    pdf, fetcher = render_pdf(template, data)
    assert fetcher.refused == []  # the URLs in the title were text, never requests
    with pikepdf.open(io.BytesIO(pdf)) as document:
        embedded = json.loads(document.attachments[DATA_FILE].get_file().read_bytes())
    assert embedded["decision"]["purpose"]["title"] == HOSTILE_TITLE


def test_a_preview_is_marked_draft_and_lists_the_assumptions() -> None:
    template, data = decision_letter(approval(), None, guideline_title="FRL", draft=True)
    html = render_html(template, data, draft=True)
    assert "ENTWURF" in html and "nicht bekanntgegeben" in html
    assert "Kein Briefkopf festgelegt" in html
    assert "Beihilferechtliche Einordnung: beruht auf einer Annahme" in html
    issued_html = render_html(
        *decision_letter(approval(), LETTERHEAD, guideline_title="FRL", draft=False)
    )
    assert "ENTWURF" not in issued_html and "Annahme" not in issued_html


def test_the_approval_states_its_mandatory_parts() -> None:
    html = render_html(*decision_letter(approval(), LETTERHEAD, guideline_title="FRL", draft=False))
    for part in (
        "KulturWerk Schneeberg e.V.",
        "LIfD-demo-M-0001/B1",
        "bis zu 600.000,00\xa0€",
        "Projektförderung",
        "Anteilfinanzierung",
        "2. Dezember 2026 bis zum 31. August 2029",
        "80\xa0%",
        "2027",
        "450.000,00\xa0€",
        "ANBest-P",
        "Subvention",
        "Keine Beihilfe",
        "§§ 48, 49 VwVfG",
        "Rechnungshof",
        "innerhalb eines Monats nach seiner Bekanntgabe Widerspruch",
        "§ 3a Abs. 2",
        "Eine einfache E-Mail genügt der elektronischen Form nicht",
        "Sitz: Dresden",
        "Dr. Erika Mustermann",
        "https://www.sab.sachsen.de/datenschutz",
        "Anlage 1: Finanzierungsplan",
        "bis zum 28. Februar 2030",  # six months after 31 August 2029
        "§ 39 Abs. 2 Nr. 1",
    ):
        assert part in html, part
    css = (LETTERS_DIR / "letter.css").read_text()
    assert 'content: "Seite " counter(page) " von " counter(pages)' in css


def test_a_partial_approval_gives_each_deviation_its_reason() -> None:
    decision = approval(
        kind="partial_approval",
        categories=[
            {
                "category": "equipment",
                "label": {"de": "Ausrüstung", "en": "Equipment"},
                "requested_cost": "750000.00",
                "guideline_rate": "0.80",
                "approved_cost": "500000.00",
                "approved_rate": "0.80",
                "grant": "400000.00",
                "deviation": True,
                "deviation_reason": "Lastenräder sind nicht zuwendungsfähig.",
            }
        ],
    )
    decision["kind"] = "partial_approval"
    template, data = decision_letter(decision, LETTERHEAD, guideline_title="FRL", draft=False)
    html = render_html(template, data)
    assert data["title"].startswith("Zuwendungsbescheid (teilweise")
    assert "Im Übrigen wird der Antrag" in html
    assert "Lastenräder sind nicht zuwendungsfähig." in html
    assert "bewilligt 500.000,00\xa0€" in html


def test_a_rejection_states_its_reasons_with_sections_and_the_discretion() -> None:
    html = render_html(
        *decision_letter(rejection(), LETTERHEAD, guideline_title="FRL LIfD", draft=False)
    )
    assert "wird abgelehnt" in html
    assert "Rang 14 von 20; die Förderlinie endet bei Rang 9. (FRL LIfD Nr. VII.3)" in html
    assert "Die verfügbaren Mittel reichen" in html
    assert "Rechtsbehelfsbelehrung" in html


def test_a_revocation_states_the_reclaim_its_interest_and_the_hearing() -> None:
    template, data = decision_letter(revocation(), LETTERHEAD, guideline_title="FRL", draft=False)
    assert (template, data["title"]) == ("revocation", "Widerrufsbescheid")
    html = render_html(template, data)
    for part in (
        "mit Wirkung vom 2. Dezember 2026",
        "teilweise, soweit die Zuwendung 80.000,00\xa0€ übersteigt, widerrufen",
        "80.000,00\xa0€",
        "widerrufen (§ 49 Abs. 3 VwVfG",
        "70.000,00\xa0€</strong> ist zu",
        "5 Prozentpunkte über dem Basiszinssatz",
        "IBAN DE89370400440532013000",
        "Verwendungszweck LIfD-demo-M-0001/B2",
        "Die Lastenräder wurden nicht beschafft.",
        "Sie haben sich geäußert.",
        "Lieferengpässe",
        "intendiertes Ermessen",
        "§ 48 Abs. 4 VwVfG",
        "Rechtsbehelfsbelehrung",
    ):
        assert part in html, part
    withdrawal = revocation(kind="withdrawal")
    withdrawal["kind"] = "withdrawal"
    html = render_html(*decision_letter(withdrawal, LETTERHEAD, guideline_title="FRL", draft=False))
    assert "Rücknahmebescheid" in html and "zurückgenommen" in html


def _flat(text: str) -> str:
    """Line breaks and indentation as single spaces (no-break spaces kept)."""
    return re.sub(r"[ \t\n]+", " ", text)


def test_an_amendment_states_each_change_before_and_after_and_keeps_the_rest() -> None:
    template, data = decision_letter(amendment(), LETTERHEAD, guideline_title="F", draft=False)
    assert (template, data["title"]) == ("amendment", "Änderungsbescheid")
    assert data["changed"] == {
        "max_amount": False,
        "approval_period": True,
        "instalments": True,
        "categories": False,
    }
    html = render_html(template, data)
    for part in (
        "Zuwendungsbescheid vom 2. Dezember 2026, Aktenzeichen LIfD-demo-M-0001/B1",
        "Änderungsantrag vom 10. Februar 2027",
        "vom 2. Dezember 2026\nbis zum 31. August 2030 (bisher vom 2. Dezember 2026\n  bis zum "
        "31. August 2029)",
        '<td>2026</td><td class="amount">150.000,00\xa0€</td><td class="amount">'
        "100.000,00\xa0€</td>",
        "Im Übrigen bleiben die Bestimmungen",
        "bis zum 28. Februar 2031",  # the final proof: six months after the new end
        "Die Ausstattung wird erst im Folgejahr geliefert.",
        "§ 39 Abs. 2 Nr. 1",
        "Rechtsbehelfsbelehrung",
    ):
        assert _flat(part) in _flat(html), part
    # The maximum did not change: no new maximum, no repeated state-aid statement.
    assert "nunmehr <strong>bis zu" not in html and "Beihilferechtliche" not in html
    raised = amendment()
    raised["content"]["changes"]["after"]["max_amount"] = "650000.00"
    html = render_html(*decision_letter(raised, LETTERHEAD, guideline_title="F", draft=False))
    assert "bis zu 650.000,00\xa0€</strong>" in html and "bisher bis zu 600.000,00" in html
    assert "Keine Beihilfe" in html


def test_a_final_settlement_states_the_amount_its_computation_and_what_is_still_paid() -> None:
    template, data = decision_letter(
        final_settlement(), LETTERHEAD, guideline_title="F", draft=False
    )
    assert (template, data["title"]) == ("final_settlement", "Schlussbescheid")
    html = _flat(render_html(template, data))
    for part in (
        "endgültig auf <strong>560.000,00\xa0€</strong> festgesetzt",
        "bewilligt waren bis zu 600.000,00\xa0€",
        "Ausgezahlt sind 150.000,00\xa0€",
        "Restbetrag von 410.000,00\xa0€",
        "der nicht benötigte Betrag von 40.000,00\xa0€",
        "<td>Ausrüstung</td>",
        "Ausrüstung: 20.000,00\xa0€ nicht anerkannt, soweit die Mehrausgaben nicht durch",
        "geprüft am 3. November 2029",
        "Alle Belege geprüft.",
        "fünf Jahre",
        "Rechtsbehelfsbelehrung",
    ):
        assert part in html, part
    assert "abgerundet" not in html and "Höchstbetrag von" not in html
    paid_out = final_settlement()
    paid_out["content"]["figures"] |= {"still_payable": "0.00", "decommitment": "0.00"}
    html = render_html(*decision_letter(paid_out, LETTERHEAD, guideline_title="F", draft=False))
    assert "vollständig ausgezahlt" in html and "Restbetrag" not in html
    assert "nicht benötigte" not in html


def test_the_invitation_gives_the_due_date_to_the_second_and_decides_nothing() -> None:
    snapshot = {
        "reference_number": "LIfD-demo-M-0001",
        "received_at": "2026-03-02T09:05:16+00:00",
        "submission_number": 1,
        "content": {"title": "Alpha <b>{{ 7*7 }}</b>"},
        "organisation": {
            "legal_name": "KulturWerk Schneeberg e.V.",
            "street": "Markt 1",
            "postal_code": "08289",
            "city": "Schneeberg",
            "customer_number": "100001",
        },
    }
    facts = {
        "snapshot": snapshot,
        "invited_at": datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        "due_at": datetime(2026, 7, 27, 21, 59, 59, tzinfo=UTC),
        "due_reason": "",
    }
    template, data = invitation_letter(facts, LETTERHEAD)
    html = _flat(render_html(template, data))
    for part in (
        "Aufforderung zur Antragstellung",
        "Ihre Vorhabenidee vom 2. März 2026 (Eingangsnummer LIfD-demo-M-0001)",
        "27. Juli 2026, 23:59:59 Uhr",
        "Alpha &lt;b&gt;{{ 7*7 }}&lt;/b&gt;",
        "keine Bewilligung und kein Bescheid",
        "vorzeitigen Maßnahmebeginn",
        "§ 31 Abs. 7 VwVfG",
        "Markt 1",
    ):
        assert part in html, part
    # Not an administrative act: no legal-remedy notice, no extension shown.
    assert "Rechtsbehelfsbelehrung" not in html and "verlängert:" not in html
    extended = invitation_letter(facts | {"due_reason": "Krankheit des Vorstands"}, None)
    assert 'Die Frist wurde verlängert: <span class="user">Krankheit des Vorstands' in (
        render_html(*extended)
    )


def test_a_correction_names_the_letter_it_corrects_and_why_and_states_the_decision_again() -> None:
    correction = {
        "corrects_letter_id": "5f0c…",
        "corrected_file_name": "LIfD-2024-1-0007.pdf",
        "corrected_sha256": "ab" * 32,
        "corrected_issued_at": "2024-06-03T22:15:02+00:00",
        "reason": "Die Anschrift der <Bewilligungsstelle> war falsch angegeben.",
        "dated": "2024-06-05",
    }
    template, data = decision_letter(
        approval(), LETTERHEAD, guideline_title="F", draft=False, correction=correction
    )
    assert (template, data["title"]) == ("approval", "Berichtigung: Zuwendungsbescheid")
    assert data["correction"] == correction
    html = _flat(render_html(template, data))
    assert "Berichtigung nach § 42 VwVfG vom 5. Juni 2024" in html
    # The old letter's instant in Berlin time: 22:15 UTC is past midnight there.
    assert "bereitgestellt am 4. Juni 2024, 00:15:02 Uhr" in html
    assert "ab" * 32 in html and "&lt;Bewilligungsstelle&gt;" in html
    assert "Die Entscheidung selbst bleibt unverändert" in html
    assert "Rechtsbehelfsbelehrung" in html  # the decision in full, as it was
    plain = _flat(
        render_html(*decision_letter(approval(), LETTERHEAD, guideline_title="F", draft=False))
    )
    assert "§ 42 VwVfG" not in plain and plain.count("Berichtigung") == 0


def test_the_programmes_logo_is_printed_from_memory_and_named_in_the_data() -> None:
    raw = io.BytesIO()
    Image.new("RGB", (300, 100), (0, 90, 160)).save(raw, format="PNG")
    logo = sanitised(raw.getvalue())
    named = {"file": LOGO_FILE, "sha256": logo.sha256, "width": 300, "height": 100}
    template, data = decision_letter(
        approval(), LETTERHEAD | {"logo": named}, guideline_title="F", draft=False
    )
    assert data["authority"]["logo"] == named
    pdf, fetcher = render_pdf(template, data, assets={LOGO_FILE: logo.png})
    assert fetcher.refused == []
    assert any(url.endswith("/" + LOGO_FILE) for url in fetcher.fetched)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        images = [
            image
            for image in document.pages[0].get_images().values()
            if int(image.Width) == 300 and int(image.Height) == 100
        ]
        assert images, "the logo is on the first page"
    # Without the bytes the name leads nowhere: nothing on disk answers to it.
    _, alone = render_pdf(template, data)
    assert [url for url in alone.refused if url.endswith(LOGO_FILE)]
    assert not (LETTERS_DIR / LOGO_FILE).exists()
