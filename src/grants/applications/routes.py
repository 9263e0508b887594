"""HTTP routes of the applications feature: thin, one service call each."""

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from grants.applications import drafts
from grants.applications.schemas import ApplicationCreate, ApplicationPublic, DraftPatch
from grants.core.access import Principal

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=40,
        description='The ETag last read, e.g. "3"; required for changes (428 without).',
    ),
]


def _with_etag(
    application: ApplicationPublic, status_code: int = 200
) -> Response[ApplicationPublic]:
    return Response(
        application, status_code=status_code, headers={"ETag": drafts.etag(application.version)}
    )


class ApplicationController(Controller):
    path = "/api/applications"
    tags = ["applications"]
    security = BEARER

    @post(
        operation_id="createApplication",
        summary="Start a draft application of the user's organisation for a call and line",
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self,
        data: JSONBody[ApplicationCreate],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> Response[ApplicationPublic]:
        created = await drafts.create_application(
            db_session, principal, data, registry=state.guidelines, now=now, request_id=request_id
        )
        return _with_etag(created, HTTP_201_CREATED)

    @get(
        "/{application_id:uuid}",
        operation_id="getApplication",
        summary="An application with its working copy (members; managers once submitted)",
    )
    async def get_one(
        self,
        application_id: FromPath[uuid.UUID],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[ApplicationPublic]:
        found = await drafts.get_application(
            db_session, principal, application_id, registry=state.guidelines
        )
        return _with_etag(found)

    @patch(
        "/{application_id:uuid}",
        operation_id="updateDraft",
        summary="Autosave: replace the fields sent; needs If-Match (412 when stale)",
    )
    async def update(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[DraftPatch],
        state: State,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        if_match: IfMatch = None,
    ) -> Response[ApplicationPublic]:
        updated = await drafts.patch_draft(
            db_session,
            principal,
            application_id,
            data,
            if_match=if_match,
            registry=state.guidelines,
            now=now,
            request_id=request_id,
        )
        return _with_etag(updated)


CONTROLLERS = [ApplicationController]
