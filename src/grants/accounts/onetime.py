"""Single-use tokens sent by e-mail (registration confirmation, password reset, invitation).

The token is 256 random bits (``secrets``), shown once, in the e-mail; the database keeps
only its SHA-256. A slow password hash is not needed: nobody can guess 256 random bits, so
the hash only has to make a stolen copy of the table useless, and a fast one lets the token
be looked up by an index.
"""

import hashlib
import secrets
from typing import NamedTuple

from grants.core.errors import FieldProblem, InvalidInput

TOKEN_BYTES = 32
# ``token_urlsafe(32)`` gives 43 characters of [A-Za-z0-9_-]; requests are checked against it.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105 (a pattern, not a secret)


class NewToken(NamedTuple):
    token: str  # for the e-mail only
    token_hash: str  # for the database only


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def new_token() -> NewToken:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return NewToken(token, token_hash(token))


def _refused(rule: str, message: str) -> InvalidInput:
    return InvalidInput(message, problems=(FieldProblem("token", rule, message),))


def invalid_token() -> InvalidInput:
    return _refused(
        "invalid",
        "Der Link ist ungültig oder wurde bereits verwendet "
        "(the link is invalid or has already been used).",
    )


def expired_token() -> InvalidInput:
    return _refused(
        "expired",
        "Der Link ist abgelaufen; bitte fordern Sie einen neuen an "
        "(the link has expired; please ask for a new one).",
    )


def used_token() -> InvalidInput:
    return _refused("used", "Der Link wurde bereits verwendet (the link has already been used).")


def revoked_token() -> InvalidInput:
    return _refused(
        "revoked", "Die Einladung wurde zurückgezogen (the invitation has been revoked)."
    )
