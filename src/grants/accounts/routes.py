"""HTTP routes of the accounts feature: thin, one service call each."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.openapi.spec import Example
from litestar.params import Body
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts import service
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
from grants.accounts.service import TokenPolicy
from grants.accounts.throttle import ThrottleLimits
from grants.core.access import Principal
from grants.http.dependencies import client_address

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


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
        data: RegistrationCreate,
        db_session: AsyncSession,
        now: datetime,
        request_id: str | None,
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
        data: LoginRequest,
        db_session: AsyncSession,
        now: datetime,
        request_id: str | None,
        token_policy: TokenPolicy,
        throttle_limits: ThrottleLimits,
    ) -> TokenPair:
        return await service.login(
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
        data: RefreshRequest,
        db_session: AsyncSession,
        now: datetime,
        token_policy: TokenPolicy,
    ) -> TokenPair:
        return await service.refresh_tokens(
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
        self, principal: Principal, db_session: AsyncSession, now: datetime, request_id: str | None
    ) -> None:
        await service.logout(db_session, principal, now=now, request_id=request_id)


class MeController(Controller):
    path = "/api/me"
    tags = ["accounts"]

    @get(
        operation_id="getMe",
        summary="The signed-in user, staff roles and organisations",
        security=BEARER,
    )
    async def me(self, principal: Principal, db_session: AsyncSession) -> MePublic:
        return await service.describe_me(db_session, principal)


class OrganisationController(Controller):
    path = "/api/organisations"
    tags = ["accounts"]

    @get(
        "/{organisation_id:uuid}",
        operation_id="getOrganisation",
        summary="An organisation the user belongs to",
        security=BEARER,
    )
    async def get_organisation(
        self, organisation_id: uuid.UUID, principal: Principal, db_session: AsyncSession
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
        organisation_id: uuid.UUID,
        data: Annotated[
            OrganisationUpdate,
            Body(examples=[Example(value={"version": 1, "street": "Markt 2"})]),
        ],
        principal: Principal,
        db_session: AsyncSession,
        now: datetime,
        request_id: str | None,
    ) -> OrganisationPublic:
        return await service.update_organisation(
            db_session, principal, organisation_id, data, now=now, request_id=request_id
        )
