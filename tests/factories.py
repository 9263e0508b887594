"""Builders that go through the API or the services, so states are realistic."""

import secrets
from typing import Any

import httpx


def registration_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": f"anna.{secrets.token_hex(4)}@kulturwerk.example",
        "password": "Werkbank-Lötkolben-3D-Drucker",
        "display_name": "Anna Beispiel",
        "organisation": {
            "legal_name": "KulturWerk Schneeberg e.V.",
            "legal_form": "eingetragener Verein",
            "applicant_type": "nonprofit",
            "street": "Markt 1",
            "postal_code": "08289",
            "city": "Schneeberg",
            "municipality_key": "14521530",
        },
    }
    organisation = overrides.pop("organisation", None)
    body.update(overrides)
    if organisation is not None:
        body["organisation"] = {**body["organisation"], **organisation}
    return body


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = registration_body(**overrides)
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    return {**response.json(), "password": body["password"], "email": body["email"]}


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
