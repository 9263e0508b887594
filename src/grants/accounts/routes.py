"""HTTP routes of the accounts feature: thin, one service call each."""

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)

from grants.accounts import (
    delivery_consent,
    invitations,
    password_reset,
    registration,
    service,
    signin,
)
from grants.accounts.policy import AccountPolicy
from grants.accounts.schemas import (
    AccountRequestAccepted,
    InvitationAccept,
    InvitationAccepted,
    InvitationCreate,
    InvitationPublic,
    LoginRequest,
    MemberPublic,
    MePublic,
    OrganisationPublic,
    OrganisationUpdate,
    PasswordResetConfirm,
    PasswordResetRequest,
    PortalConsentIn,
    PortalConsentPublic,
    RefreshRequest,
    RegistrationConfirm,
    RegistrationCreate,
    RegistrationPublic,
    TokenPair,
)
from grants.accounts.signin import TokenPolicy
from grants.accounts.throttle import ThrottleLimits
from grants.context import Context, UserContext
from grants.core.access import Principal
from grants.db.hot_reads import HotReads
from grants.http.dependencies import client_address
from grants.http.fields import Page
from grants.http.guards import BEARER, MANAGERS, principal_of
from grants.http.openapi_errors import THROTTLED
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
        summary="Register an applicant user with its organisation: 202 and a confirmation "
        "e-mail (the same answer for an address that already has an account)",
        status_code=HTTP_202_ACCEPTED,
        exclude_from_auth=True,
        opt={THROTTLED: True},
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RegistrationCreate],
        anonymous_context: NamedDependency[Context],
        account_policy: NamedDependency[AccountPolicy],
    ) -> AccountRequestAccepted:
        return await registration.request_registration(
            anonymous_context,
            data,
            client_address=client_address(request),
            policy=account_policy,
        )

    @post(
        "/register/confirm",
        operation_id="confirmRegistration",
        summary="Confirm a registration with the token from its e-mail: creates the user, "
        "the organisation and the admin membership",
        status_code=HTTP_201_CREATED,
        exclude_from_auth=True,
    )
    async def confirm_registration(
        self,
        data: JSONBody[RegistrationConfirm],
        anonymous_context: NamedDependency[Context],
    ) -> RegistrationPublic:
        return await registration.confirm_registration(anonymous_context, data.token)

    @post(
        "/password-reset",
        operation_id="requestPasswordReset",
        summary="Ask for a password-reset e-mail (the same answer whether or not the address "
        "has an account)",
        status_code=HTTP_202_ACCEPTED,
        exclude_from_auth=True,
        opt={THROTTLED: True},
    )
    async def request_password_reset(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordResetRequest],
        anonymous_context: NamedDependency[Context],
        account_policy: NamedDependency[AccountPolicy],
    ) -> AccountRequestAccepted:
        return await password_reset.request_password_reset(
            anonymous_context,
            str(data.email),
            client_address=client_address(request),
            policy=account_policy,
        )

    @post(
        "/password-reset/confirm",
        operation_id="confirmPasswordReset",
        summary="Set a new password with the token from the reset e-mail; ends every login "
        "session of the user",
        status_code=HTTP_204_NO_CONTENT,
        exclude_from_auth=True,
    )
    async def confirm_password_reset(
        self,
        data: JSONBody[PasswordResetConfirm],
        anonymous_context: NamedDependency[Context],
        account_policy: NamedDependency[AccountPolicy],
    ) -> None:
        await password_reset.confirm_password_reset(
            anonymous_context, data.token, data.password, policy=account_policy
        )

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
        opt={THROTTLED: True},
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RefreshRequest],
        anonymous_context: NamedDependency[Context],
        token_policy: NamedDependency[TokenPolicy],
        account_policy: NamedDependency[AccountPolicy],
    ) -> TokenPair:
        return await signin.refresh_tokens(
            anonymous_context,
            data.refresh_token,
            policy=token_policy,
            client_address=client_address(request),
            limits=account_policy,
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
    async def me(self, request: Request[Principal, Any, Any]) -> MePublic:
        # The request itself rather than two dependencies: Litestar resolves two or more
        # dependencies of one level in an anyio task group, about 8 % of this route's CPU.
        hot_reads: HotReads = request.app.state.hot_reads
        return await service.describe_me(hot_reads, principal_of(request))


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

    @get(
        "/{organisation_id:uuid}/portal-delivery-consent",
        operation_id="getPortalDeliveryConsent",
        summary="Whether decisions are notified by portal retrieval (§ 41 Abs. 2a VwVfG), with "
        "the text agreed to (members, programme managers)",
        security=BEARER,
    )
    async def get_portal_consent(
        self, organisation_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> PortalConsentPublic:
        return await delivery_consent.get_consent(context, organisation_id)

    @put(
        "/{organisation_id:uuid}/portal-delivery-consent",
        operation_id="setPortalDeliveryConsent",
        summary="Give or withdraw the consent to notification by portal retrieval, for "
        "documents made available later (organisation admins; audited)",
        security=BEARER,
    )
    async def set_portal_consent(
        self,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[PortalConsentIn],
        context: NamedDependency[UserContext],
    ) -> PortalConsentPublic:
        return await delivery_consent.set_consent(context, organisation_id, data.consented)

    @post(
        "/{organisation_id:uuid}/invitations",
        operation_id="inviteMember",
        summary="Invite an e-mail address into the organisation with a role (organisation "
        "admins); replaces an open invitation of the same address",
        status_code=HTTP_201_CREATED,
        security=BEARER,
        opt={THROTTLED: True},
    )
    async def invite(
        self,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationCreate],
        context: NamedDependency[UserContext],
        account_policy: NamedDependency[AccountPolicy],
    ) -> InvitationPublic:
        return await invitations.invite(context, organisation_id, data, policy=account_policy)

    @get(
        "/{organisation_id:uuid}/invitations",
        operation_id="listInvitations",
        summary="Invitations neither accepted nor revoked, newest first (organisation admins)",
        security=BEARER,
    )
    async def list_invitations(
        self,
        organisation_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[InvitationPublic]:
        return await invitations.list_invitations(
            context, organisation_id, limit=limit, offset=offset
        )

    @delete(
        "/{organisation_id:uuid}/invitations/{invitation_id:uuid}",
        operation_id="revokeInvitation",
        summary="Revoke an invitation: its link stops working (organisation admins)",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER,
    )
    async def revoke_invitation(
        self,
        organisation_id: FromPath[uuid.UUID],
        invitation_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> None:
        await invitations.revoke_invitation(context, organisation_id, invitation_id)

    @get(
        "/{organisation_id:uuid}/members",
        operation_id="listMembers",
        summary="The organisation's members and their roles (organisation admins)",
        security=BEARER,
    )
    async def list_members(
        self,
        organisation_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[MemberPublic]:
        return await invitations.list_members(context, organisation_id, limit=limit, offset=offset)

    @delete(
        "/{organisation_id:uuid}/members/{user_id:uuid}",
        operation_id="removeMember",
        summary="Remove a member from the organisation (organisation admins; never the last admin)",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER,
    )
    async def remove_member(
        self,
        organisation_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        context: NamedDependency[UserContext],
    ) -> None:
        await invitations.remove_member(context, organisation_id, user_id)


class InvitationController(Controller):
    path = "/api/invitations"
    tags = ["accounts"]

    @post(
        "/accept",
        operation_id="acceptInvitation",
        summary="Accept an invitation with the token from its e-mail: signed in as the "
        "invited address, or with the data of a new account",
        status_code=HTTP_201_CREATED,
        exclude_from_auth=True,
        # Optional: a bearer token of the invited address, or none.
        security=[*BEARER, {}],
    )
    async def accept(
        self,
        data: JSONBody[InvitationAccept],
        anonymous_context: NamedDependency[Context],
        optional_principal: NamedDependency[Principal | None],
    ) -> InvitationAccepted:
        return await invitations.accept_invitation(
            anonymous_context, data, principal=optional_principal
        )


CONTROLLERS = [AuthController, MeController, OrganisationController, InvitationController]
