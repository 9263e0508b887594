"""Attachments as the rules see them: what kind of document, and whether it is safe to open
(scanned clean). Pure vocabulary; storage and scanning live in the attachments feature."""

from enum import StrEnum


class AttachmentKind(StrEnum):
    CONCEPT = "concept"  # Projektskizze / Konzept (PDF)
    BUDGET = "budget"  # Kosten- und Finanzierungsplan (PDF, XLSX)
    SUPPORT_LETTER = "support_letter"  # Unterstützungsschreiben (PDF)
    OTHER = "other"


class ScanStatus(StrEnum):
    PENDING = "pending"  # quarantined until a scan answers: not downloadable
    CLEAN = "clean"
    INFECTED = "infected"
    FAILED = "failed"  # the scanner could not decide; retried by the worker
    # Received by a server without a scanner (GRANTS_CLAMD_ADDRESS unset, which only the
    # development and test settings allow): nobody looked. A server with a scanner never
    # writes it, and its worker scans such files (a database carried over from development).
    NOT_SCANNED = "not_scanned"


# Quarantined: waiting for a scan that a scanner was asked for and has not answered.
QUARANTINED = frozenset({ScanStatus.PENDING, ScanStatus.FAILED})


def counts_as_received(status: ScanStatus) -> bool:
    """Whether the file is a document the application has: everything but malware. A scan
    that takes its time must not make an applicant late, and in development nothing scans."""
    return status is not ScanStatus.INFECTED


def servable(status: ScanStatus) -> bool:
    """Whether the bytes may be handed to anyone (applicant, manager, evaluator): scanned
    clean, or not scanned at all — which only a server without a scanner writes, i.e. in
    development and tests. Quarantined files wait for their scan; infected ones never go."""
    return status in {ScanStatus.CLEAN, ScanStatus.NOT_SCANNED}
