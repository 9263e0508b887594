"""HTTP routes of the consent to an early start: recorded by programme managers, read by the
applicant's organisation and managers."""

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from grants.applications.early_start import service
from grants.applications.early_start.schemas import (
    EarlyStartConsentCreate,
    EarlyStartConsentPublic,
    EarlyStartRevocationCreate,
)
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS


class EarlyStartConsentController(Controller):
    path = "/api/applications/{application_id:uuid}/early-start-consent"
    tags = ["applications"]
    security = BEARER

    @get(
        operation_id="getEarlyStartConsent",
        summary="The consent to an early start (vorzeitiger Maßnahmebeginn): in force?, history",
    )
    async def get_consent(
        self, application_id: FromPath[uuid.UUID], context: NamedDependency[UserContext]
    ) -> EarlyStartConsentPublic:
        return await service.get_consent(context, application_id)

    @post(
        operation_id="recordEarlyStartConsent",
        summary="Record the authority's consent letter (date, Aktenzeichen, scope); a later "
        "act replaces the one in force and needs a reason (managers)",
        guards=[MANAGERS],
        status_code=HTTP_201_CREATED,
    )
    async def record(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[EarlyStartConsentCreate],
        context: NamedDependency[UserContext],
    ) -> EarlyStartConsentPublic:
        return await service.record_consent(context, application_id, data)

    @post(
        "/revocation",
        operation_id="revokeEarlyStartConsent",
        summary="Revoke the consent in force by a letter with a reason (managers)",
        guards=[MANAGERS],
        status_code=HTTP_201_CREATED,
    )
    async def revoke(
        self,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[EarlyStartRevocationCreate],
        context: NamedDependency[UserContext],
    ) -> EarlyStartConsentPublic:
        return await service.revoke_consent(context, application_id, data)


CONTROLLERS: list[type[Controller]] = [EarlyStartConsentController]
