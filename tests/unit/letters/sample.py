"""A released approval's decision record and a letterhead, as the service hands them to the
letter code: written out here (not loaded from a database), so the letters are tested
alone."""

import copy
from typing import Any

LETTERHEAD: dict[str, Any] = {
    "name": "Sächsische Aufbaubank – Förderbank –",
    "unit": "Bewilligungsstelle FRL LIfD",
    "on_behalf_of": "im Auftrag des Sächsischen Staatsministeriums für Wirtschaft",
    "street": "Pirnaische Straße 9",
    "postal_code": "01069",
    "city": "Dresden",
    "seat": "Dresden",
    "phone": "0351 4910-0",
    "email": "",
    "website": "www.sab.sachsen.de",
    "privacy_url": "https://www.sab.sachsen.de/datenschutz",
    "bank_holder": "Sächsische Aufbaubank",
    "bank_name": "Landeszentralbank",
    "iban": "DE89370400440532013000",
    "bic": "",
}

_APPROVAL: dict[str, Any] = {
    "id": "16d0b9e8-a508-4c95-9c93-434c50ded8e1",
    "kind": "approval",
    "status": "released",
    "file_reference": "LIfD-demo-M-0001/B1",
    "max_amount": "600000.00",
    "official_name": "Dr. Erika Mustermann",
    "decision_date": "2026-12-02",
    "released_at": "2026-12-02T10:05:27+00:00",
    "content_hash": "beb70414d7b66bda0ac95b6d817ceeb2eecfbea9a9f7f0835394d0e233eb1185",
    "content": {
        "kind": "approval",
        "anbest": {"set": "ANBest-P", "override_reason": "", "from_applicant_type": "ANBest-P"},
        "figures": {
            "max_amount": "600000.00",
            "total_costs": "750000.00",
            "requested_grant": "600000.00",
            "third_party_funds": "0.00",
        },
        "purpose": {"title": "Alpha", "summary": "Offene Werkstatt mit 3D-Druck und Kursen."},
        "reasons": [],
        "discretion": "",
        "financing": {
            "type": "Projektförderung",
            "form": "Zuschuss",
            "financing": "Anteilfinanzierung",
        },
        "recipient": {
            "legal_name": "KulturWerk Schneeberg e.V.",
            "legal_form": "eingetragener Verein",
            "street": "Markt 1",
            "postal_code": "08289",
            "city": "Schneeberg",
            "customer_number": "100001",
        },
        "state_aid": {
            "message": {"de": "Keine Beihilfe im Sinne des Art. 107 Abs. 1 AEUV.", "en": "-"},
            "citation": {"de": "VO (EU) 2023/2831 Art. 3 Abs. 2", "en": "-"},
            "assumption": True,
            "section_verified": True,
        },
        "early_start": {
            "facts": {"early_start_consented": False},
            "assumption": False,
            "section_verified": False,
        },
        "categories": [
            {
                "category": "equipment",
                "label": {"de": "Ausrüstung", "en": "Equipment"},
                "requested_cost": "750000.00",
                "guideline_rate": "0.80",
                "approved_cost": "750000.00",
                "approved_rate": "0.80",
                "grant": "600000.0000",
                "deviation": False,
                "deviation_reason": "",
            }
        ],
        "application": {
            "title": "Alpha",
            "received_at": "2026-03-02T09:05:16+00:00",
            "reference_number": "LIfD-demo-M-0001",
        },
        "formal_application": None,
        "approval_period": {"start": "2026-12-02", "end": "2029-08-31"},
        "instalments": [
            {"fiscal_year": 2026, "amount": "150000.00"},
            {"fiscal_year": 2027, "amount": "450000.00"},
        ],
        "special_conditions": [],
        "subsidy_relevant_facts": {
            "key": "subsidy_relevant_facts",
            "text": {"de": "Die Zuwendung ist eine Subvention.\n\nTatsachen: …", "en": "-"},
        },
        "legal_remedy": {
            "authority": {
                "name": "Sächsische Aufbaubank – Förderbank –",
                "street": "Pirnaische Straße 9",
                "postal_code": "01069",
                "city": "Dresden",
                "assumption": True,
            }
        },
        "assumptions": ["Aktenzeichen: Eingangsnummer/B{laufende Nummer}"],
    },
}


def approval(**content: Any) -> dict[str, Any]:
    """The approval, with ``content`` keys replaced."""
    decision = copy.deepcopy(_APPROVAL)
    decision["content"].update(content)
    return decision


def rejection(**content: Any) -> dict[str, Any]:
    decision = copy.deepcopy(_APPROVAL)
    decision["kind"] = "rejection"
    decision["content"].update(
        {
            "kind": "rejection",
            "reasons": [
                {
                    "kind": "rank",
                    "text": "Rang 14 von 20; die Förderlinie endet bei Rang 9.",
                    "section": "FRL LIfD Nr. VII.3",
                }
            ],
            "discretion": "Die verfügbaren Mittel reichen für die Vorhaben bis Rang 9.",
        }
        | content
    )
    return decision


