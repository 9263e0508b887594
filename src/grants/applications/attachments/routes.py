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

from grants.applications.attachments import service
from grants.applications.attachments.scanner import Scanner
from grants.applications.attachments.schemas import AttachmentPublic
from grants.applications.attachments.storage import Storage
from grants.applications.attachments.upload_forms import FORM_FIELD, upload_body
from grants.context import UserContext
from grants.core.attachments import AttachmentKind
from grants.http.downloads import download_response
from grants.http.guards import BEARER


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
        body, declared_length, declared_type = upload_body(request, max_bytes)
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
