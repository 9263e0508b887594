"""Query parameters of every listing: a bounded page size and an offset. Routes declare
``limit: Limit = DEFAULT_LIMIT, offset: Offset = 0``."""

from typing import Annotated

from litestar.params import QueryParameter

MAX_PAGE_SIZE = 100
DEFAULT_LIMIT = 20

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="items to skip")]
