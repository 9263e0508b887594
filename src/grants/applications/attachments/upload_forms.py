"""Reading an upload from a request, for the API's route and the portal's upload form alike:
either the raw file as the body, or a ``multipart/form-data`` body with one file part named
``file``, parsed as it streams in (``FormFile``), never buffered. An edge module, like a
route (it speaks the request's headers and body)."""

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from multipart import (  # type: ignore[import-untyped]  # no stubs; a Litestar dependency
    MultipartError,
    MultipartSegment,
    PushMultipartParser,
    parse_options_header,
)

from grants.applications.attachments import service
from grants.applications.attachments.filetypes import ACCEPTED_FORMS
from grants.core.errors import FieldProblem, InvalidInput, UnsupportedContent
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


def upload_body(
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
