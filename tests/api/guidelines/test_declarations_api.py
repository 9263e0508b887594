"""The declarations and the granting authority through HTTP: public, exact, with the hash a
snapshot freezes and the checkbox each text belongs to."""

import shutil
from pathlib import Path

import httpx
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from grants.app import create_app
from grants.guidelines.loader import SHIPPED
from grants.guidelines.registry import load_registry
from grants.settings import Settings
from tests.conftest import client_for
from tests.fakes import FakeClock


async def test_declarations_are_public_with_text_hash_and_checkbox(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/guidelines/frl-lifd/declarations")  # no token
    assert response.status_code == 200, response.text
    body = response.json()
    guideline = load_registry().get("frl-lifd")
    assert guideline is not None
    assert body["guideline"] == {
        "id": "frl-lifd",
        "version": "2023-11-30",
        "content_hash": guideline.content_hash,
    }
    declarations = {d["key"]: d for d in body["declarations"]}
    assert list(declarations) == [
        "subsidy_relevant_facts",
        "de_minimis",
        "data_protection",
        "not_started",
    ]
    assert {key: d["confirmation_field"] for key, d in declarations.items()} == {
        "subsidy_relevant_facts": "declarations.subsidy_relevant_facts_acknowledged",
        "de_minimis": "declarations.de_minimis_declared",
        "data_protection": "declarations.data_protection_acknowledged",
        "not_started": "declarations.not_started_declared",
    }
    # Exactly what the loaded guideline holds (and a snapshot freezes), hash included.
    for loaded in guideline.declarations:
        shown = declarations[loaded.key]
        assert shown["version"] == loaded.version
        assert shown["sha256"] == loaded.sha256
        assert (shown["title"]["de"], shown["text"]["de"]) == (loaded.title.de, loaded.text.de)
        assert [(i["de"], i["en"]) for i in shown["items"]] == [tuple(i) for i in loaded.items]
    facts = declarations["subsidy_relevant_facts"]
    assert len(facts["items"]) == 7
    assert "§ 264 Abs. 9 StGB" in facts["text"]["de"]


async def test_assumptions_are_flagged_per_part(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/guidelines/frl-lifd/declarations")).json()
    declarations = {d["key"]: d for d in body["declarations"]}
    protection = declarations["data_protection"]
    assert protection["assumption"] is True
    assert protection["text_assumption"] is False
    dpo = next(i for i in protection["items"] if i["de"].startswith("Datenschutzbeauftragte"))
    assert dpo["assumption"] is True
    assert dpo["de"].endswith("[Angabe ungeprüft]")
    rights = next(i for i in protection["items"] if i["de"].startswith("Ihre Rechte"))
    assert rights["assumption"] is False
    assert declarations["not_started"]["assumption"] is False
    assert not any(i["assumption"] for i in declarations["not_started"]["items"])


async def test_the_authority_is_public_and_flagged(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/guidelines/frl-lifd/authority")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": "Sächsische Aufbaubank – Förderbank –",
        "unit": "Bewilligungsstelle FRL LIfD",
        "street": "Pirnaische Straße 9",
        "postal_code": "01069",
        "city": "Dresden",
        "phone": None,
        "email": None,
        "website": "https://www.sab.sachsen.de",
        "on_behalf_of": (
            "im Auftrag des Sächsischen Staatsministeriums für Wirtschaft, Arbeit und Verkehr "
            "(SMWA)"
        ),
        "assumption": True,
    }


async def test_an_unknown_guideline_is_a_404_problem(client: httpx.AsyncClient) -> None:
    for path in ["/api/guidelines/nope/declarations", "/api/guidelines/nope/authority"]:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
        detail = response.json()["detail"]
        assert detail.startswith("Förderrichtlinie „nope“ nicht gefunden")
        assert "(guideline 'nope' not found)" in detail


async def test_a_guideline_without_texts_has_no_declarations_and_no_authority(
    tmp_path: Path,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    shutil.copy(SHIPPED / "frl-lifd-2023.yaml", tmp_path / "frl-lifd-2023.yaml")
    app: Litestar = create_app(
        settings,
        session_factory=session_factory,
        clock=FakeClock(),
        configure_logs=False,
        guidelines=load_registry(tmp_path),
    )
    async with client_for(app) as client:
        declarations = await client.get("/api/guidelines/frl-lifd/declarations")
        assert declarations.status_code == 200
        assert declarations.json()["declarations"] == []
        authority = await client.get("/api/guidelines/frl-lifd/authority")
        assert authority.status_code == 404
        assert "keine Bewilligungsstelle" in authority.json()["detail"]


async def test_the_operations_are_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/docs/openapi.json")).json()
    paths = document["paths"]
    declarations = paths["/api/guidelines/{guideline_id}/declarations"]["get"]
    authority = paths["/api/guidelines/{guideline_id}/authority"]["get"]
    assert declarations["operationId"] == "getGuidelineDeclarations"
    assert authority["operationId"] == "getGuidelineAuthority"
    assert not declarations.get("security")
    assert not authority.get("security")
