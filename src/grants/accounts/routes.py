"""HTTP routes of the accounts feature: thin, one service call each."""

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from grants.accounts import service, signin
from grants.accounts.schemas import (
    LoginRequest,
    MePublic,
    OrganisationPublic,
    OrganisationUpdate,
    RefreshRequest,
    RegistrationCreate,
    RegistrationPublic,
    TokenPair,
)
from grants.accounts.signin import TokenPolicy
from grants.accounts.throttle import ThrottleLimits
from grants.context import Context, UserContext
from grants.http.dependencies import client_address
from grants.http.fields import Page
from grants.http.guards import BEARER, MANAGERS
from grants.http.params import DEFAULT_LIMIT, Limit, Offset
from grants.http.versioning import IfMatch, with_etag

# Responses carrying tokens must not be stored by any cache (RFC 6749 §5.1); Pragma for
# HTTP/1.0 caches.
NO_STORE = CacheControlHeader(no_store=True)
NO_CACHE_PRAGMA = [ResponseHeader(name="Pragma", value="no-cache", description="HTTP/1.0 caches")]


class AuthController(Controller):
    path = "/api/auth"
    tags = ["accounts"]

    @post(
        "/register",
        operation_id="registerApplicant",
        summary="Register an applicant user together with its organisation",
        status_code=HTTP_201_CREATED,
        exclude_from_auth=True,
    )
    async def register(
        self,
        data: JSONBody[RegistrationCreate],
        anonymous_context: NamedDependency[Context],
    ) -> RegistrationPublic:
        return await service.register_applicant(anonymous_context, data)

    @post(
        "/login",
        operation_id="login",
        summary="Exchange e-mail and password for an access and a refresh token",
        status_code=HTTP_200_OK,
        exclude_from_auth=True,
        cache_control=NO_STORE,
        response_headers=NO_CACHE_PRAGMA,
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        anonymous_context: NamedDependency[Context],
        token_policy: NamedDependency[TokenPolicy],
        throttle_limits: NamedDependency[ThrottleLimits],
    ) -> TokenPair:
        return await signin.login(
            anonymous_context,
            email=data.email,
            password=data.password,
            client_address=client_address(request),
            policy=token_policy,
            limits=throttle_limits,
        )

    @post(
        "/refresh",
        operation_id="refreshTokens",
        summary="Rotate the refresh token and get a new access token",
        status_code=HTTP_200_OK,
        exclude_from_auth=True,
        cache_control=NO_STORE,
        response_headers=NO_CACHE_PRAGMA,
    )
    async def refresh(
        self,
        data: JSONBody[RefreshRequest],
        anonymous_context: NamedDependency[Context],
        token_policy: NamedDependency[TokenPolicy],
    ) -> TokenPair:
        return await signin.refresh_tokens(
            anonymous_context, data.refresh_token, policy=token_policy
        )

    @post(
        "/logout",
        operation_id="logout",
        summary="End this login: the access and refresh tokens stop working at once",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER,
    )
    async def logout(
        self,
        context: NamedDependency[UserContext],
    ) -> None:
        await signin.logout(context)


class MeController(Controller):
    path = "/api/me"
    tags = ["accounts"]

    @get(
        operation_id="getMe",
        summary="The signed-in user, staff roles and organisations",
        security=BEARER,
    )
    async def me(self, context: NamedDependency[UserContext]) -> MePublic:
        return await service.describe_me(context)


class OrganisationController(Controller):
    path = "/api/organisations"
    tags = ["accounts"]

    @get(
        operation_id="listOrganisations",
        summary="All registered organisations (programme managers and admins)",
        security=BEARER,
        guards=[MANAGERS],
    )
    async def list_organisations(
        self,
        context: NamedDependency[UserContext],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[OrganisationPublic]:
        return await service.list_organisations(context, limit=limit, offset=offset)

    @get(
        "/{organisation_id:uuid}",
        operation_id="getOrganisation",
        summary="An organisation the user belongs to (with its ETag)",
        security=BEARER,
    )
    async def get_organisation(
        self,
        organisation_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> Response[OrganisationPublic]:
        found = await service.get_organisation(context, organisation_id)
        return with_etag(found)

    @patch(
        "/{organisation_id:uuid}",
        operation_id="updateOrganisation",
        summary="Change organisation master data (organisation admins); needs If-Match "
        "(412 when stale)",
        security=BEARER,
    )
    async def update_organisation(
        self,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[OrganisationUpdate],
        context: NamedDependency[UserContext],
        if_match: IfMatch = None,
    ) -> Response[OrganisationPublic]:
        updated = await service.update_organisation(
            context, organisation_id, data, if_match=if_match
        )
        return with_etag(updated)
