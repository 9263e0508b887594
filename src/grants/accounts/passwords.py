"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # Argon2id, t=3, m=64 MiB, p=4: argon2-cffi's RFC 9106 default

# Verified when the account does not exist, so that "no such user" takes as long as
# "wrong password" and login timing does not reveal which e-mail addresses are registered.
_DUMMY_HASH = _hasher.hash("not-a-real-password: used only to equalise login timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches. With no hash, burns the same time and says False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
