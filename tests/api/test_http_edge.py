"""The shared HTTP edge: problem details everywhere, request ids, size and media-type limits."""

import httpx
import pytest
from litestar import get
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from grants.app import create_app
from grants.settings import Settings
from tests.conftest import client_for
from tests.factories import registration_body


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("urn:grants:problem:")
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_health_live_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "live"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


async def test_ready_reports_503_when_the_database_is_unreachable(settings: Settings) -> None:
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    app = create_app(
        settings,
        session_factory=async_sessionmaker(engine, class_=AsyncSession),
        configure_logs=False,
    )
    async with client_for(app) as client:
        response = await client.get("/health/ready")
        assert (await client.get("/health/live")).status_code == 200
    await engine.dispose()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failing"}


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    _is_problem(await client.get("/api/nothing-here"), 404)


async def test_wrong_method_is_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/me")
    body = _is_problem(response, 405)
    assert "GET" in response.headers["allow"]
    assert "erlaubt: " in str(body["detail"]) and "GET" in str(body["detail"])


async def test_oversized_body_is_413_before_being_read(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    size = settings.max_request_body_bytes + 1
    response = await client.post(
        "/api/auth/register",
        content=b"{" + b" " * size + b"}",
        headers={"content-type": "application/json"},
    )
    body = _is_problem(response, 413)
    assert body["limit_bytes"] == settings.max_request_body_bytes
    assert str(body["detail"]).startswith("Der Anfragekörper ist zu groß")


async def test_oversized_streamed_body_without_length_is_413(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    chunks_sent = 0

    async def body() -> object:
        nonlocal chunks_sent
        for _ in range(settings.max_request_body_bytes // 65536 + 50):
            chunks_sent += 1
            yield b" " * 65536

    response = await client.post(
        "/api/auth/register", content=body(), headers={"content-type": "application/json"}
    )
    _is_problem(response, 413)


async def test_non_json_body_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login",
        content=b"email=a&password=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _is_problem(response, 415)


async def test_malformed_json_is_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert "malformed" in str(_is_problem(response, 400)["detail"])


async def test_wrong_json_types_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"email": 5, "password": ["x"]})
    body = _is_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"email", "password"}


async def test_bad_path_parameter_is_a_4xx_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/organisations/not-a-uuid", headers={"Authorization": "Bearer x"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_unexpected_error_is_500_problem_without_internals(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    @get("/boom", exclude_from_auth=True, sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app = create_app(settings, session_factory=session_factory, configure_logs=False)
    app.register(boom)
    async with client_for(app) as client:
        response = await client.get("/boom")
    body = _is_problem(response, 500)
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"]


async def test_request_id_is_taken_from_the_caller_when_harmless(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "lb-1234.abc"})
    assert response.headers["x-request-id"] == "lb-1234.abc"
    response = await client.get("/health/live", headers={"X-Request-ID": "evil <script> injected"})
    assert "script" not in response.headers["x-request-id"]
    assert len(response.headers["x-request-id"]) == 32


@pytest.mark.parametrize("path", ["/docs", "/docs/swagger", "/docs/openapi.json"])
async def test_docs_are_public(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200


async def test_openapi_is_3_1_with_stable_operation_ids(client: httpx.AsyncClient) -> None:
    document = (await client.get("/docs/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    operation_ids = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert {
        "registerApplicant",
        "login",
        "refreshTokens",
        "logout",
        "getMe",
        "healthReady",
    } <= operation_ids
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


async def test_registration_body_validation_survives_docs(client: httpx.AsyncClient) -> None:
    # A sanity check that an ordinary request still works after the docs were generated.
    response = await client.post("/api/auth/register", json=registration_body())
    assert response.status_code == 202


async def test_missing_body_names_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", content=b"", headers={"content-type": "application/json"}
    )
    body = _is_problem(response, 422)
    assert body["errors"] == [
        {"field": "body", "rule": "missing", "message": body["errors"][0]["message"]}
    ]  # type: ignore[index]


async def test_domain_errors_carry_their_machine_readable_extras(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    from grants.core.lifecycle import Event, State, transition
    from grants.core.roles import Role

    @get("/transition", exclude_from_auth=True, sync_to_thread=False)
    def illegal() -> None:
        transition(State.SUBMITTED, Event.APPROVE, role=Role.PROGRAMME_MANAGER)

    app = create_app(settings, session_factory=session_factory, configure_logs=False)
    app.register(illegal)
    async with client_for(app) as client:
        response = await client.get("/transition")
    body = _is_problem(response, 409)
    assert body["type"] == "urn:grants:problem:invalid-transition"
    assert body["current_state"] == "submitted"
    assert body["allowed_events"] == ["start_formal_check"]
