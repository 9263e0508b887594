"""The audit log in the managers' portal: entries newest first, filtered by object, person
and action, keyset-paged; the state of the log — the latest signed tree head, whether its
signature holds with the current key, how many entries wait for the sequencer — and, on
request, the full check of ``grants audit verify`` (every entry's hash, the Merkle tree
against every signed head, the heads' signatures).

The same service as the API's audit routes; managers and admins only."""

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from grants.audit import service as audit
from grants.core.roles import MANAGER_ROLES
from grants.web.pages import page, staff_context

PAGE_SIZE = 100


class AuditPages(Controller):
    include_in_schema = False
    path = "/verwaltung/protokoll"

    async def _render(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: AsyncSession,
        now: datetime,
        report: Any = None,
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        params = dict(request.query_params.items())
        before = params.get("vor", "")
        filters = audit.LogFilters(
            object_id=params.get("objekt", "").strip() or None,
            actor_email=params.get("person", "").strip() or None,
            action=params.get("aktion", "").strip() or None,
        )
        found = await audit.list_entries(
            context, filters, before=int(before) if before.isdigit() else None, limit=PAGE_SIZE
        )
        status = await audit.log_state(context, state.audit_signer)
        if report is None and request.method == "POST":
            report = await audit.verify(context, state.audit_signer)
        return await page(
            request,
            "manager_audit.html",
            entries=found.entries,
            next_before=found.next_before,
            values=params,
            query={k: v for k, v in params.items() if k != "vor" and v},
            status=status,
            report=report,
        )

    @get(exclude_from_auth=True, name="web:audit-log")
    async def log(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        return await self._render(request, state, db_session, now)

    # A POST (with the form token): the full check reads the whole log, so no link or
    # prefetch starts it by accident.
    @post("/pruefen", exclude_from_auth=True, name="web:audit-verify", status_code=200)
    async def verify(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        return await self._render(request, state, db_session, now)
