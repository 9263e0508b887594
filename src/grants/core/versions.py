"""Optimistic concurrency by version numbers, in HTTP's terms: an object's ``ETag`` is its
version; a change names the version it was based on in ``If-Match``. Pure."""

from grants.core.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int:
    """The version named by ``If-Match``; 428 when missing, 412 when it names no version."""
    if header is None or not header.strip():
        raise PreconditionRequired(
            "Bitte If-Match mit der zuletzt gelesenen Version senden "
            "(send If-Match with the ETag you last read)."
        )
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise PreconditionFailed(f"If-Match {header!r} nennt keine Version (names no version).")
    return int(value)


def ensure_version(current: int, expected: int) -> None:
    """412 naming the current version unless the client's version is the current one."""
    if current != expected:
        raise PreconditionFailed(
            f"Inzwischen geändert (version {expected} is stale; current is {current}). "
            "Bitte neu laden (reload).",
            extra={"current_version": current},
        )
