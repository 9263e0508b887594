"""Builders for applications: a complete, eligible draft of the demo call, made through the
API so that every state is reached the way a user reaches it."""

import copy
from typing import Any

import httpx

from tests.factories import bearer, login, register

COMPLETE_DRAFT: dict[str, Any] = {
    "title": "MakerSpace Schneeberg",
    "summary": "Offene Werkstatt mit 3D-Druck, Lasercutter und Kursen für Schulen.",
    "concept": {
        "initial_situation": "Im Erzgebirge fehlt ein offener Ort für digitale Fertigung.",
        "goals": "Digitale Kompetenzen vermitteln und Unternehmen vernetzen.",
        "measures": "Ausstattung, Kursprogramm, offene Werkstattzeiten.",
        "target_groups": "Schülerinnen und Schüler, Handwerk, Kreative.",
        "sustainability": "Trägerverein und Mitgliedsbeiträge sichern den Betrieb.",
        "cooperation": "Gymnasium Schneeberg, Handwerkskammer.",
    },
    "objectives": ["a", "e"],
    "municipality_key": "14521530",
    "planned_start": "2027-09-01",
    "planned_end": "2029-08-31",
    "partners": [{"name": "Gymnasium Schneeberg", "type": "Schule", "role": "Kurse"}],
    "cost_lines": [
        {"category": "equipment", "description": "3D-Drucker und Lasercutter", "amount": "60000.00"},
        {"category": "personnel", "description": "Werkstattleitung 0,5 VZÄ", "amount": "70000.00"},
        {"category": "material", "description": "Verbrauchsmaterial", "amount": "20000.00"},
    ],
    "financing": {
        "requested_grant": "120000.00",
        "own_funds": "30000.00",
        "third_party_funds": "0.00",
    },
    "declarations": {
        "subsidy_relevant_facts_acknowledged": True,
        "de_minimis_declared": True,
        "de_minimis_prior_aid": [],
        "economic_activity": False,
        "vat_deductible": False,
        "data_protection_acknowledged": True,
    },
}


def complete_draft(**overrides: Any) -> dict[str, Any]:
    body = copy.deepcopy(COMPLETE_DRAFT)
    body.update(overrides)
    return body


async def applicant(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A registered applicant with its organisation, logged in: ``headers`` authenticate."""
    account = await register(client, **overrides)
    tokens = await login(client, account["email"], account["password"])
    return {**account, "headers": bearer(tokens)}


async def create_application(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> httpx.Response:
    body = {"call": "demo", "funding_line": "stationary", **fields}
    return await client.post("/api/applications", json=body, headers=headers)


async def draft(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    response = await create_application(client, headers, **complete_draft(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
