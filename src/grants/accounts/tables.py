"""Tables of the accounts feature: organisations, users, memberships, staff roles, sessions
and the login-failure counters."""

import uuid
from datetime import datetime

import sqlalchemy as sa
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
    """Fixed-window failure counters keyed by ``account|address`` and ``address``. Kept in
    PostgreSQL so that every app instance sees the same counts."""

    __tablename__ = "login_failure_counters"

    key: str = Field(primary_key=True, max_length=400)
    window_started_at: datetime = timestamp_field()
    failures: int = Field(default=0)


# SQLAlchemy Core handles of the tables, for the services' set-based statements (one place,
# so the type-ignore for SQLModel's untyped ``__table__`` lives here only).
users_table: sa.Table = User.__table__  # type: ignore[attr-defined]
organisations_table: sa.Table = Organisation.__table__  # type: ignore[attr-defined]
memberships_table: sa.Table = Membership.__table__  # type: ignore[attr-defined]
staff_roles_table: sa.Table = StaffRoleGrant.__table__  # type: ignore[attr-defined]
auth_sessions_table: sa.Table = AuthSession.__table__  # type: ignore[attr-defined]
login_failures_table: sa.Table = LoginFailureCounter.__table__  # type: ignore[attr-defined]
