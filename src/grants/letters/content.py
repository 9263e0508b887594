"""The data a letter is rendered from, assembled from what is on file — the released
decision's content (or the receipt), the programme's letterhead as a person set it — and
checked for completeness before anything is rendered. Pure: dicts in, dicts out.

The data is embedded in the PDF as it is given to the template, so the letter's
machine-readable content and its text cannot differ.
"""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from grants.core.deadlines import add_months
from grants.core.decision import DecisionKind

TITLES = {
    DecisionKind.APPROVAL.value: "Zuwendungsbescheid",
    DecisionKind.PARTIAL_APPROVAL.value: "Zuwendungsbescheid (teilweise Bewilligung)",
    DecisionKind.REJECTION.value: "Ablehnungsbescheid",
    DecisionKind.REVOCATION.value: "Widerrufsbescheid",
    DecisionKind.WITHDRAWAL.value: "Rücknahmebescheid",
    DecisionKind.AMENDMENT.value: "Änderungsbescheid",
    DecisionKind.FINAL_SETTLEMENT.value: "Schlussbescheid",
}
TEMPLATES = {
    DecisionKind.APPROVAL.value: "approval",
    DecisionKind.PARTIAL_APPROVAL.value: "approval",
    DecisionKind.REJECTION.value: "rejection",
    DecisionKind.REVOCATION.value: "revocation",
    DecisionKind.WITHDRAWAL.value: "revocation",
    DecisionKind.AMENDMENT.value: "amendment",
    DecisionKind.FINAL_SETTLEMENT.value: "final_settlement",
}
LETTERHEAD_FIELDS = (
    ("name", "Name der Behörde"),
    ("street", "Straße der Behörde"),
    ("postal_code", "Postleitzahl der Behörde"),
    ("city", "Ort der Behörde"),
    ("seat", "Sitz der Behörde"),
    ("privacy_url", "Fundstelle der Datenschutzhinweise (Art. 13 DSGVO)"),
)


