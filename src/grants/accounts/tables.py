"""Tables of the accounts feature: organisations, users, memberships, staff roles, sessions,
the throttle counters, and the single-use e-mail tokens (registration confirmations,
password resets, invitations). A token is stored only as its SHA-256 (``token_hash``): a
copy of the database opens no account."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.core.roles import ApplicantType, OrganisationRole, StaffRole
from grants.db.base import enum_type, timestamp_field

customer_number_seq = sa.Sequence("customer_number_seq", start=100001, metadata=SQLModel.metadata)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint("municipality_key ~ '^[0-9]{8}$'", name="municipality_key_ags"),
        sa.CheckConstraint("postal_code ~ '^[0-9]{5}$'", name="postal_code_de"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Kundennummer: SAB-style customer number, assigned from a sequence on registration.
    customer_number: str = Field(max_length=16, unique=True)
    legal_name: str = Field(max_length=200)
    legal_form: str = Field(max_length=100)
    applicant_type: ApplicantType = Field(sa_type=enum_type(ApplicantType))
    street: str = Field(max_length=200)
    postal_code: str = Field(max_length=5)
    city: str = Field(max_length=100)
    # Amtlicher Gemeindeschlüssel (8 digits; Saxony's start with 14).
    municipality_key: str = Field(max_length=8, index=True)
    version: int = Field(default=1)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        sa.UniqueConstraint("oidc_issuer", "oidc_subject"),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    # Argon2id PHC string; NULL for users who sign in only through the OIDC provider.
    password_hash: str | None = Field(default=None, max_length=255)
    display_name: str = Field(max_length=120)
    oidc_issuer: str | None = Field(default=None, max_length=255)
    oidc_subject: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    organisation_id: uuid.UUID = Field(
        foreign_key="organisations.id", primary_key=True, ondelete="CASCADE", index=True
    )
    role: OrganisationRole = Field(sa_type=enum_type(OrganisationRole))
    created_at: datetime = timestamp_field()


class StaffRoleGrant(SQLModel, table=True):
    __tablename__ = "staff_roles"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    role: StaffRole = Field(sa_type=enum_type(StaffRole), primary_key=True)
    granted_at: datetime = timestamp_field()
    granted_by: str = Field(max_length=254)


class AuthSession(SQLModel, table=True):
    """One login. Access tokens carry its id (``sid``), so logout revokes them at once; the
    refresh token is rotated on every use and a replayed one revokes the whole session."""

    __tablename__ = "auth_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    refresh_jti: uuid.UUID = Field(default_factory=uuid.uuid4)
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
    client_address: str | None = Field(default=None, max_length=64)


class LoginFailureCounter(SQLModel, table=True):
    """Fixed-window counters of the throttles (``accounts/throttle.py``): login failures keyed
    by ``account|address`` and ``address``, and, under their own key prefixes, registration
    and password-reset requests, mails per recipient and token refreshes (``failures`` then
    counts attempts). Kept in PostgreSQL so that every app instance sees the same counts."""

    __tablename__ = "login_failure_counters"

    key: str = Field(primary_key=True, max_length=400)
    window_started_at: datetime = timestamp_field()
    failures: int = Field(default=0)


class PendingRegistration(SQLModel, table=True):
    """A registration waiting for its e-mail confirmation. The user, the organisation and the
    membership are written only when the link is used (all or nothing); until then nothing
    here is an account, and nothing says whether the address has one. Deleted on use."""

    __tablename__ = "pending_registrations"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254, index=True)
    password_hash: str = Field(max_length=255)
    display_name: str = Field(max_length=120)
    # The organisation as registered (``OrganisationCreate``), inserted on confirmation.
    organisation: Any = Field(sa_type=JSONB)
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field(index=True)


class PasswordResetToken(SQLModel, table=True):
    """A password-reset link: single use (``used_at``), short-lived (``expires_at``). Using
    one, or any reset, marks the user's other open links used as well."""

    __tablename__ = "password_reset_tokens"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)


class Invitation(SQLModel, table=True):
    """An organisation admin's invitation of an e-mail address, with the role it grants.
    Open while neither accepted nor revoked (and not expired); one open invitation per
    organisation and address."""

    __tablename__ = "invitations"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
        sa.Index(
            "uq_invitations_open",
            "organisation_id",
            "email",
            unique=True,
            postgresql_where=sa.text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(
        foreign_key="organisations.id", index=True, ondelete="CASCADE"
    )
    email: str = Field(max_length=254)
    role: OrganisationRole = Field(sa_type=enum_type(OrganisationRole))
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    accepted_at: datetime | None = timestamp_field(nullable=True)
    accepted_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    revoked_at: datetime | None = timestamp_field(nullable=True)
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class PortalDeliveryConsent(SQLModel, table=True):
    """An organisation's consent to the notification of decisions by portal retrieval
    (§ 41 Abs. 2a VwVfG), or its withdrawal: append-only (trigger), the newest row is in
    force. ``wording`` names the text the person agreed to."""

    __tablename__ = "portal_delivery_consents"
    __table_args__ = (sa.Index("ix_portal_delivery_consents_org", "organisation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    consented: bool
    wording: str = Field(max_length=40)
    recorded_by: uuid.UUID = Field(foreign_key="users.id")
    recorded_at: datetime = timestamp_field()


# SQLAlchemy Core handles of the tables, for the services' set-based statements (one place,
# so the type-ignore for SQLModel's untyped ``__table__`` lives here only).
users_table: sa.Table = User.__table__  # type: ignore[attr-defined]
organisations_table: sa.Table = Organisation.__table__  # type: ignore[attr-defined]
memberships_table: sa.Table = Membership.__table__  # type: ignore[attr-defined]
staff_roles_table: sa.Table = StaffRoleGrant.__table__  # type: ignore[attr-defined]
auth_sessions_table: sa.Table = AuthSession.__table__  # type: ignore[attr-defined]
login_failures_table: sa.Table = LoginFailureCounter.__table__  # type: ignore[attr-defined]
pending_registrations_table: sa.Table = PendingRegistration.__table__  # type: ignore[attr-defined]
password_resets_table: sa.Table = PasswordResetToken.__table__  # type: ignore[attr-defined]
invitations_table: sa.Table = Invitation.__table__  # type: ignore[attr-defined]
portal_consents_table: sa.Table = PortalDeliveryConsent.__table__  # type: ignore[attr-defined]
