"""Tables of the attachments feature."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from grants.core.attachments import AttachmentKind, ScanStatus
from grants.db.base import enum_type, timestamp_field


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id")
    kind: AttachmentKind = Field(sa_type=enum_type(AttachmentKind))
    filename: str = Field(max_length=255)  # sanitised; never used as a file system path
    media_type: str = Field(max_length=100)  # detected from the content
    size_bytes: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300, unique=True)  # server-chosen
    scan_status: ScanStatus = Field(sa_type=enum_type(ScanStatus), index=True)
    scan_detail: str | None = Field(default=None, max_length=500)
    scan_attempts: int = Field(default=0)
    scanned_at: datetime | None = timestamp_field(nullable=True)
    # When a quarantined file's next rescan is due (back-off per file); NULL: at the next sweep.
    scan_retry_at: datetime | None = timestamp_field(nullable=True)
    uploaded_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    # Removed from the draft; the bytes stay while a submission or an answer refers to them.
    deleted_at: datetime | None = timestamp_field(nullable=True)


attachments_table: sa.Table = Attachment.__table__  # type: ignore[attr-defined]
