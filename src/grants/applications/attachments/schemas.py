"""What the attachments API returns. Uploads have no JSON body: the file is the body, the
kind and the name travel in the query string."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from grants.core.attachments import AttachmentKind, ScanStatus


class AttachmentPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    kind: AttachmentKind
    filename: str = Field(description="Sanitised name; the extension follows the content.")
    media_type: str = Field(description="Detected from the content, not from the name.")
    size_bytes: int
    sha256: str = Field(description="Hex SHA-256 of the bytes; also the download's ETag.")
    scan_status: ScanStatus = Field(
        description="pending: quarantined until the malware scan has run (not downloadable)."
    )
    created_at: datetime
