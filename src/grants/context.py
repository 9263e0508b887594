"""The use-case context: what every command needs besides its own arguments.

A route gets one dependency, ``context``, and hands it to the service; the CLI, the demo seed
and the workers build one themselves. It holds the session (the service opens and commits the
transaction), who acts, the time the action counts as taken (one clock reading per request),
and the guideline registry. Audit entries are written through it, so every entry names the
same actor, request id and time as the change it records.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from grants.core.access import Principal
from grants.core.actors import Actor
from grants.core.audit_actions import AuditAction
from grants.db.audit import audit_values, record_audit
from grants.guidelines.registry import GuidelineRegistry


@dataclass(frozen=True, slots=True)
class Context:
    """A command by anyone: a signed-in user, the CLI, the system, or an anonymous caller."""

    session: AsyncSession
    actor: Actor
    now: datetime
    guidelines: GuidelineRegistry

    @property
    def request_id(self) -> str | None:
        return self.actor.request_id

    async def audit(
        self,
        action: AuditAction,
        *,
        object_type: str,
        object_id: object | None,
        before: Any = None,
        after: Any = None,
    ) -> int:
        """Append one audit entry in the caller's transaction; returns its ``seq``."""
        return await record_audit(
            self.session,
            actor=self.actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            now=self.now,
            before=before,
            after=after,
        )

    def audit_row(
        self,
        action: AuditAction,
        *,
        object_type: str,
        object_id: object | None,
        before: Any = None,
        after: Any = None,
    ) -> dict[str, Any]:
        """An entry's column values, for writers that batch their statements."""
        return audit_values(
            actor=self.actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            now=self.now,
            before=before,
            after=after,
        )


@dataclass(frozen=True, slots=True)
class UserContext(Context):
    """A command by a signed-in user, whose memberships and staff roles decide access."""

    principal: Principal

    @classmethod
    def of(
        cls,
        session: AsyncSession,
        principal: Principal,
        *,
        now: datetime,
        guidelines: GuidelineRegistry,
        request_id: str | None = None,
    ) -> "UserContext":
        return cls(
            session=session,
            actor=principal.as_actor(request_id),
            now=now,
            guidelines=guidelines,
            principal=principal,
        )
