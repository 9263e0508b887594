"""Uploads as browsers and ``curl -F`` send them: multipart/form-data with one part ``file``,
parsed while it streams in and held to the same rules as the raw body."""

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications.attachments.tables import attachments_table
from tests import attachment_files as files
from tests.api.attachments.conftest import LIMIT
from tests.api.attachments.helpers import (
    applicant_with_draft,
    stored_files,
    upload,
    upload_form,
    url,
)

PDF = "application/pdf"
BOUNDARY = "----grantsTestBoundary7MA4YWxkTrZu0gW"


def form_body(*parts: tuple[str, str | None, str | None, bytes], closed: bool = True) -> bytes:
    """A multipart/form-data body written by hand: (name, filename, content type, bytes)."""
    out = b""
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    if closed:
        out += f"--{BOUNDARY}--\r\n".encode()
    return out


FORM = f"multipart/form-data; boundary={BOUNDARY}"


async def _count(db_session: AsyncSession) -> int:
    async with db_session.begin():
        return (
            await db_session.execute(sa.select(sa.func.count()).select_from(attachments_table))
        ).scalar_one()


async def test_curl_f_upload_is_stored_like_a_raw_one(
    client: httpx.AsyncClient, store_root: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    content = files.pdf()
    response = await upload_form(
        client, headers, app_id, {"file": ("Projektskizze Werkstatt.pdf", content, PDF)}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["filename"] == "Projektskizze Werkstatt.pdf"  # the part's file name
    assert (body["media_type"], body["size_bytes"]) == (PDF, len(content))
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    download = await client.get(url(app_id, body["id"], "content"), headers=headers)
    assert download.content == content  # not a byte of the form's framing
    assert stored_files(store_root) == [store_root / "attachments" / app_id / body["id"]]


async def test_the_query_filename_wins_and_names_are_sanitised(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    named = await upload_form(
        client, headers, app_id, {"file": ("scan0001.pdf", files.pdf(), PDF)}, filename="Konzept"
    )
    assert named.json()["filename"] == "Konzept.pdf"
    hostile = await upload_form(
        client, headers, app_id, {"file": ("../../etc/passwd", files.pdf(), PDF)}
    )
    assert hostile.json()["filename"] == "passwd.pdf"
    budget = await upload_form(
        client,
        headers,
        app_id,
        {"file": ("Kosten.pdf", files.xlsx(), "application/octet-stream")},
        kind="budget",
    )
    assert (budget.json()["filename"], budget.json()["media_type"]) == (
        "Kosten.xlsx",
        files.XLSX_MEDIA,
    )


async def test_the_declared_type_decides_nothing_and_is_named_when_refused(
    client: httpx.AsyncClient, store_root: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    honest = await upload_form(
        client, headers, app_id, {"file": ("a.pdf", files.pdf(), "image/png")}
    )
    assert honest.status_code == 201, honest.text
    lying = await upload_form(client, headers, app_id, {"file": ("a.pdf", files.PNG, PDF)})
    assert lying.status_code == 415, lying.text
    problem = lying.json()
    assert (problem["detected"], problem["declared"], problem["allowed"]) == (
        "image/png",
        PDF,
        [PDF],
    )
    assert any("multipart/form-data" in form for form in problem["accepted_forms"])
    assert len(stored_files(store_root)) == 1


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ((("upload", "a.pdf", PDF, b"%PDF-1.7\n%%EOF"),), "file"),  # wrong part name
        ((("file", None, None, b"%PDF-1.7\n%%EOF"),), "file"),  # a text field, no file
        ((), "file"),  # no part at all
    ],
)
async def test_a_form_without_the_file_part_is_422_naming_file(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    parts: tuple[tuple[str, str | None, str | None, bytes], ...],
    field: str,
) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(
        client, headers, app_id, form_body(*parts), content_type=FORM, filename=None
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert "„file“" in response.json()["detail"]
    assert await _count(db_session) == 0


async def test_one_file_per_request(
    client: httpx.AsyncClient, db_session: AsyncSession, store_root: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    body = form_body(("file", "a.pdf", PDF, files.pdf()), ("second", "b.pdf", PDF, files.pdf()))
    response = await upload(client, headers, app_id, body, content_type=FORM, filename=None)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0] == {
        "field": "second",
        "rule": "extra_forbidden",
        "message": response.json()["errors"][0]["message"],
    }
    assert (await _count(db_session), stored_files(store_root)) == (0, [])


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, form_body(("file", "a.pdf", PDF, files.pdf()), closed=False)),  # cut off
        (FORM, b"not a form at all"),
        ("multipart/form-data", form_body(("file", "a.pdf", PDF, files.pdf()))),  # no boundary
    ],
)
async def test_a_malformed_form_is_400(
    client: httpx.AsyncClient, store_root: Path, content_type: str, body: bytes
) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(client, headers, app_id, body, content_type=content_type)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["rule"] == "invalid_multipart"
    assert stored_files(store_root) == []


