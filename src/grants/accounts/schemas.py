"""Request and response shapes of the accounts API (the XCreate / XUpdate / XPublic family).
Table objects are never returned directly."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from grants.accounts.onetime import TOKEN_PATTERN
from grants.core.roles import ApplicantType, OrganisationRole, StaffRole
from grants.http.fields import StrictInput

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
PostalCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
MunicipalityKey = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
Email = Annotated[EmailStr, Field(max_length=254, examples=["anna@kulturwerk.example"])]
Password = Annotated[str, Field(max_length=1024, examples=["lange-und-unvorhersehbar-42"])]
EmailToken = Annotated[
    str,
    Field(
        pattern=TOKEN_PATTERN,
        description="the code from the e-mail link (after #token=)",
        examples=["q3N0bVh6Xk9sZ2lJc1BjR3dQb2FxV0VsS2Rtb0ZvdXM"],
    ),
]


class _Input(StrictInput):
    model_config = ConfigDict(extra="forbid", str_max_length=1024)


class OrganisationBase(_Input):
    legal_name: Annotated[Text, Field(max_length=200, examples=["KulturWerk Schneeberg e.V."])]
    legal_form: Annotated[Text, Field(max_length=100, examples=["eingetragener Verein"])]
    applicant_type: ApplicantType
    street: Annotated[Text, Field(max_length=200, examples=["Markt 1"])]
    postal_code: Annotated[PostalCode, Field(examples=["08289"])]
    city: Annotated[Text, Field(max_length=100, examples=["Schneeberg"])]
    municipality_key: Annotated[
        MunicipalityKey,
        Field(description="Amtlicher Gemeindeschlüssel (AGS), 8 digits", examples=["14521530"]),
    ]


class OrganisationCreate(OrganisationBase):
    pass


class OrganisationUpdate(_Input):
    """The fields to change; the version they were based on goes in ``If-Match`` (the
    ``ETag`` of the last read), not in the body."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"street": "Markt 2"}]})

    legal_name: Annotated[Text, Field(max_length=200)] | None = None
    legal_form: Annotated[Text, Field(max_length=100)] | None = None
    applicant_type: ApplicantType | None = None
    street: Annotated[Text, Field(max_length=200)] | None = None
    postal_code: PostalCode | None = None
    city: Annotated[Text, Field(max_length=100)] | None = None
    municipality_key: MunicipalityKey | None = None

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Every column is required: a field sent as null would clear it; leave it out instead.
        if value is None:
            raise ValueError("darf nicht null sein (must not be null; omit it to keep it)")
        return value


class OrganisationPublic(BaseModel):
    id: uuid.UUID
    customer_number: str
    legal_name: str
    legal_form: str
    applicant_type: ApplicantType
    street: str
    postal_code: str
    city: str
    municipality_key: str
    version: int
    created_at: datetime
    updated_at: datetime


class RegistrationCreate(_Input):
    email: Email
    password: Password
    display_name: Annotated[Text, Field(max_length=120, examples=["Anna Beispiel"])]
    organisation: OrganisationCreate


class AccountRequestAccepted(BaseModel):
    """The one answer to a registration or a password-reset request, whatever the address:
    it must not tell whether an account exists."""

    message: str


class RegistrationConfirm(_Input):
    token: EmailToken


class PasswordResetRequest(_Input):
    email: Email


class PasswordResetConfirm(_Input):
    token: EmailToken
    password: Password


class UserPublic(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    created_at: datetime


class MembershipPublic(BaseModel):
    role: OrganisationRole
    organisation: OrganisationPublic


class RegistrationPublic(BaseModel):
    user: UserPublic
    organisation: OrganisationPublic


class MePublic(BaseModel):
    user: UserPublic
    staff_roles: list[StaffRole]
    memberships: list[MembershipPublic]


class LoginRequest(_Input):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RefreshRequest(_Input):
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires")


class InvitationCreate(_Input):
    email: Email
    role: OrganisationRole = OrganisationRole.MEMBER


class InvitationStatus(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class InvitationPublic(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: OrganisationRole
    status: InvitationStatus
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime


class NewAccount(_Input):
    """The account to create when the invitee has none (the e-mail is the invitation's)."""

    display_name: Annotated[Text, Field(max_length=120, examples=["Bernd Beispiel"])]
    password: Password


class InvitationAccept(_Input):
    """Accept with the token: signed in (bearer token of the invited address) or, without a
    login, with ``account`` to create one."""

    token: EmailToken
    account: NewAccount | None = None


class InvitationAccepted(BaseModel):
    user: UserPublic
    membership: MembershipPublic


class MemberPublic(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: OrganisationRole
    joined_at: datetime


class PortalConsentIn(StrictInput):
    """Give (``true``) or withdraw (``false``) the consent, in the wording of
    ``GET …/portal-delivery-consent``."""

    consented: bool


class PortalConsentPublic(BaseModel):
    """Whether decisions to this organisation are notified by portal retrieval (§ 41 Abs. 2a
    VwVfG). Without the consent they are posted; the portal then holds a copy only."""

    organisation_id: uuid.UUID
    consented: bool
    wording: str = Field(description="The version of the text below that was agreed to")
    text_de: str
    text_en: str
    recorded_by_name: str | None = Field(description="Who gave or withdrew it (None: never)")
    recorded_at: datetime | None
