import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.attachments.filetypes import DOCX
from grants.applications.attachments.storage import KEY_PATTERN
from grants.applications.attachments.tables import attachments_table
from grants.db.audit import AuditLog
from tests import attachment_files as files
from tests.api.attachments.conftest import LIMIT
from tests.api.attachments.helpers import applicant_with_draft, stored_files, upload, url

PDF = "application/pdf"


async def test_upload_list_download(client: httpx.AsyncClient, store_root: Path) -> None:
    headers, app_id = await applicant_with_draft(client)
    content = files.pdf()
    response = await upload(client, headers, app_id, content, filename="Projektskizze.pdf")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "concept"
    assert body["filename"] == "Projektskizze.pdf"
    assert body["media_type"] == PDF
    assert body["size_bytes"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["scan_status"] == "not_scanned"  # the test settings have no scanner
    assert body["application_id"] == app_id
    assert {"id", "created_at"} <= body.keys()

    listed = await client.get(url(app_id), headers=headers)
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()] == [body["id"]]

    download = await client.get(url(app_id, body["id"], "content"), headers=headers)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == PDF
    assert download.headers["content-length"] == str(len(content))
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["etag"] == f'"{body["sha256"]}"'
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Projektskizze.pdf\"; filename*=UTF-8''Projektskizze.pdf"
    )
    assert stored_files(store_root) == [store_root / "attachments" / app_id / body["id"]]


async def test_upload_is_audited(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    headers, app_id = await applicant_with_draft(client)
    created = (await upload(client, headers, app_id, files.pdf())).json()
    async with db_session.begin():
        entry = (
            await db_session.execute(
                sa.select(AuditLog).where(AuditLog.object_id == created["id"])  # type: ignore[arg-type]
            )
        ).scalar_one()
    assert entry.action == "attachment_uploaded"
    assert entry.after["sha256"] == created["sha256"]


async def test_xlsx_budget_gets_the_extension_of_its_content(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(
        client, headers, app_id, files.xlsx(), kind="budget", filename="Kostenplan für 2027.pdf"
    )
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == files.XLSX_MEDIA
    assert response.json()["filename"] == "Kostenplan für 2027.xlsx"
    download = await client.get(url(app_id, response.json()["id"], "content"), headers=headers)
    assert download.headers["content-type"] == files.XLSX_MEDIA
    assert download.headers["content-disposition"] == (
        'attachment; filename="Kostenplan fuer 2027.xlsx"; '
        "filename*=UTF-8''Kostenplan%20f%C3%BCr%202027.xlsx"
    )


async def test_content_decides_not_the_content_type_header(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    lying = await upload(client, headers, app_id, files.PNG, content_type=PDF)
    assert lying.status_code == 415
    assert lying.json()["detected"] == "image/png"
    assert lying.json()["allowed"] == [PDF]
    honest_pdf = await upload(client, headers, app_id, files.pdf(), content_type="image/png")
    assert honest_pdf.status_code == 201


@pytest.mark.parametrize(
    ("kind", "content", "detected"),
    [
        ("concept", files.xlsx(), "application/zip"),
        ("support_letter", files.xlsx(), "application/zip"),
        ("budget", files.docx(), DOCX),
        ("other", files.PNG, "image/png"),
    ],
)
async def test_wrong_types_are_415_naming_detected_and_allowed(
    client: httpx.AsyncClient, kind: str, content: bytes, detected: str
) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, content, kind=kind)
    assert response.status_code == 415
    problem = response.json()
    assert problem["type"] == "urn:grants:problem:unsupported-content"
    assert problem["detected"] == detected
    assert PDF in problem["allowed"]
    assert (files.XLSX_MEDIA in problem["allowed"]) is (kind in {"budget", "other"})


async def test_empty_file_is_422(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, b"")
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "empty"


async def test_truncated_pdf_is_refused(client: httpx.AsyncClient, store_root: Path) -> None:
    headers, app_id = await applicant_with_draft(client)
    whole = files.pdf(padding=4000)
    response = await upload(client, headers, app_id, whole[:3000])
    assert response.status_code == 415
    assert "truncated" in response.json()["detail"]
    assert stored_files(store_root) == []


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (files.xlsx_with_entries(10_000), "too_many_entries"),
        (files.xlsx_bomb(), "compression_ratio"),
        (files.xlsx_with_name("../../../etc/cron.d/x"), "unsafe_entry_name"),
        (files.xlsx_with_name("/etc/passwd"), "unsafe_entry_name"),
    ],
)
async def test_dangerous_spreadsheets_are_422(
    client: httpx.AsyncClient, store_root: Path, content: bytes, rule: str
) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, content, kind="budget")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["rule"] == rule
    assert stored_files(store_root) == []


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\boot.ini", "boot.pdf"),
        ("evil\x00.pdf", "evil.pdf"),
        ("%2e%2e%2f%2e%2e%2fetc%2fpasswd", "2e_2e_2f_2e_2e_2fetc_2fpasswd.pdf"),
        ("../../../../tmp/x.pdf\\..\\..\\y", "y.pdf"),
        (None, "anhang.pdf"),
        ("", "anhang.pdf"),
    ],
)
async def test_hostile_names_end_up_harmless(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    store_root: Path,
    tmp_path: Path,
    filename: str | None,
    expected: str,
) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, files.pdf(), filename=filename)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == expected
    attachment_id = response.json()["id"]
    async with db_session.begin():
        key = (
            await db_session.execute(
                sa.select(attachments_table.c.storage_key).where(
                    attachments_table.c.id == uuid.UUID(attachment_id)
                )
            )
        ).scalar_one()
    assert KEY_PATTERN.fullmatch(key)
    assert key == f"attachments/{app_id}/{attachment_id}"
    # Exactly one file was written anywhere under the test's directory: the stored one.
    assert stored_files(tmp_path) == [store_root / key]
    download = await client.get(url(app_id, attachment_id, "content"), headers=headers)
    assert f'filename="{expected}"' in download.headers["content-disposition"]