async def test_other_multipart_types_are_415_naming_the_accepted_forms(
    client: httpx.AsyncClient,
) -> None:
    headers, app_id = await applicant_with_draft(client)
    response = await upload(
        client,
        headers,
        app_id,
        form_body(("file", "a.pdf", PDF, files.pdf())),
        content_type=f"multipart/mixed; boundary={BOUNDARY}",
    )
    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["declared"] == "multipart/mixed"
    assert len(problem["accepted_forms"]) == 2
    assert "multipart/form-data" in problem["detail"] and "Anfragekörper" in problem["detail"]


async def test_a_form_sent_as_the_raw_body_is_refused_with_a_hint(
    client: httpx.AsyncClient,
) -> None:
    """The old complaint: a form arriving without its Content-Type (a proxy, a script) was a
    415 'the content is application/octet-stream' without a word of why."""
    headers, app_id = await applicant_with_draft(client)
    body = form_body(("file", "a.pdf", PDF, files.pdf()))
    response = await upload(client, headers, app_id, body, content_type="application/octet-stream")
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]
    assert "boundary" in response.json()["detail"]


async def test_the_file_in_a_form_may_be_exactly_the_limit(client: httpx.AsyncClient) -> None:
    headers, app_id = await applicant_with_draft(client)
    padding = LIMIT - len(files.pdf())
    while len(content := files.pdf(padding=padding)) > LIMIT:
        padding -= 1
    assert len(content) == LIMIT
    response = await upload_form(client, headers, app_id, {"file": ("big.pdf", content, PDF)})
    assert response.status_code == 201, response.text
    assert response.json()["size_bytes"] == LIMIT


async def test_a_file_past_the_limit_in_a_form_is_413(
    client: httpx.AsyncClient, db_session: AsyncSession, store_root: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    content = files.pdf(padding=LIMIT)
    response = await upload_form(client, headers, app_id, {"file": ("big.pdf", content, PDF)})
    assert response.status_code == 413, response.text
    assert response.json()["limit_bytes"] == LIMIT
    assert (await _count(db_session), stored_files(store_root)) == (0, [])


class CountingForm:
    """A form whose file part never ends, sent in chunks; counts how many the server pulled."""

    def __init__(self, chunks: int, size: int = 256 * 1024) -> None:
        self.chunks, self.size, self.pulled = chunks, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head = form_body(("file", "x.pdf", PDF, b""), closed=False).removesuffix(b"\r\n")
        for index in range(self.chunks):
            self.pulled += 1
            yield (head + b"%PDF-1.7\n" if index == 0 else b"") + b"x" * self.size


async def test_a_streamed_form_stops_being_read_past_the_limit(
    client: httpx.AsyncClient, store_root: Path
) -> None:
    headers, app_id = await applicant_with_draft(client)
    body = CountingForm(chunks=100)  # 25 MiB, no Content-Length
    response = await upload(client, headers, app_id, body, content_type=FORM)
    assert response.status_code == 413
    assert response.json()["limit_bytes"] == LIMIT
    # The file's bytes passed the limit in the chunk that was pulled last.
    assert (body.pulled - 1) * body.size <= LIMIT < body.pulled * body.size + body.size
    assert body.pulled < body.chunks
    assert stored_files(store_root) == []


async def test_a_form_declaring_more_than_the_limit_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    headers, app_id = await applicant_with_draft(client)
    body = CountingForm(chunks=100)
    response = await upload(
        client,
        headers,
        app_id,
        body,
        content_type=FORM,
        extra_headers={"Content-Length": str(100 * body.size)},
    )
    assert response.status_code == 413
    assert body.pulled == 0


async def test_a_stranger_gets_404_before_the_form_is_read(client: httpx.AsyncClient) -> None:
    _, app_id = await applicant_with_draft(client)
    stranger, _ = await applicant_with_draft(client)
    body = CountingForm(chunks=4)
    response = await upload(client, stranger, app_id, body, content_type=FORM)
    assert response.status_code == 404
    assert body.pulled == 0
