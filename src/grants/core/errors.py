"""Domain errors. The core and the services raise these; ``http/problems.py`` maps each kind
once to an RFC 9457 problem type and HTTP status. Services never raise HTTP exceptions."""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One offending input field: a JSON-pointer-like dotted path, the rule it broke, a text."""

    field: str
    rule: str
    message: str


class DomainError(Exception):
    """Base of all expected, explainable failures."""

    code = "domain-error"

    def __init__(
        self,
        detail: str,
        *,
        problems: tuple[FieldProblem, ...] = (),
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems
        # Machine-readable members added to the problem body (e.g. the current state).
        self.extra: Mapping[str, object] = dict(extra or {})


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a domain rule (e.g. a weak password)."""

    code = "invalid-input"


class Conflict(DomainError):
    """The request clashes with existing state (duplicate e-mail, stale version)."""

    code = "conflict"


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it exists."""

    code = "not-found"


class Forbidden(DomainError):
    """The actor is known and may see the object but not perform this action."""

    code = "forbidden"


class AuthenticationFailed(DomainError):
    """Credentials or token rejected. The detail never says which part was wrong."""

    code = "authentication-failed"


class TooManyAttempts(DomainError):
    """Throttled; ``retry_after`` seconds until the window reopens."""

    code = "too-many-attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class PreconditionFailed(DomainError):
    """The client's version (``If-Match``) is not the current one: it would overwrite changes
    it has not seen."""

    code = "stale-version"


class PreconditionRequired(DomainError):
    """A change that needs ``If-Match`` was sent without it."""

    code = "precondition-required"


class DeadlinePassed(DomainError):
    """Received after the call's deadline (judged by the server's clock in Europe/Berlin)."""

    code = "deadline-passed"


class PayloadTooLarge(DomainError):
    """An upload above the configured limit; ``extra`` names the limit."""

    code = "payload-too-large"


class UnsupportedContent(DomainError):
    """An upload whose content (not its name) is not an allowed type, or is malformed."""

    code = "unsupported-content"