class IncompleteLetter(ValueError):
    """A letter would lack a mandatory part: never rendered incomplete."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("; ".join(missing))
        self.missing = missing


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _letterhead_missing(letterhead: Mapping[str, Any] | None) -> list[str]:
    if letterhead is None:
        return ["Briefkopf des Programms (letterhead): nicht festgelegt"]
    return [
        f"Briefkopf: {label} fehlt"
        for key, label in LETTERHEAD_FIELDS
        if _blank(letterhead.get(key))
    ]


def _labels(checks: tuple[tuple[Any, str], ...]) -> list[str]:
    return [label for value, label in checks if _blank(value)]


def _common_missing(decision: Mapping[str, Any], content: Mapping[str, Any]) -> list[str]:
    recipient = content.get("recipient") or {}
    return _labels(
        (
            (recipient.get("legal_name"), "Name des Empfängers"),
            (recipient.get("street"), "Straße des Empfängers"),
            (recipient.get("postal_code"), "Postleitzahl des Empfängers"),
            (recipient.get("city"), "Ort des Empfängers"),
            (decision.get("file_reference"), "Aktenzeichen"),
            (decision.get("official_name"), "Name der freigebenden Person (§ 37 Abs. 3 VwVfG)"),
            (
                decision.get("released_at") and decision.get("decision_date"),
                "Freigabe und Datum des Bescheids (§ 35a VwVfG: erst nach Freigabe)",
            ),
        )
    )


def _grant_missing(kind: str, content: Mapping[str, Any]) -> list[str]:
    figures = content.get("figures") or {}
    period = content.get("approval_period") or {}
    missing = _labels(
        (
            (figures.get("max_amount"), "Höchstbetrag („bis zu“)"),
            ((content.get("purpose") or {}).get("title"), "Zuwendungszweck"),
            (period.get("start"), "Beginn des Bewilligungszeitraums"),
            (period.get("end"), "Ende des Bewilligungszeitraums"),
            (content.get("categories"), "zuwendungsfähige Ausgaben und Fördersätze"),
            (content.get("instalments"), "Jahresraten"),
            ((content.get("anbest") or {}).get("set"), "ANBest-P oder ANBest-K"),
            ((content.get("state_aid") or {}).get("message"), "beihilferechtliche Einordnung"),
            (content.get("subsidy_relevant_facts"), "subventionserhebliche Tatsachen (§ 2 SubvG)"),
            (figures.get("total_costs"), "Gesamtausgaben (Finanzierungsplan)"),
        )
    )
    deviates = content.get("reasons") or any(
        c.get("deviation") for c in content.get("categories") or []
    )
    if kind == DecisionKind.PARTIAL_APPROVAL.value and not deviates:
        missing.append("Begründung der Abweichung (§ 39 Abs. 1 VwVfG)")
    return missing


def _rejection_missing(_: str, content: Mapping[str, Any]) -> list[str]:
    return _labels(
        (
            (content.get("reasons"), "Gründe der Ablehnung (§ 39 Abs. 1 VwVfG)"),
            (content.get("discretion"), "Ausübung des Ermessens (§ 39 Abs. 1 S. 3 VwVfG)"),
        )
    )


def _revocation_missing(_: str, content: Mapping[str, Any]) -> list[str]:
    figures = content.get("figures") or {}
    missing = _labels(
        (
            (content.get("facts"), "Sachverhalt"),
            (content.get("reasons"), "Gründe (§ 39 Abs. 1 VwVfG)"),
            (content.get("discretion"), "Ausübung des Ermessens (§ 39 Abs. 1 S. 3 VwVfG)"),
            (content.get("effective_from"), "Tag, ab dem der Bescheid wirkt"),
            (content.get("legal_basis"), "Rechtsgrundlage"),
            ((content.get("grant") or {}).get("file_reference"), "geänderter Zuwendungsbescheid"),
            (figures.get("new_grant"), "Zuwendung nach der Entscheidung"),
        )
    )
    hearing = content.get("hearing") or {}
    if hearing.get("responses") and _blank(content.get("response_weighed")):
        missing.append("Würdigung der Äußerung aus der Anhörung (§ 28 VwVfG)")
    return missing


def _amendment_missing(_: str, content: Mapping[str, Any]) -> list[str]:
    """An amendment restates the grant as amended (so it needs what an approval needs, as a
    partial approval where it is one) and names what it amends, on whose request, and how."""
    changes = content.get("changes") or {}
    return _labels(
        (
            ((content.get("grant") or {}).get("file_reference"), "geänderter Zuwendungsbescheid"),
            ((content.get("request") or {}).get("received_on"), "Tag des Änderungsantrags"),
            (changes.get("before"), "bisherige Festsetzung"),
            (changes.get("after"), "neue Festsetzung"),
        )
    ) + _grant_missing(str(content.get("amended_as") or DecisionKind.APPROVAL.value), content)


def _settlement_missing(_: str, content: Mapping[str, Any]) -> list[str]:
    figures = content.get("figures") or {}
    proof = content.get("proof") or {}
    return _labels(
        (
            (
                (content.get("grant") or {}).get("file_reference"),
                "festgesetzter Zuwendungsbescheid",
            ),
            (proof.get("checked_at"), "Prüfung des Verwendungsnachweises"),
            (proof.get("final_grant"), "Berechnung der festgesetzten Zuwendung"),
            (content.get("legal_basis"), "Rechtsgrundlage"),
            (figures.get("new_grant"), "festgesetzte Zuwendung"),
            (figures.get("paid"), "ausgezahlter Betrag"),
        )
    )


_KIND_MISSING = {
    DecisionKind.APPROVAL.value: _grant_missing,
    DecisionKind.PARTIAL_APPROVAL.value: _grant_missing,
    DecisionKind.REJECTION.value: _rejection_missing,
    DecisionKind.REVOCATION.value: _revocation_missing,
    DecisionKind.WITHDRAWAL.value: _revocation_missing,
    DecisionKind.AMENDMENT.value: _amendment_missing,
    DecisionKind.FINAL_SETTLEMENT.value: _settlement_missing,
}


def _decision_missing(
    kind: str, decision: Mapping[str, Any], content: Mapping[str, Any]
) -> list[str]:
    check = _KIND_MISSING.get(kind)
    if check is None:
        return [f"Für Bescheide der Art „{kind}“ gibt es noch keine Briefvorlage"]
    return _common_missing(decision, content) + check(kind, content)


def _authority(letterhead: Mapping[str, Any]) -> dict[str, Any]:
    bank = None
    if not _blank(letterhead.get("iban")):
        bank = {
            "holder": letterhead.get("bank_holder") or letterhead["name"],
            "bank_name": letterhead.get("bank_name") or "",
            "iban": letterhead["iban"],
            "bic": letterhead.get("bic") or "",
        }
    return {
        key: letterhead.get(key) or ""
        for key in (
            "name",
            "unit",
            "on_behalf_of",
            "street",
            "postal_code",
            "city",
            "seat",
            "phone",
            "email",
            "website",
            "privacy_url",
        )
    } | {"bank": bank, "logo": letterhead.get("logo")}


def _assumed_authority(content: Mapping[str, Any]) -> dict[str, Any]:
    """For a preview without a letterhead: the guideline's authority data, marked assumed."""
    found = dict((content.get("legal_remedy") or {}).get("authority") or {})
    found.setdefault("seat", found.get("city"))
    found.setdefault("privacy_url", found.get("website"))
    return _authority(
        {k: v for k, v in found.items() if v is not None} | {"name": found.get("name") or "—"}
    )


