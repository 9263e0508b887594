"""The ranking exports' headers: one ``charset`` on the CSV (Litestar appends it to every
text/* type), none on the XLSX, and both as attachments."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.evaluation.scoring_helpers import ranked_call
from tests.fakes import FakeClock


@pytest.fixture
async def call(
    client: httpx.AsyncClient, db_session: AsyncSession, clock: FakeClock
) -> dict[str, Any]:
    return await ranked_call(client, db_session, clock)


async def test_csv_export_names_its_charset_once(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    response = await client.get(
        "/api/evaluation/rankings/export.csv", params={"call": "demo"}, headers=call["manager"]
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="rangliste-demo.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffRang (rank);")
    assert len(text.strip().split("\r\n")) == 5  # header and the four applications


async def test_xlsx_export_has_its_own_media_type(
    client: httpx.AsyncClient, call: dict[str, Any]
) -> None:
    response = await client.get(
        "/api/evaluation/rankings/export.xlsx", params={"call": "demo"}, headers=call["manager"]
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"] == 'attachment; filename="rangliste-demo.xlsx"'
    assert response.content.startswith(b"PK")  # a zip container
