"""The web side of optimistic concurrency (``core.versions``): the ``If-Match`` header
parameter and responses carrying their object's ``ETag``."""

from typing import Annotated, Protocol, TypeVar

from litestar import Response
from litestar.params import HeaderParameter

from grants.core.versions import etag

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=40,
        description='The ETag last read, e.g. "3"; required for changes (428 without it, '
        "412 when stale).",
    ),
]


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def with_etag(body: V, status_code: int = 200) -> Response[V]:
    return Response(body, status_code=status_code, headers={"ETag": etag(body.version)})
