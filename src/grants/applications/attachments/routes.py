"""HTTP routes of the attachments feature.

An upload is either the raw file as the request body (``curl --data-binary @x.pdf``) or a
``multipart/form-data`` body with one file part named ``file`` (what browsers and ``curl -F``
send). Both are read as a stream, never buffered: the route lifts the app-wide body limit and
the service enforces ``GRANTS_ATTACHMENT_MAX_BYTES`` on the file's bytes while reading; a form
is parsed as it arrives (``FormFile``). There is deliberately no ``data`` parameter, so the
app's JSON-only check does not apply here. Storage and scanner are built in ``create_app`` and
kept on ``app.state`` (tests may put their own there).
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from multipart import (  # type: ignore[import-untyped]  # no stubs; a Litestar dependency
    MultipartError,
    MultipartSegment,
    PushMultipartParser,
    parse_options_header,
)

from grants.applications.attachments import service
from grants.applications.attachments.filetypes import ACCEPTED_FORMS
from grants.applications.attachments.scanner import Scanner
from grants.applications.attachments.schemas import AttachmentPublic
from grants.applications.attachments.storage import Storage
from grants.context import UserContext
from grants.core.attachments import AttachmentKind
from grants.core.errors import FieldProblem, InvalidInput, UnsupportedContent
from grants.http.downloads import download_response
from grants.http.guards import BEARER
from grants.http.problems import UndecodableBody

FORM_FIELD = "file"
# A form's framing around the file (boundaries, part headers) may add this much to the body;
# the file itself is held to the limit exactly.
FORM_OVERHEAD = 64 * 1024


def _content_length(request: Request[Any, Any, Any]) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _no_file_part(found: str | None) -> InvalidInput:
    seen = "keiner" if found is None else f"„{found}“"
    return InvalidInput(
        f"Das Formular braucht die Datei im Feld „{FORM_FIELD}“; gefunden: {seen} "
        f"(the form needs the file in a part named {FORM_FIELD}; found: {found or 'none'}).",
        problems=(
            FieldProblem(
                FORM_FIELD,
                "missing",
                f"Datei im Feld „{FORM_FIELD}“ senden, z. B. curl -F {FORM_FIELD}=@Skizze.pdf "
                f"(send the file as the part {FORM_FIELD})",
            ),
        ),
    )


def _one_file_only(found: str | None) -> InvalidInput:
    return InvalidInput(
        f"Eine Datei je Anfrage: das Formular darf nur das Feld „{FORM_FIELD}“ enthalten "
        f"(one file per request: the form may hold the part {FORM_FIELD} only).",
        problems=(
            FieldProblem(
                found or "body",
                "extra_forbidden",
                "Feld hier nicht erlaubt (only one part, named file)",
            ),
        ),
    )


class FormFile:
    """The file part of a ``multipart/form-data`` body, parsed while it streams in: iterating
    yields the file's bytes, after which ``filename`` and ``declared_type`` hold what the
    part's headers said. Exactly one part, named ``file`` and carrying a file name; anything
    else is 422, a malformed form 400, and more than the limit plus the form's framing 413
    (the service holds the file itself to the limit)."""

    def __init__(self, stream: AsyncIterator[bytes], boundary: str, max_bytes: int) -> None:
        self._stream = stream
        self._max_bytes = max_bytes
        try:
            # Few headers per part and few parts: a form with more is no upload of ours.
            self._parser = PushMultipartParser(boundary, max_header_count=8, max_segment_count=8)
        except MultipartError as exc:
            raise _malformed(exc) from None
        self.filename: str | None = None
        self.declared_type: str | None = None

    async def _events(self) -> AsyncIterator[MultipartSegment | bytes | None]:
        received = 0
        try:
            async for chunk in self._stream:
                received += len(chunk)
                if received > self._max_bytes + FORM_OVERHEAD:
                    raise service.too_large(self._max_bytes)
                for event in self._parser.parse(chunk):
                    yield (
                        event
                        if event is None or isinstance(event, MultipartSegment)
                        else bytes(event)
                    )
            for event in self._parser.parse(b""):  # end of input: an unfinished form is refused
                yield (
                    event if event is None or isinstance(event, MultipartSegment) else bytes(event)
                )
        except MultipartError as exc:
            raise _malformed(exc) from None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        events = self._events()
        first = await anext(events, None)
        if not isinstance(first, MultipartSegment):
            raise _no_file_part(None)
        if first.name != FORM_FIELD or first.filename is None:
            raise _no_file_part(first.name)
        self.filename, self.declared_type = first.filename, first.content_type
        async for event in events:
            if event is None:  # the file part ends
                break
            if isinstance(event, bytes):
                yield event
        async for event in events:
            if isinstance(event, MultipartSegment):
                raise _one_file_only(event.name)


def _malformed(exc: Exception) -> UndecodableBody:
    return UndecodableBody(
        "invalid_multipart",
        f"Das Formular (multipart/form-data) ist fehlerhaft oder unvollständig "
        f"(malformed or incomplete multipart body: {exc}).",
    )


def _upload_body(
    request: Request[Any, Any, Any], max_bytes: int
) -> tuple[AsyncIterator[bytes] | FormFile, int | None, str | None]:
    """What the service reads (the raw body or the form's file part), the declared length to
    hold against the limit, and the declared type; 415 for other multipart types."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    media_type = media_type.lower()
    length = _content_length(request)
    if media_type == "multipart/form-data":
        boundary = options.get("boundary", "")
        if not boundary:
            raise UndecodableBody(
                "invalid_multipart",
                "multipart/form-data ohne boundary im Content-Type "
                "(multipart/form-data without a boundary in its Content-Type).",
            )
        form = FormFile(request.stream(), boundary, max_bytes)
        return form, None if length is None else max(0, length - FORM_OVERHEAD), None
    if media_type.startswith("multipart/"):
        raise UnsupportedContent(
            f"{media_type} wird nicht angenommen; Datei als Anfragekörper oder als "
            f"multipart/form-data mit dem Feld „{FORM_FIELD}“ senden ({media_type} is not "
            f"accepted; send the file as the body, or as multipart/form-data with a part "
            f"named {FORM_FIELD}).",
            extra={"declared": media_type, "accepted_forms": list(ACCEPTED_FORMS)},
        )
    return request.stream(), length, media_type or None


@dataclass
class _RawUploadOperation(Operation):
    """Documents the raw file body: the handler reads the stream itself (no ``data``
    parameter, so that nothing is buffered), which Litestar cannot describe on its own."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(
            required=True,
            description=(
                "The file's bytes (at most GRANTS_ATTACHMENT_MAX_BYTES), either as the body "
                "itself or as the part `file` of a multipart/form-data body (curl -F "
                "file=@Skizze.pdf); the part's file name is used unless `filename` is given."
            ),
            content={
                "application/octet-stream": OpenAPIMediaType(schema=binary),
                "application/pdf": OpenAPIMediaType(schema=binary),
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=[FORM_FIELD],
                        properties={FORM_FIELD: binary},
                    )
                ),
            },
        )


class AttachmentController(Controller):
    path = "/api/applications/{application_id:uuid}/attachments"
    tags = ["attachments"]
    security = BEARER

    @post(
        operation_id="uploadAttachment",
        summary="Upload a file (the body, or a form's part `file`): PDF, or XLSX for budget "
        "and other",
        description=(
            "The type is judged by the content, never by a declared Content-Type; the name is "
            "only a label (sanitised, its extension set by the content). 413 above the size "
            "limit, 415 for other types (naming what was detected, what is allowed and the "
            "accepted forms of the request), 422 for empty files, archive bombs, malware "
            "(naming the signature) or a form without exactly one part `file`. scan_status "
            "`pending` means quarantined until the malware scan has run; `not_scanned` that "
            "this server has no scanner (development only)."
        ),
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,  # enforced by the service against the settings
        operation_class=_RawUploadOperation,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        application_id: FromPath[uuid.UUID],
        kind: Annotated[AttachmentKind, QueryParameter(description="What the file is.")],
        state: State,
        context: NamedDependency[UserContext],
        storage: NamedDependency[Storage],
        scanner: NamedDependency[Scanner],
        filename: Annotated[
            str | None,
            QueryParameter(
                max_length=1000,
                description="The user's file name (default: a form part's file name, else "
                "anhang.pdf / anhang.xlsx).",
            ),
        ] = None,
    ) -> AttachmentPublic:
        max_bytes = state.settings.attachment_max_bytes
        body, declared_length, declared_type = _upload_body(request, max_bytes)
        return await service.upload_attachment(
            context,
            application_id,
            kind=kind,
            filename=filename,
            body=body,
            declared_length=declared_length,
            max_bytes=max_bytes,
            storage=storage,
            scanner=scanner,
            declared_type=declared_type,
        )

    @get(
        operation_id="listAttachments",
        summary="The application's current attachments with their scan status",
    )
    async def list_all(
        self,
        application_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> list[AttachmentPublic]:
        return await service.list_attachments(context, application_id)

    @get(
        "/{attachment_id:uuid}/content",
        operation_id="downloadAttachment",
        summary="The file's bytes (clean or, without a scanner, not_scanned; 409 while being "
        "scanned)",
    )
    async def download(
        self,
        application_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        storage: NamedDependency[Storage],
    ) -> Stream:
        found = await service.open_download(context, application_id, attachment_id, storage=storage)
        return download_response(found.attachment, found.chunks)

    @delete(
        "/{attachment_id:uuid}",
        operation_id="deleteAttachment",
        summary="Remove an attachment from the application (applicants, editable states)",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove(
        self,
        application_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> Response[None]:
        await service.delete_attachment(context, application_id, attachment_id)
        return Response(None, status_code=HTTP_204_NO_CONTENT)


CONTROLLERS: list[type[Controller]] = [AttachmentController]
