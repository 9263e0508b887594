"""Attachments as the rules see them: what kind of document, and whether it is safe to open
(scanned clean). Pure vocabulary; storage and scanning live in the attachments feature."""

from enum import StrEnum


class AttachmentKind(StrEnum):
    CONCEPT = "concept"  # Projektskizze / Konzept (PDF)
    BUDGET = "budget"  # Kosten- und Finanzierungsplan (PDF, XLSX)
    SUPPORT_LETTER = "support_letter"  # Unterstützungsschreiben (PDF)
    OTHER = "other"


class ScanStatus(StrEnum):
    PENDING = "pending"  # quarantined: not downloadable, not submittable
    CLEAN = "clean"
    INFECTED = "infected"
    FAILED = "failed"  # the scanner could not decide; retried by the worker
