"""HTTP routes of the attachments feature.

Uploads are the raw file as the request body (not multipart), read as a stream: the route
lifts the app-wide body limit and the service enforces ``GRANTS_ATTACHMENT_MAX_BYTES`` while
reading. There is deliberately no ``data`` parameter, so the app's JSON-only check does not
apply here. Storage and scanner are built in ``create_app`` and kept on ``app.state`` (tests may put
their own there).
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
from grants.context import UserContext
from grants.core.attachments import AttachmentKind
from grants.http.downloads import download_response
from grants.http.guards import BEARER


def _content_length(request: Request[Any, Any, Any]) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


@dataclass
class _RawUploadOperation(Operation):
    """Documents the raw file body: the handler reads the stream itself (no ``data``
    parameter, so that nothing is buffered), which Litestar cannot describe on its own."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="The file's bytes; at most GRANTS_ATTACHMENT_MAX_BYTES.",
            content={
                "application/octet-stream": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                ),
                "application/pdf": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                ),
            },
        )


class AttachmentController(Controller):
    path = "/api/applications/{application_id:uuid}/attachments"
    tags = ["attachments"]
    security = BEARER

    @post(
        operation_id="uploadAttachment",
        summary="Upload a file (the raw bytes as the body): PDF, or XLSX for budget and other",
        description=(
            "The type is judged by the content; the name is only a label (sanitised, its "
            "extension set by the content). 413 above the size limit, 415 for other types, "
            "422 for empty files, archive bombs or malware (naming the signature). "
            "scan_status `pending` means quarantined until the malware scan has run."
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
                description="The user's file name; default anhang.pdf / anhang.xlsx.",
            ),
        ] = None,
    ) -> AttachmentPublic:
        return await service.upload_attachment(
            context,
            application_id,
            kind=kind,
            filename=filename,
            body=request.stream(),
            declared_length=_content_length(request),
            max_bytes=state.settings.attachment_max_bytes,
            storage=storage,
            scanner=scanner,
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
        summary="The file's bytes (clean attachments only; 409 while being scanned)",
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
