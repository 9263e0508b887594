"""Shapes of the proof-of-use API. Requests forbid unknown fields (``StrictInput``); a draft is
saved as sent (amounts must be amounts, but sums may not add up yet) and every problem that
stands in the way of its submission is named on each read."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from grants.awards.budgets.schemas import FiscalYear
from grants.core.proof_check import CheckOutcome, CheckScope, ProofKind
from grants.http.fields import Amount, Code, ProjectDate, StrictInput

ShortText = Annotated[str, Field(max_length=500)]
ReceiptNumber = Annotated[str, Field(min_length=1, max_length=40)]


class CostIn(StrictInput):
    category: Code = Field(description="A cost category of the guideline (e.g. equipment)")
    amount: Amount = Field(description="Eligible costs actually paid in this category")


class ReceiptIn(StrictInput):
    number: ReceiptNumber = Field(
        description="The receipt's number in the recipient's list (Belegnummer)"
    )
    paid_on: ProjectDate = Field(description="Day of payment")
    payee: ShortText = Field(description="Empfänger (payee)")
    reason: ShortText = Field(description="Grund der Zahlung (what was bought or paid)")
    category: Code
    amount: Amount


class ProofContentIn(StrictInput):
    factual_report: Annotated[str, Field(max_length=50_000)] = Field(
        default="", description="Sachbericht: what was done and achieved, against the plan"
    )
    costs: Annotated[list[CostIn], Field(max_length=50)] = Field(
        default_factory=list, description="Zahlenmäßiger Nachweis: actual costs per category"
    )
    receipts: Annotated[list[ReceiptIn], Field(max_length=2_000)] = Field(
        default_factory=list, description="Belegliste: every payment, by category"
    )
    third_party_funds: Amount = Field(
        default=Decimal("0.00"), description="Third-party funds received for the project"
    )


class ProofCreateIn(ProofContentIn):
    kind: ProofKind = Field(
        description="interim (Zwischennachweis, one fiscal year) or final (Verwendungsnachweis)"
    )
    fiscal_year: FiscalYear | None = Field(
        default=None, description="The fiscal year an interim proof covers (final: none)"
    )


class RecognisedIn(StrictInput):
    category: Code
    amount: Amount = Field(description="Recognised eligible costs (at most those declared)")


class ProofCheckIn(StrictInput):
    outcome: CheckOutcome = Field(description="accepted, or returned for completion")
    scope: CheckScope = Field(
        description="detailed (every figure against the receipts) or summary; a case the "
        "sample selected, or that no sample covers, is checked in detail (§ 44 Abs. 2 SäHO)"
    )
    recognised: Annotated[list[RecognisedIn], Field(max_length=50)] = Field(
        default_factory=list, description="Per declared category, what is recognised (accepted)"
    )
    recognised_third_party_funds: Amount | None = Field(
        default=None, description="Third-party funds as checked (default: as declared)"
    )
    receipts_checked: Annotated[list[ReceiptNumber], Field(max_length=2_000)] = Field(
        default_factory=list, description="Numbers of the receipts looked at"
    )
    notes: Annotated[str, Field(max_length=4000)] = Field(
        default="", description="What the check found (kept in the file)"
    )
    return_reason: Annotated[str, Field(max_length=4000)] = Field(
        default="", description="For a return: what is to be completed (sent to the recipient)"
    )


class SampleIn(StrictInput):
    share: Annotated[Decimal, Field(ge=Decimal("0.5"), le=1, max_digits=5, decimal_places=4)] = (
        Field(
            default=Decimal("0.5"),
            description="Share of the cases checked in detail: at least 0.5 (§ 44 Abs. 2 SäHO)",
        )
    )
    seed: Annotated[str, Field(min_length=8, max_length=200)] | None = Field(
        default=None,
        description="The draw's seed; leave it out and the server draws one at random "
        "(recommended: nobody can steer it)",
    )
    reason: Annotated[str, Field(max_length=2000)] = Field(
        default="", description="Why a call's sample is drawn again (required for a re-draw)"
    )


class ProblemOut(BaseModel):
    field: str
    rule: str
    message: str


class ProofPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    decision_id: uuid.UUID
    number: int
    kind: str
    fiscal_year: int | None
    status: str  # draft | submitted | checked | returned
    version: int
    due_on: date | None = Field(description="When the report is due (ANBest-P; Saxon holidays)")
    factual_report: str
    costs: list[dict[str, Any]]
    receipts: list[dict[str, Any]]
    third_party_funds: Decimal
    problems: list[ProblemOut] = Field(
        description="What stands in the way of submitting (drafts only; empty: it can be)"
    )
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    receipt_hash: str | None = Field(description="SHA-256 of the content as submitted")
    checked_at: datetime | None
    check_scope: str | None
    check_coverage: str | None
    recognised: list[dict[str, Any]] | None
    recognised_third_party_funds: Decimal | None
    receipts_checked: list[str] | None
    check_notes: str | None = Field(description="Staff only: None for the recipient")
    return_reason: str
    final_grant: dict[str, Any] | None = Field(
        description="Final proof, accepted: the final grant computed step by step, and the "
        "decision it proposes (a proposal: a person decides)"
    )
    final_amount: Decimal | None
    paid_at_check: Decimal | None
    overpayment: Decimal | None


class SamplePublic(BaseModel):
    id: uuid.UUID
    guideline_id: str
    call_code: str
    number: int
    drawn_by: uuid.UUID
    drawn_at: datetime
    seed: str
    share: Decimal
    method_code: str
    method: dict[str, str]
    population: list[str]
    selected: list[str]
    not_selected: list[str]
    reason: str
