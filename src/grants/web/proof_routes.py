"""Proofs of use (Verwendungsnachweise) in the managers' portal: a submitted proof with its
factual report, the costs per category and the receipts, checked in detail or in summary
(in detail where the call's sample selected the case, § 44 Abs. 2 SäHO — the service says
which), accepted with what is recognised per category or returned for completion; and the
call's sample drawn (at least half of the cases; a re-draw needs a reason).

The same services as ``/api/proofs-of-use/{id}`` and ``…/proof-samples``; managers and
admins only."""

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from grants.awards.proofs import service as proofs
from grants.awards.proofs.schemas import ProofCheckIn, SampleIn
from grants.context import UserContext
from grants.core.errors import DomainError, NotFound
from grants.core.roles import MANAGER_ROLES
from grants.web.forms import amount_text
from grants.web.pages import error_lines, form_values, page, see_other, staff_context
from grants.web.templating import N_

STATUS = {
    "draft": N_("Entwurf der Zuwendungsempfängerin"),
    "submitted": N_("eingereicht: zu prüfen"),
    "checked": N_("geprüft und angenommen"),
    "returned": N_("zur Ergänzung zurückgegeben"),
}
KINDS = {"interim": N_("Zwischennachweis"), "final": N_("Verwendungsnachweis")}
SCOPES = [
    ("detailed", N_("vertieft: jede Zahl gegen die Belege")),
    ("summary", N_("kursorisch: Plausibilität von Zahlen und Bericht")),
]
OUTCOMES = [("accepted", N_("angenommen")), ("returned", N_("zur Ergänzung zurückgeben"))]


def check_of(values: dict[str, str], receipts: list[str], categories: list[str]) -> ProofCheckIn:
    """The check form as the API's ``ProofCheckIn`` (raises ``ValidationError``)."""
    third = values.get("drittmittel", "").strip()
    return ProofCheckIn.model_validate(
        {
            "outcome": values.get("ergebnis", ""),
            "scope": values.get("umfang", ""),
            "recognised": [
                {"category": code, "amount": amount_text(values.get(f"anerkannt-{code}", ""))}
                for code in categories
                if values.get(f"anerkannt-{code}", "").strip()
            ],
            "recognised_third_party_funds": amount_text(third) if third else None,
            "receipts_checked": [n for n in receipts if values.get(f"beleg-{n}") == "ja"],
            "notes": values.get("vermerk", "").strip(),
            "return_reason": values.get("rueckgabegrund", "").strip(),
        }
    )


class ProofPages(Controller):
    include_in_schema = False
    path = "/verwaltung"

    async def _proof_page(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        proof_id: uuid.UUID,
        *,
        values: dict[str, str] | None = None,
        errors: list[str] | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        found = await proofs.get_proof(context, proof_id)
        if context.session.in_transaction():
            await context.session.commit()
        prefilled = {f"anerkannt-{c['category']}": str(c["amount"]) for c in found.costs}
        return await page(
            request,
            "manager_proof.html",
            status_code=status_code,
            proof=found,
            values=values if values is not None else prefilled,
            errors=errors or [],
            status_text=STATUS.get(found.status, found.status),
            kind_text=KINDS.get(found.kind, found.kind),
            checked="geprueft" in request.query_params,
            scopes=SCOPES,
            outcomes=OUTCOMES,
        )

    @get("/nachweise/{proof_id:uuid}", exclude_from_auth=True, name="web:proof")
    async def show(
        self,
        request: Request[Any, Any, Any],
        proof_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        return await self._proof_page(request, context, proof_id)

    @post("/nachweise/{proof_id:uuid}/pruefen", exclude_from_auth=True, name="web:proof-check")
    async def check(
        self,
        request: Request[Any, Any, Any],
        proof_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        found = await proofs.get_proof(context, proof_id)
        if db_session.in_transaction():
            await db_session.commit()
        values = form_values(await request.form())
        try:
            body = check_of(
                values,
                [str(r.get("number", "")) for r in found.receipts],
                [str(c["category"]) for c in found.costs],
            )
            await proofs.check_proof(
                context, proof_id, body, if_match=f'"{values.get("version", "")}"'
            )
        except NotFound:
            raise
        except (ValidationError, DomainError) as error:
            return await self._proof_page(
                request, context, proof_id, values=values, errors=error_lines(error),
                status_code=422,
            )  # fmt: skip
        return see_other(f"/verwaltung/nachweise/{proof_id}?geprueft")

    # --- the call's sample -----------------------------------------------------------------

    async def _samples_page(
        self,
        request: Request[Any, Any, Any],
        context: UserContext,
        guideline_id: str,
        call_code: str,
        *,
        errors: list[str] | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        drawn = await proofs.list_samples(context, guideline_id, call_code)
        if context.session.in_transaction():
            await context.session.commit()
        return await page(
            request,
            "manager_samples.html",
            status_code=status_code,
            guideline_id=guideline_id,
            call_code=call_code,
            samples=drawn,
            errors=errors or [],
        )

    @get(
        "/stichprobe/{guideline_id:str}/{call_code:str}", exclude_from_auth=True, name="web:samples"
    )
    async def samples(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[str]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        return await self._samples_page(request, context, guideline_id, call_code)

    @post(
        "/stichprobe/{guideline_id:str}/{call_code:str}",
        exclude_from_auth=True,
        name="web:sample-draw",
    )
    async def draw(
        self,
        request: Request[Any, Any, Any],
        guideline_id: FromPath[str],
        call_code: FromPath[str],
        db_session: NamedDependency[AsyncSession],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        context = await staff_context(request, db_session, now, *MANAGER_ROLES)
        values = form_values(await request.form())
        share = values.get("anteil", "").strip().replace(",", ".").removesuffix("%").strip()
        try:
            percent = Decimal(share) if share else Decimal(50)
            body = SampleIn(
                share=(percent / 100).quantize(Decimal("0.0001")),
                reason=values.get("grund", "").strip(),
            )
            await proofs.draw_sample(context, guideline_id, call_code, body)
        except NotFound:
            raise
        except (ValidationError, DomainError, ValueError, InvalidOperation) as error:
            return await self._samples_page(
                request, context, guideline_id, call_code, errors=error_lines(error),
                status_code=422,
            )  # fmt: skip
        return see_other(f"/verwaltung/stichprobe/{guideline_id}/{call_code}")