def _assumption_notes(content: Mapping[str, Any]) -> list[str]:
    notes = []
    for key, label in (
        ("state_aid", "Beihilferechtliche Einordnung"),
        ("early_start", "Maßnahmebeginn"),
    ):
        part = content.get(key) or {}
        if part.get("assumption"):
            notes.append(f"{label}: beruht auf einer Annahme der Richtlinien-Daten (ungeprüft).")
        if part.get("section_verified") is False:
            notes.append(f"{label}: die zitierte Fundstelle ist ungeprüft.")
    notes.extend(f"Annahme: {a}" for a in content.get("assumptions") or [])
    return notes


def decision_letter(
    decision: Mapping[str, Any],
    letterhead: Mapping[str, Any] | None,
    *,
    guideline_title: str,
    draft: bool,
    correction: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The template and the data of a decision's letter. For an issued letter (``draft``
    False) every mandatory part must be there, the letterhead included; a preview renders
    what there is, with the guideline's assumed authority data where no letterhead is set
    and every assumption listed on its first page. ``correction``: the letter is the
    correction (§ 42 VwVfG) of an issued one, which it names with the reason."""
    content: Mapping[str, Any] = decision["content"]
    kind = str(decision["kind"])
    missing = _decision_missing(kind, decision, content) if not draft else []
    missing += _letterhead_missing(letterhead) if not draft else []
    if draft and kind not in TEMPLATES:
        missing.append(f"Für Bescheide der Art „{kind}“ gibt es noch keine Briefvorlage")
    if missing:
        raise IncompleteLetter(missing)
    notes = _assumption_notes(content) if draft else []
    if letterhead is None:
        authority = _assumed_authority(content)
        notes.insert(
            0,
            "Kein Briefkopf festgelegt: die Angaben zur Behörde sind die "
            "angenommenen der Richtlinien-Daten.",
        )
    else:
        authority = _authority(letterhead)
    released = decision.get("released_at") or decision.get("drafted_at")
    day = decision.get("decision_date") or str(released)[:10]
    period = content.get("approval_period") or {}
    data: dict[str, Any] = {
        "schema": "grants.letter/1",
        "kind": kind,
        "title": TITLES.get(kind, kind),
        "reference": decision.get("file_reference") or "(noch ohne Aktenzeichen)",
        "date": str(day),
        "dated": _instant(released),
        "authority": authority,
        "recipient": {"contact": ""} | dict(content.get("recipient") or {}),
        "references": _references(decision, content),
        "official": {"name": decision.get("official_name") or ""},
        "decision": dict(content),
        "decision_id": str(decision.get("id")),
        "content_hash": decision.get("content_hash"),
        "guideline_title": guideline_title,
        "draft_notes": notes,
        "correction": None if correction is None else dict(correction),
    }
    if correction is not None:
        data["title"] = f"Berichtigung: {data['title']}"
    reclaim = Decimal((content.get("figures") or {}).get("reclaim") or 0)
    data["has_reclaim"] = reclaim > 0
    if data["has_reclaim"] and not draft and (letterhead is None or _blank(letterhead.get("iban"))):
        raise IncompleteLetter(["Briefkopf: Bankverbindung für die Erstattung fehlt (IBAN)"])
    if kind == DecisionKind.AMENDMENT.value:
        data.update(_amendment_tables(content))
    if kind == DecisionKind.FINAL_SETTLEMENT.value:
        data["settlement"] = _settlement_lines(content)
    if kind in (
        DecisionKind.APPROVAL.value,
        DecisionKind.PARTIAL_APPROVAL.value,
        DecisionKind.AMENDMENT.value,
    ):
        end = date.fromisoformat(period["end"]) if period.get("end") else None
        start = date.fromisoformat(period["start"]) if period.get("start") else None
        data["final_proof_due"] = None if end is None else add_months(end, 6).isoformat()
        data["interim_proofs_due"] = (
            []
            if start is None or end is None
            else [date(year + 1, 4, 30).isoformat() for year in range(start.year, end.year)]
        )
        figures = content.get("figures") or {}
        data["own_share"] = str(
            Decimal(figures.get("total_costs") or 0)
            - Decimal(figures.get("max_amount") or 0)
            - Decimal(figures.get("third_party_funds") or 0)
        )
    return TEMPLATES.get(kind, "approval"), data


def _amendment_tables(content: Mapping[str, Any]) -> dict[str, Any]:
    """What an amendment changes, side by side: the instalments per fiscal year and the
    categories (cost and rate before and after), and which parts changed at all."""
    changes = content.get("changes") or {}
    before, after = changes.get("before") or {}, changes.get("after") or {}
    old_years, new_years = before.get("instalments") or {}, after.get("instalments") or {}
    years = [
        {"fiscal_year": int(y), "before": old_years.get(y, "0"), "after": new_years.get(y, "0")}
        for y in sorted(set(old_years) | set(new_years), key=int)
    ]
    old_categories = {c["category"]: c for c in before.get("categories") or []}
    categories = [
        {
            "label": c.get("label"),
            "category": c["category"],
            "before_cost": (old_categories.get(c["category"]) or {}).get("approved_cost", "0"),
            "before_rate": (old_categories.get(c["category"]) or {}).get("approved_rate", "0"),
            "after_cost": c.get("approved_cost"),
            "after_rate": c.get("approved_rate"),
            "grant": c.get("grant"),
        }
        for c in content.get("categories") or []
    ]

    def _changed(key: str) -> bool:
        return before.get(key) != after.get(key)

    return {
        "instalment_changes": years,
        "category_changes": categories,
        "changed": {
            key: _changed(key)
            for key in ("max_amount", "approval_period", "instalments", "categories")
        },
    }


RECOGNITION = {
    "within_plan": "",
    "offset": "",
    "above_limit": "soweit die bewilligten Ausgaben um mehr als 20 % überschritten sind "
    "(ANBest-P Nr. 1.2)",
    "not_offset": "soweit die Mehrausgaben nicht durch Einsparungen bei anderen Ausgabenarten "
    "ausgeglichen sind (ANBest-P Nr. 1.2)",
    "above_limit_not_offset": "soweit die bewilligten Ausgaben um mehr als 20 % überschritten "
    "und die Mehrausgaben im Übrigen nicht durch Einsparungen bei anderen Ausgabenarten "
    "ausgeglichen sind (ANBest-P Nr. 1.2)",
    "not_in_plan": "für diese Ausgabenart wurden keine zuwendungsfähigen Ausgaben bewilligt",
}


def _positive(value: Any) -> bool:
    return Decimal(str(value or 0)) > 0


def _settlement_lines(content: Mapping[str, Any]) -> dict[str, Any]:
    """The final grant's computation as the letter states it: each category with its label
    and, where costs were not recognised, why; which of the further steps applied."""
    computation = (content.get("proof") or {}).get("final_grant") or {}
    labels = content.get("category_labels") or {}
    figures = content.get("figures") or {}

    def label(code: str) -> str:
        found = labels.get(code)
        return str(found["de"]) if isinstance(found, Mapping) and found.get("de") else code

    lines = [line | {"label": label(str(line["code"]))} for line in computation.get("lines") or []]
    return {
        "lines": lines,
        "not_recognised": [
            {
                "label": line["label"],
                "amount": line["not_recognised"],
                "why": RECOGNITION.get(str(line.get("reason")), ""),
            }
            for line in lines
            if _positive(line.get("not_recognised"))
        ],
        "cap_applied": bool(computation.get("cap_applied")),
        "maximum_grant": computation.get("maximum_grant"),
        "third_party_extra": computation.get("third_party_extra")
        if _positive(computation.get("third_party_extra"))
        else None,
        "third_party_reduction": computation.get("third_party_reduction"),
        "rounding_difference": computation.get("rounding_difference")
        if _positive(computation.get("rounding_difference"))
        else None,
        "still_payable": _positive(figures.get("still_payable")),
        "decommitted": _positive(figures.get("decommitment")),
    }


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _references(decision: Mapping[str, Any], content: Mapping[str, Any]) -> list[list[str]]:
    rows = [["Aktenzeichen", decision.get("file_reference") or "—"]]
    customer = (content.get("recipient") or {}).get("customer_number")
    if customer:
        rows.append(["Kundennummer", str(customer)])
    application = content.get("application") or {}
    if application.get("reference_number"):
        rows.append(["Eingangsnummer", str(application["reference_number"])])
    return rows


def _authority_or_named(
    letterhead: Mapping[str, Any] | None, named: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The programme's letterhead — or, where none is set yet, the authority the stored
    snapshot names (as its JSON receipt and e-mail do)."""
    if letterhead is not None:
        return _authority(letterhead)
    found = dict(named or {})
    return _authority(
        {k: v for k, v in found.items() if v is not None}
        | {
            "name": found.get("name") or "Bewilligungsstelle",
            "seat": found.get("city") or "",
            "privacy_url": found.get("website") or "",
        }
    )


