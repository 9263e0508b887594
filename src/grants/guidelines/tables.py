"""Every guideline version this installation has used, by content hash. A verdict records the
hash; the stored document lets it be re-explained exactly, even after the file changed."""

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.db.base import timestamp_field


class GuidelineVersion(SQLModel, table=True):
    __tablename__ = "guideline_versions"

    content_hash: str = Field(primary_key=True, max_length=64)
    guideline_id: str = Field(max_length=40, index=True)
    version: str = Field(max_length=40)
    document: Any = Field(sa_type=JSONB)
    recorded_at: datetime = timestamp_field()