def revocation(**content: Any) -> dict[str, Any]:
    """A partial revocation of the approval after a hearing with a comment: 600,000 down to
    80,000; 150,000 paid, 70,000 to refund."""
    decision = copy.deepcopy(_APPROVAL)
    decision["kind"] = "revocation"
    decision["file_reference"] = "LIfD-demo-M-0001/B2"
    decision["content"] = {
        "kind": "revocation",
        "application": {"title": "Alpha", "reference_number": "LIfD-demo-M-0001"},
        "recipient": copy.deepcopy(_APPROVAL["content"]["recipient"]),
        "grant": {
            "decision_id": _APPROVAL["id"],
            "file_reference": "LIfD-demo-M-0001/B1",
            "decision_date": "2026-12-02",
        },
        "legal_basis": "§ 49 Abs. 3 VwVfG i. V. m. § 1 SächsVwVfZG",
        "scope": "partial",
        "hearing": {"respond_by": "2027-01-05", "responses": 1, "facts_known_on": "2026-12-10"},
        "facts": "Die Lastenräder wurden nicht beschafft.",
        "reasons": ["Die Zuwendung wurde zu einem Teil nicht für den Zweck verwendet."],
        "discretion": "Der Widerruf ist die Regel (intendiertes Ermessen); nichts spricht dagegen.",
        "response_weighed": "Der Hinweis auf Lieferengpässe ändert nichts am Ergebnis.",
        "effective_from": "2026-12-02",
        "figures": {
            "current_grant": "600000.00",
            "new_grant": "80000.00",
            "paid": "150000.00",
            "decommitment": "450000.00",
            "reclaim": "70000.00",
        },
        "years": [
            {
                "fiscal_year": 2026,
                "committed": "150000.00",
                "paid": "150000.00",
                "new_commitment": "80000.00",
                "decommitment": "70000.00",
                "reclaim": "70000.00",
            }
        ],
        "interest": {
            "basis": "§ 49a Abs. 3 VwVfG",
            "rate": "5 Prozentpunkte über dem Basiszinssatz (§ 247 BGB) jährlich",
            "from": "2026-12-02",
            "until": "bis zur Erstattung (Tag der Gutschrift ausgenommen)",
            "day_count": "act/365",
        },
    } | content
    return decision


def amendment(**content: Any) -> dict[str, Any]:
    """The approval amended on request: 50,000 moved from 2026 into 2027 and the period
    extended by a year; the rest as it was."""
    decision = copy.deepcopy(_APPROVAL)
    decision["kind"] = "amendment"
    decision["file_reference"] = "LIfD-demo-M-0001/B2"
    before = {
        "max_amount": "600000.00",
        "approval_period": {"start": "2026-12-02", "end": "2029-08-31"},
        "instalments": {"2026": "150000.00", "2027": "450000.00"},
        "categories": copy.deepcopy(_APPROVAL["content"]["categories"]),
    }
    after = before | {
        "approval_period": {"start": "2026-12-02", "end": "2030-08-31"},
        "instalments": {"2026": "100000.00", "2027": "500000.00"},
    }
    decision["content"].update(
        {
            "kind": "amendment",
            "amended_as": "approval",
            "approval_period": after["approval_period"],
            "instalments": [
                {"fiscal_year": 2026, "amount": "100000.00"},
                {"fiscal_year": 2027, "amount": "500000.00"},
            ],
            "grant": {
                "decision_id": _APPROVAL["id"],
                "file_reference": "LIfD-demo-M-0001/B1",
                "decision_date": "2026-12-02",
            },
            "request": {
                "text": "Die Ausstattung wird erst im Folgejahr geliefert.",
                "received_on": "2027-02-10",
            },
            "changes": {"before": before, "after": after},
        }
        | content
    )
    return decision


def final_settlement(**content: Any) -> dict[str, Any]:
    """The Schlussbescheid after the final proof: 700,000 of 750,000 recognised × 80 % =
    560,000; 150,000 paid, 410,000 still payable, 40,000 de-committed."""
    decision = copy.deepcopy(_APPROVAL)
    decision["kind"] = "final_settlement"
    decision["file_reference"] = "LIfD-demo-M-0001/B3"
    decision["content"] = {
        "kind": "final_settlement",
        "application": {"title": "Alpha", "reference_number": "LIfD-demo-M-0001"},
        "recipient": copy.deepcopy(_APPROVAL["content"]["recipient"]),
        "grant": {
            "decision_id": _APPROVAL["id"],
            "file_reference": "LIfD-demo-M-0001/B1",
            "decision_date": "2026-12-02",
        },
        "legal_basis": "Festsetzung der Zuwendung nach Prüfung des Verwendungsnachweises "
        "(§ 44 SäHO, ANBest-P Nr. 6 und 7)",
        "proof": {
            "id": "0f5b0a53-5a8e-4f0e-9a34-2c1c0d6f1e11",
            "number": 1,
            "receipt_hash": "ab" * 32,
            "checked_at": "2029-11-03T10:00:00+00:00",
            "final_grant": {
                "lines": [
                    {
                        "code": "equipment",
                        "approved": "750000.00",
                        "actual": "720000.00",
                        "limit": "900000.00",
                        "recognised": "700000.00",
                        "not_recognised": "20000.00",
                        "above_limit": "0.00",
                        "not_offset": "20000.00",
                        "reason": "not_offset",
                        "rate": "0.80",
                        "grant": "560000.0000",
                    }
                ],
                "cap_applied": False,
                "maximum_grant": "600000.00",
                "third_party_extra": "0.00",
                "third_party_reduction": "0.00",
                "rounding_difference": "0.00",
                "final_amount": "560000",
            },
        },
        "notes": ["Alle Belege geprüft."],
        "category_labels": {"equipment": {"de": "Ausrüstung", "en": "Equipment"}},
        "figures": {
            "current_grant": "600000.00",
            "new_grant": "560000.00",
            "paid": "150000.00",
            "decommitment": "40000.00",
            "reclaim": "0.00",
            "still_payable": "410000.00",
        },
        "years": [],
        "legal_remedy": copy.deepcopy(_APPROVAL["content"]["legal_remedy"]),
    } | content
    return decision
