"""HTTP routes listing and searching applications."""

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from grants.applications import listing
from grants.applications.cursor import cursor_key
from grants.context import UserContext
from grants.http.guards import BEARER
from grants.http.params import DEFAULT_LIMIT, Limit, OptionalCallQuery, code_parameter
from grants.settings import Settings

Call = OptionalCallQuery
FundingLine = Annotated[str | None, code_parameter("funding line, e.g. stationary")]
Statuses = Annotated[
    list[str] | None,
    QueryParameter(
        description="status, repeated (status=a&status=b) or as a comma list (status=a,b)",
    ),
]
MunicipalityKey = Annotated[
    str | None, QueryParameter(pattern=r"^[0-9]{8}$", description="AGS, e.g. 14521530")
]
OrganisationId = Annotated[
    uuid.UUID | None, QueryParameter(description="only this organisation's applications")
]
Text = Annotated[
    str | None,
    QueryParameter(
        max_length=listing.MAX_QUERY_CHARS,
        description="full text in German (title, summary, reference number; "
        '"phrases", -exclusions, or) or the start of a reference number',
    ),
]
SortKey = Annotated[
    str | None,
    QueryParameter(
        description="one of " + ", ".join(listing.SORTS) + "; default -updated_at for "
        "applicants, -submitted_at for programme managers; NULLs last, id breaks ties",
    ),
]
Cursor = Annotated[
    str | None,
    QueryParameter(max_length=1024, description="next_cursor of the previous page"),
]


class ApplicationListController(Controller):
    path = "/api/applications"
    tags = ["applications"]
    security = BEARER

    @get(
        operation_id="listApplications",
        summary="Applications the user may see: their organisations' (every state) and, for "
        "programme managers and admins, all but drafts; filtered, sorted, keyset-paged",
    )
    async def list_applications(
        self,
        context: NamedDependency[UserContext],
        settings: NamedDependency[Settings],
        call: Call = None,
        funding_line: FundingLine = None,
        status: Statuses = None,
        municipality_key: MunicipalityKey = None,
        organisation_id: OrganisationId = None,
        q: Text = None,
        sort: SortKey = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> listing.ApplicationList:
        filters = listing.ListFilters(
            call=call,
            funding_line=funding_line,
            statuses=listing.parse_statuses(status),
            municipality_key=municipality_key,
            organisation_id=organisation_id,
            q=q,
        )
        return await listing.list_applications(
            context,
            filters,
            sort=sort,
            limit=limit,
            cursor=cursor,
            cursor_key=cursor_key(settings.secret_key.get_secret_value()),
        )


CONTROLLERS: list[type[Controller]] = [ApplicationListController]
