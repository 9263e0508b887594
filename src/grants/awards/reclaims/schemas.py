"""Shapes of the revocation and reclaim API. Requests forbid unknown fields (``StrictInput``)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field

from grants.core.revocation import Measure
from grants.http.fields import Amount, ProjectDate, StrictInput

Reasoning = Annotated[str, Field(max_length=4000)]
Reason = Annotated[str, Field(min_length=1, max_length=4000)]


class HearingIn(StrictInput):
    measure: Measure = Field(
        description="revocation (Widerruf, § 49 Abs. 3 VwVfG) or withdrawal (Rücknahme, § 48)"
    )
    facts: Annotated[str, Field(max_length=20_000)] = Field(
        description="The facts the decision would rest on, as the recipient is told them"
    )
    facts_known_on: ProjectDate = Field(
        description="The day the authority learnt them: the one-year limit (§ 48 Abs. 4) runs"
    )
    intended_grant: Amount = Field(description="The grant intended (0: revoke in full)")
    respond_by: ProjectDate | None = Field(
        default=None, description="Last day to comment (default: four weeks; at least 14 days)"
    )


class HearingResponseIn(StrictInput):
    text: Annotated[str, Field(min_length=1, max_length=20_000)]


class HearingResponsePublic(BaseModel):
    number: int
    text: str
    late: bool
    responded_at: datetime


class HearingPublic(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    decision_id: uuid.UUID
    number: int
    measure: str
    legal_basis: str
    facts: str
    facts_known_on: date
    one_year_limit: date = Field(description="Last day for the decision (§ 48 Abs. 4 VwVfG)")
    current_grant: Decimal
    intended_grant: Decimal
    respond_by: date
    opened_at: datetime
    concluded: bool = Field(description="Commented on, or the day to comment has passed")
    responses: list[HearingResponsePublic]


class RevocationIn(StrictInput):
    hearing_id: uuid.UUID = Field(description="The concluded hearing it follows")
    new_grant: Amount = Field(description="The grant after the decision (0: revoked in full)")
    effective_from: ProjectDate = Field(
        description="The day the grant is revoked from (the reclaim bears interest from it)"
    )
    reasons: Annotated[list[Reason], Field(min_length=1, max_length=30)]
    discretion: Reasoning = Field(description="How discretion was used (§ 39 Abs. 1 S. 3)")
    response_weighed: Reasoning = Field(
        default="", description="How the recipient's comment was weighed (required if any)"
    )


class SettlementIn(StrictInput):
    proof_id: uuid.UUID = Field(description="The checked final proof of use it settles")
    notes: Annotated[list[Reason], Field(max_length=30)] = Field(
        default_factory=list, description="Further reasons or notes the letter states"
    )


class RefundIn(StrictInput):
    amount: Amount
    received_on: ProjectDate = Field(description="The day the money was credited")
    note: Annotated[str, Field(max_length=2000)] = ""


class InterestIn(StrictInput):
    """Set once the reclaim is repaid in full: the interest runs from the effective day to
    the day of the last refund (``GET …/reclaim`` shows it to date before that)."""

    claimed: Amount | None = Field(
        default=None, description="What is claimed (default: all computed)"
    )
    waiver_reason: Reasoning = Field(
        default="", description="Required where less than computed is claimed (§ 49a Abs. 3 S. 2)"
    )


class RefundPublic(BaseModel):
    number: int
    amount: Decimal
    received_on: date
    note: str
    recorded_at: datetime


class InterestPublic(BaseModel):
    principal: Decimal
    from_day: date
    until_day: date
    computed: Decimal
    claimed: Decimal
    waiver_reason: str
    rate_assumed: bool = Field(description="Part rests on a base rate not yet published")
    computation: dict[str, Any]
    decided_at: datetime | None


class ReclaimPublic(BaseModel):
    """Where the reclaim of a released revocation stands."""

    application_id: uuid.UUID
    decision_id: uuid.UUID
    file_reference: str
    effective_from: date
    reclaimed: Decimal
    refunded: Decimal
    outstanding: Decimal
    refunds: list[RefundPublic]
    interest: InterestPublic | None = Field(
        description="The interest set by a person; before that, the interest to date as "
        "computed (decided_at None: a computation, not a claim)"
    )


class CountFrom(StrEnum):
    """From when § 49a Abs. 4 interest runs on money used late. The statute charges "für die
    Zeit bis zur zweckentsprechenden Verwendung" without saying from when; the federal
    ANBest-P wording charges the time from the payment. Which applies in Saxony is not
    verified, so a person chooses, and the decision records the choice."""

    END_OF_ALLOWED_PERIOD = "end_of_allowed_period"  # only the time beyond the two months
    PAYMENT = "payment"  # from the day after the payment, once the two months are exceeded


class UnusedFundsInterestIn(StrictInput):
    count_from: CountFrom = Field(
        default=CountFrom.END_OF_ALLOWED_PERIOD,
        description="From when the interest runs on money used late (see CountFrom)",
    )
    claimed: Amount | None = Field(
        default=None, description="What is claimed (default: all computed; 0: none)"
    )
    discretion: Reason = Field(
        description="How discretion was used: § 49a Abs. 4 VwVfG lets the authority claim "
        "the interest, it does not oblige it to"
    )


class UsePiecePublic(BaseModel):
    paid_on: date
    used_on: date | None = Field(description="None: not shown spent (for the reclaim)")
    amount: Decimal
    late: bool = Field(description="Used later than the allowed period after its payment")
    interest_days: int
    interest: Decimal | None = Field(description="For display; the total is rounded once")
    rate_assumed: bool


class UnusedFundsInterestPublic(BaseModel):
    """The interest on funds not used in time: before a person sets it, the computation
    (``decided_at`` None: staff only, a proposal, not a claim); afterwards the decision."""

    application_id: uuid.UUID
    decision_id: uuid.UUID = Field(description="The grant the payments were made under")
    proof_id: uuid.UUID = Field(description="The checked final proof whose receipts count")
    allowed_months: int = Field(description="How long paid money may wait for its use")
    allowed_period_assumed: bool = Field(
        description="True: the two months of ANBest-P Nr. 1.4 are an assumption for Saxony "
        "(its wording was not read)"
    )
    count_from: CountFrom
    paid: Decimal
    used: Decimal = Field(description="The grant's part of the recognised receipts")
    never_used: Decimal = Field(description="Paid and not shown spent: for the reclaim")
    computed: Decimal
    claimed: Decimal | None
    discretion: str
    rate_assumed: bool = Field(description="Part rests on a base rate not yet published")
    pieces: list[UsePiecePublic]
    computation: dict[str, Any]
    decided_at: datetime | None
