"""Who did something. Services take an ``Actor`` so that audit rows name a person (or the
CLI/system) without the service knowing about HTTP requests or tokens."""

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID | None
    label: str  # e-mail of a user, or "cli:<os user>", "system"
    request_id: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(user_id=None, label=label)
