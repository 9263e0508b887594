"""The portal's per-programme texts: Impressum, Datenschutzerklärung and Erklärung zur
Barrierefreiheit, set and changed by a programme manager with a reason (audited)."""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class PageKind(StrEnum):
    IMPRESSUM = "impressum"  # § 5 DDG: who is responsible for the site
    PRIVACY = "datenschutz"  # Art. 13 GDPR: the data-protection information
    ACCESSIBILITY = "barrierefreiheit"  # the accessibility statement BITV 2.0 requires


class ProgrammePage(SQLModel, table=True):
    __tablename__ = "programme_pages"

    guideline_id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(primary_key=True, max_length=20)
    text: str = Field(max_length=20000)
    version: int
    changed_by: uuid.UUID = Field(foreign_key="users.id")
    changed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


pages_table: sa.Table = ProgrammePage.__table__  # type: ignore[attr-defined]
