"""HTTP routes of the accounts feature: thin, one service call each."""

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

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
from grants.core.access import Principal
from grants.http.dependencies import client_address
from grants.http.fields import Page
from grants.http.guards import BEARER, MANAGERS
from grants.http.params import DEFAULT_LIMIT, Limit, Offset


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
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> RegistrationPublic:
        return await service.register_applicant(db_session, data, now=now, request_id=request_id)

    @post(
        "/login",
        operation_id="login",
        summary="Exchange e-mail and password for an access and a refresh token",
        status_code=HTTP_200_OK,
        exclude_from_auth=True,
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
        token_policy: NamedDependency[TokenPolicy],
        throttle_limits: NamedDependency[ThrottleLimits],
    ) -> TokenPair:
        return await signin.login(
            db_session,
            email=data.email,
            password=data.password,
            client_address=client_address(request),
            policy=token_policy,
            limits=throttle_limits,
            now=now,
            request_id=request_id,
        )

    @post(
        "/refresh",
        operation_id="refreshTokens",
        summary="Rotate the refresh token and get a new access token",
        status_code=HTTP_200_OK,
        exclude_from_auth=True,
    )
    async def refresh(
        self,
        data: JSONBody[RefreshRequest],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        token_policy: NamedDependency[TokenPolicy],
    ) -> TokenPair:
        return await signin.refresh_tokens(
            db_session, data.refresh_token, policy=token_policy, now=now
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
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> None:
        await signin.logout(db_session, principal, now=now, request_id=request_id)


class MeController(Controller):
    path = "/api/me"
    tags = ["accounts"]

    @get(
        operation_id="getMe",
        summary="The signed-in user, staff roles and organisations",
        security=BEARER,
    )
    async def me(
        self, principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
    ) -> MePublic:
        return await service.describe_me(db_session, principal)


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
        db_session: NamedDependency[AsyncSession],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[OrganisationPublic]:
        return await service.list_organisations(db_session, limit=limit, offset=offset)

    @get(
        "/{organisation_id:uuid}",
        operation_id="getOrganisation",
        summary="An organisation the user belongs to",
        security=BEARER,
    )
    async def get_organisation(
        self,
        organisation_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> OrganisationPublic:
        return await service.get_organisation(db_session, principal, organisation_id)

    @patch(
        "/{organisation_id:uuid}",
        operation_id="updateOrganisation",
        summary="Change organisation master data (organisation admins; optimistic concurrency)",
        security=BEARER,
    )
    async def update_organisation(
        self,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[OrganisationUpdate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
        request_id: NamedDependency[str | None],
    ) -> OrganisationPublic:
        return await service.update_organisation(
            db_session, principal, organisation_id, data, now=now, request_id=request_id
        )
