"""The OpenAPI document tells the truth about errors: every operation lists the problem+json
responses its kind can produce, all with one shared schema, and the ETag / Idempotent-Replayed
headers where they are sent. Checked on the document the running app serves."""

from typing import Any

import httpx
import pytest
from litestar import post

from grants.app import create_app
from grants.http.openapi_errors import THROTTLED
from tests.conftest import make_settings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(make_settings("postgresql://unused@localhost/none"), configure_logs=False)
    schema: dict[str, Any] = app.openapi_schema.to_schema()
    return schema


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _header_parameters(operation: dict[str, Any]) -> set[str]:
    return {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}


def needed(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    """What an operation of this kind must document, read off the document itself."""
    statuses = set()
    has_body = "requestBody" in operation
    if has_body or operation.get("parameters"):
        statuses |= {"400", "422"}
    if has_body:
        statuses |= {"413", "415"}
    if operation.get("security"):
        statuses.add("401")
        if method != "GET" and {} not in operation["security"]:  # {}: a token is optional
            statuses.add("403")
    if "{" in path:
        statuses.add("404")
    if "if-match" in _header_parameters(operation):
        statuses |= {"409", "412", "428"}
    return statuses


def test_every_operation_lists_the_problems_its_kind_needs(document: dict[str, Any]) -> None:
    missing = {
        f"{method} {path}": sorted(needed(method, path, operation) - set(operation["responses"]))
        for method, path, operation in operations(document)
    }
    assert not {k: v for k, v in missing.items() if v}, missing
    assert len(missing) > 50


def test_every_error_response_is_a_problem_with_the_shared_schema(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert response["content"] == {
                    "application/problem+json": {"schema": PROBLEM_REF}
                }, (method, path, status)
                assert response["description"], (method, path, status)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert set(problem["properties"]["errors"]["items"]["properties"]) == {
        "field",
        "rule",
        "message",
    }


def test_public_routes_do_not_claim_a_401(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if not operation.get("security"):
            assert "401" not in operation["responses"], (method, path)


def _operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    found = [op for _, _, op in operations(document) if op.get("operationId") == operation_id]
    assert len(found) == 1, operation_id
    return found[0]


@pytest.mark.parametrize(
    ("operation_id", "present", "absent"),
    [
        ("listOrganisations", {"401", "403", "422"}, {"404", "413"}),  # a role guard, a query
        ("getMe", {"401"}, {"400", "403", "404", "422"}),
        ("login", {"400", "413", "415", "422", "429"}, {"401", "404"}),
        ("checkEligibility", {"413", "415", "422", "429"}, {"401"}),  # the pre-check's limit
        ("updateDraft", {"401", "403", "404", "409", "412", "413", "415", "422", "428"}, {"429"}),
        ("submitApplication", {"409", "412", "428", "422"}, set()),
        ("uploadAttachment", {"401", "404", "409", "413", "415", "422"}, set()),
        ("downloadAttachment", {"401", "404", "409"}, {"413", "415"}),
        ("listCalls", set(), {"400", "401", "422"}),  # no input, no token: nothing can go wrong
    ],
)
def test_operations_of_each_kind(
    document: dict[str, Any], operation_id: str, present: set[str], absent: set[str]
) -> None:
    responses = set(_operation(document, operation_id)["responses"])
    assert present <= responses, responses
    assert not (absent & responses), responses


def test_retry_after_and_www_authenticate_are_documented(document: dict[str, Any]) -> None:
    login = _operation(document, "login")["responses"]["429"]
    assert "Retry-After" in login["headers"]
    me = _operation(document, "getMe")["responses"]["401"]
    assert "WWW-Authenticate" in me["headers"]


def test_etag_and_idempotency_headers_where_they_are_sent(document: dict[str, Any]) -> None:
    for operation_id in ("getApplication", "updateDraft", "createApplication"):
        responses = _operation(document, operation_id)["responses"]
        success = next(v for k, v in responses.items() if k.startswith("2"))
        assert "ETag" in success["headers"], operation_id
    download = _operation(document, "downloadAttachment")["responses"]["200"]
    assert "ETag" in download["headers"]
    submit = _operation(document, "submitApplication")
    assert {"if-match", "idempotency-key"} <= _header_parameters(submit)
    assert "Idempotent-Replayed" in submit["responses"]["201"]["headers"]
    assert "if-match" in _header_parameters(_operation(document, "updateDraft"))
    # A list answers without a version: no ETag promised.
    assert "ETag" not in (
        _operation(document, "listAttachments")["responses"]["200"].get("headers") or {}
    )


def test_the_upload_documents_both_forms(document: dict[str, Any]) -> None:
    content = _operation(document, "uploadAttachment")["requestBody"]["content"]
    assert {"application/octet-stream", "multipart/form-data"} <= set(content)
    form = content["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert form["properties"]["file"] == {"type": "string", "format": "binary"}


async def test_the_served_document_is_the_documented_one(client: httpx.AsyncClient) -> None:
    served = (await client.get("/docs/openapi.json")).json()
    assert "Problem" in served["components"]["schemas"]
    assert "428" in served["paths"]["/api/applications/{application_id}"]["patch"]["responses"]


def test_a_route_marked_throttled_documents_429() -> None:
    @post("/throttled", exclude_from_auth=True, opt={THROTTLED: True}, sync_to_thread=False)
    def throttled() -> None:
        return None

    @post("/plain", exclude_from_auth=True, sync_to_thread=False)
    def plain() -> None:
        return None

    app = create_app(make_settings("postgresql://unused@localhost/none"), configure_logs=False)
    app.register(throttled)
    app.register(plain)
    document = app.openapi_schema.to_schema()
    assert "429" in document["paths"]["/throttled"]["post"]["responses"]
    assert "429" not in document["paths"]["/plain"]["post"]["responses"]


def test_bounds_are_numbers_everywhere(document: dict[str, Any]) -> None:
    """Litestar writes a datetime field's bounds as strings, which JSON Schema (and so every
    validator and Schemathesis) refuses; the document keeps them in the description."""
    strings: list[str] = []

    def walk(value: object, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                bound = key in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
                # (Under "properties" these are field names, e.g. LoadSummary.maximum.)
                if (
                    bound
                    and not where.endswith(".properties")
                    and not isinstance(item, int | float)
                ):
                    strings.append(f"{where}.{key}")
                walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}.{index}")

    walk(document, "")
    assert not strings, strings
    starts_at = document["components"]["schemas"]["SessionCreate"]["properties"]["starts_at"]
    assert "2199-12-31" in starts_at["description"]