def _addressed(organisation: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "contact": "",
        "legal_name": organisation.get("legal_name", ""),
        "street": organisation.get("street", ""),
        "postal_code": organisation.get("postal_code", ""),
        "city": organisation.get("city", ""),
    }


def receipt_letter(
    receipt: Mapping[str, Any], letterhead: Mapping[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    """The data of a receipt's PDF: the receipt as the API gives it (read from the stored
    snapshot), under the programme's letterhead — or, where none is set yet, the authority
    the receipt itself names, as its JSON and e-mail do."""
    authority = _authority_or_named(letterhead, receipt.get("authority"))
    applicant = receipt.get("applicant") or {}
    data: dict[str, Any] = {
        "schema": "grants.letter/1",
        "kind": "receipt",
        "title": "Eingangsbestätigung",
        "reference": receipt["reference_number"],
        "date": str(receipt["received_at"])[:10],
        "dated": _instant(receipt["received_at"]),
        "authority": authority,
        "recipient": {
            "contact": "",
            "legal_name": applicant.get("legal_name", ""),
            "street": "",
            "postal_code": "",
            "city": "",
        },
        "references": [
            ["Eingangsnummer", str(receipt["reference_number"])],
            ["Kundennummer", str(applicant.get("customer_number") or "—")],
        ],
        "receipt": dict(receipt),
        "draft_notes": [],
    }
    return "receipt", data


def invitation_letter(
    facts: Mapping[str, Any], letterhead: Mapping[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    """The invitation to the formal application (stage two): which sketch, by when the
    formal application is due (to the second, Berlin time) and what it must hold. Not a
    decision (no legal-remedy notice): it grants nothing and allows no start. ``facts``:
    the sketch's latest submitted snapshot, when it was invited, the due date and why it
    was extended (empty if it was not)."""
    snapshot = facts["snapshot"]
    organisation = snapshot.get("organisation") or {}
    authority = _authority_or_named(letterhead, snapshot.get("authority"))
    invited_at = facts["invited_at"]
    data: dict[str, Any] = {
        "schema": "grants.letter/1",
        "kind": "invitation",
        "title": "Aufforderung zur Antragstellung",
        "reference": str(snapshot.get("reference_number") or ""),
        "date": _instant(invited_at)[:10],
        "dated": _instant(invited_at),
        "authority": authority,
        "recipient": _addressed(organisation),
        "references": [
            ["Eingangsnummer", str(snapshot.get("reference_number") or "—")],
            ["Kundennummer", str(organisation.get("customer_number") or "—")],
        ],
        "sketch": {
            "title": str((snapshot.get("content") or {}).get("title", "")),
            "received_at": str(snapshot.get("received_at", "")),
            "submission_number": snapshot.get("submission_number"),
        },
        "invited_at": _instant(invited_at),
        "due_at": _instant(facts["due_at"]),
        "due_reason": facts.get("due_reason") or "",
        "draft_notes": [],
    }
    return "invitation", data


def formal_receipt_letter(
    receipt: Mapping[str, Any],
    snapshot: Mapping[str, Any],
    letterhead: Mapping[str, Any] | None,
) -> tuple[str, dict[str, Any]]:
    """The receipt of a formal application (stage two) as PDF: the receipt as the API gives
    it and, from the same stored snapshot, whom it came from and the declarations made —
    each with its text's SHA-256, as confirmed. Like the sketch's receipt, no decision."""
    organisation = snapshot.get("organisation") or {}
    received = receipt["received_at"]
    data: dict[str, Any] = {
        "schema": "grants.letter/1",
        "kind": "formal_receipt",
        "title": "Eingangsbestätigung",
        "reference": str(receipt["reference_number"]),
        "date": _instant(received)[:10],
        "dated": _instant(received),
        "authority": _authority_or_named(letterhead, snapshot.get("authority")),
        "recipient": _addressed(organisation),
        "references": [
            ["Eingangsnummer", str(receipt["reference_number"])],
            ["Vorhabenidee", str(receipt["sketch_reference_number"])],
            ["Kundennummer", str(organisation.get("customer_number") or "—")],
        ],
        "receipt": dict(receipt),
        "applicant": {
            "legal_name": organisation.get("legal_name", ""),
            "legal_form": organisation.get("legal_form", ""),
            "customer_number": organisation.get("customer_number", ""),
        },
        "sketch_snapshot_sha256": str(snapshot.get("sketch_snapshot_sha256") or ""),
        "draft_notes": [],
    }
    return "formal_receipt", data
