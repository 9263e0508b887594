"""Schemathesis over our own OpenAPI document: no generated input may produce a 5xx.

Runs positive and negative (schema-violating) cases against every operation, anonymous and
with a valid bearer token. The app has a database of its own with real commits; its engine
uses no pool because Schemathesis drives each request on a fresh event loop.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from grants.app import create_app
from grants.db.engine import build_read_session_factory, build_session_factory
from grants.demo import DEMO_DRAFT
from grants.settings import as_asyncpg_url
from tests import databases
from tests.conftest import make_settings
from tests.factories import register, registration_body


@pytest.fixture(scope="module")
def fuzz_target(server_url: str) -> Iterator[tuple[Litestar, str, str]]:
    url = databases.create_database(server_url)
    databases.load_municipality_register(url)  # the draft below names a municipality
    engine = create_async_engine(as_asyncpg_url(url), poolclass=NullPool)
    app = create_app(
        make_settings(url),
        session_factory=build_session_factory(engine),
        read_session_factory=build_read_session_factory(engine),
        configure_logs=False,
    )

    async def token() -> tuple[str, str]:
        body = registration_body()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            await register(client, **body)
            response = await client.post(
                "/api/auth/login", json={"email": body["email"], "password": body["password"]}
            )
            access: str = response.json()["access_token"]
            created = await client.post(
                "/api/applications",
                json={"call": "demo", "funding_line": "stationary", **DEMO_DRAFT},
                headers={"Authorization": f"Bearer {access}"},
            )
            assert created.status_code == 201, created.text
            return access, str(created.json()["id"])

    access_token, application_id = asyncio.run(token())
    yield app, access_token, application_id
    asyncio.run(engine.dispose())
    databases.drop_database(url)


@pytest.fixture(scope="module")
def api_schema(fuzz_target: tuple[Litestar, str, str]) -> Any:
    app, _, _ = fuzz_target
    return schemathesis.openapi.from_asgi("/docs/openapi.json", app)


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) for every documented operation; negative cases only where there
    is input to break. Building the document needs no database."""
    document = create_app(make_settings("postgresql://unused@localhost/none"), configure_logs=False)
    cases = []
    for path, item in document.openapi_schema.to_schema()["paths"].items():
        for method, operation in item.items():
            cases.append((method.upper(), path, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((method.upper(), path, GenerationMode.NEGATIVE))
    return cases


# Schemathesis' own pytest plugin does not support pytest 9 yet; Hypothesis drives its
# strategies directly instead, one test per operation and generation mode.
@pytest.mark.parametrize(("method", "path", "mode"), _cases())
def test_no_generated_request_causes_a_server_error(
    api_schema: Any,
    fuzz_target: tuple[Litestar, str, str],
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    _, access_token, application_id = fuzz_target
    operation = api_schema[path][method]
    authenticated = {"Authorization": f"Bearer {access_token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Case) -> None:
        # Valid inputs aimed at the user's own draft reach past the access check into the
        # services; invalid ones keep the generated id.
        if mode is GenerationMode.POSITIVE and "application_id" in (case.path_parameters or {}):
            case.path_parameters["application_id"] = application_id
        case.call_and_validate(checks=[not_a_server_error])
        if path != "/api/auth/logout":  # keep the shared token alive
            case.call_and_validate(headers=authenticated, checks=[not_a_server_error])

    fuzz()
