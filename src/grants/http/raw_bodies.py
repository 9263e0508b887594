"""OpenAPI for handlers that read the raw request body (Litestar's reserved ``body: bytes``
kwarg, which documents nothing by itself): the operation names the media types it takes,
so the API's documentation and the schema fuzzer see the request body."""

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType


@dataclass
class ImageBody(Operation):
    """A PNG or JPEG image as the whole body."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        )
        self.request_body = RequestBody(
            content={"image/png": binary, "image/jpeg": binary},
            required=True,
            description="Das Bild selbst (the image itself), PNG oder JPEG",
        )
