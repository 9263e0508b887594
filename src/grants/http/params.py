"""Query parameters shared by several routes: codes (of calls, lines, guidelines) with the one
pattern the guideline loader enforces, and the bounded page of offset listings."""

from typing import Annotated, Any

from litestar.params import QueryParameter

from grants.core.guideline import CODE_MAX_LENGTH, CODE_PATTERN

MAX_PAGE_SIZE = 100
DEFAULT_LIMIT = 20

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="items to skip")]


def code_parameter(description: str | None = None) -> Any:
    """A query parameter holding a code; ``description`` says which (shown in the API docs)."""
    return QueryParameter(max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN, description=description)


CodeQuery = Annotated[
    str, QueryParameter(min_length=1, max_length=CODE_MAX_LENGTH, pattern=CODE_PATTERN)
]
CallQuery = Annotated[str, code_parameter("call code, e.g. demo")]
OptionalCallQuery = Annotated[str | None, code_parameter("call code, e.g. demo")]