async def test_unknown_kind_is_422_naming_kind(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, files.pdf(), kind="virus")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "query.kind"


async def test_missing_kind_is_400_naming_kind(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await client.post(url(app_id), content=files.pdf(), headers=headers)
    assert response.status_code == 400, response.text
    assert "'kind'" in response.json()["detail"]


async def test_overlong_filename_is_refused_not_500(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, files.pdf(), filename="a" * 5000)
    assert response.status_code in {400, 422}


async def test_too_large_is_413_naming_the_limit_and_stores_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, store_root: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    content = files.pdf(padding=LIMIT)
    response = await upload(client, headers, app_id, content)
    assert response.status_code == 413
    assert response.json()["limit_bytes"] == LIMIT
    assert stored_files(store_root) == []
    async with db_session.begin():
        count = (
            await db_session.execute(sa.select(sa.func.count()).select_from(attachments_table))
        ).scalar_one()
    assert count == 0


async def test_exactly_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    padding = LIMIT - len(files.pdf())
    while len(content := files.pdf(padding=padding)) > LIMIT:
        padding -= 1
    assert len(content) == LIMIT
    response = await upload(client, headers, app_id, content)
    assert response.status_code == 201, response.text


class CountingBody:
    """A chunked request body that counts how much of it the server pulled."""

    def __init__(self, chunks: int, size: int = 256 * 1024) -> None:
        self.chunks, self.size, self.pulled = chunks, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index in range(self.chunks):
            self.pulled += 1
            yield (b"%PDF-1.7\n" if index == 0 else b"") + b"x" * self.size


async def test_a_streamed_body_stops_being_read_past_the_limit(
    client: httpx.AsyncClient, store_root: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    body = CountingBody(chunks=100)  # 25 MiB, sent without Content-Length
    response = await upload(client, headers, app_id, body)
    assert response.status_code == 413
    assert response.json()["limit_bytes"] == LIMIT
    # One chunk past the limit (the first carries 9 extra bytes), then no more.
    assert (body.pulled - 1) * body.size + 9 <= LIMIT < body.pulled * body.size + 9
    assert stored_files(store_root) == []


async def test_a_declared_length_above_the_limit_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    headers, app_id = await applicant_with_draft(client)
    body = CountingBody(chunks=100)
    response = await upload(
        client, headers, app_id, body, extra_headers={"Content-Length": str(100 * body.size)}
    )
    assert response.status_code == 413
    assert body.pulled == 0


async def test_bodies_above_the_apps_json_limit_are_fine_here(client: httpx.AsyncClient) -> None:
    """The app refuses bodies above 1 MiB; attachments have their own, larger limit."""
    headers, app_id = await applicant_with_draft(client)
    content = files.pdf(padding=3 * 1024 * 1024)
    response = await upload(client, headers, app_id, content)
    assert response.status_code == 201, response.text
    assert response.json()["size_bytes"] == len(content)
