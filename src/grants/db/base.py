"""Shared column helpers and the metadata naming convention (stable constraint names keep
Alembic migrations reviewable and drift-free)."""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A ``timestamptz`` column (naive datetimes are never stored). Required ones default to
    now; services pass their own ``now`` so that one action has one timestamp."""
    if nullable:
        return Field(default=None, sa_type=sa.DateTime(timezone=True), nullable=True, index=index)
    return Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False, index=index
    )


def enum_type(enum_cls: type[Enum], length: int = 32) -> sa.Enum:
    """Enums stored as their string value in VARCHAR with a CHECK constraint, not as a native
    PostgreSQL ENUM: adding a value is then a plain migration, not an ALTER TYPE dance."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        name=enum_cls.__name__.lower(),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
