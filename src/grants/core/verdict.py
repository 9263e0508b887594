"""What the eligibility engine takes and gives: the proposal, the context of the check, and
the verdict with one result per rule. Plain immutable data, shared by the rule modules."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from grants.core.funding import CostAmounts, CostLine, FundingComputation, VatDeduction
from grants.core.guideline import Call, Guideline, Text, citation
from grants.core.money import ZERO

Facts = Mapping[str, str | int | bool | list[str] | None]


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"
    NEEDS_REVIEW = "needs_review"
    NOT_APPLICABLE = "not_applicable"


class PriorAid(NamedTuple):
    """De-minimis aid the single undertaking (the applicant and every undertaking linked to
    it, Art. 2(2) Reg. (EU) 2023/2831) received before (self-declared or from the register)."""

    granted_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Proposal:
    applicant_type: str
    municipality_key: str
    funding_line: str
    objectives: tuple[str, ...]
    planned_start: date
    planned_end: date
    cost_lines: tuple[CostLine, ...]
    requested_grant: Decimal
    own_funds: Decimal
    third_party_funds: Decimal = ZERO
    # Consent to an early start (vorzeitiger Maßnahmebeginn) is an act of the authority:
    # fed from the staff's record of it, never from what the applicant enters.
    early_start_consented: bool = False
    economic_activity: bool | None = None  # declared by the applicant where it depends
    prior_de_minimis: tuple[PriorAid, ...] = ()
    # Art. 2(2) Reg. (EU) 2023/2831: whether the applicant forms a single undertaking with
    # other undertakings (None: not answered), and their names.
    part_of_single_undertaking: bool | None = None
    linked_undertakings: tuple[str, ...] = ()
    vat_deduction: VatDeduction | None = None  # Vorsteuerabzug: full, partial or none
    vat_deductible_share: Decimal | None = None  # 0 < share < 1, for partial deduction
    cost_amounts: CostAmounts | None = None  # whether the cost plan is gross or net


@dataclass(frozen=True, slots=True)
class CheckContext:
    received_at: datetime  # when the proposal was (or, for a pre-check, would be) received
    call: Call | None = None
    area_category: str | None = None  # LEP 2013 category of the municipality, if known
    rural: bool | None = None
    # True when the category is an assumption (derived, not checked in LEP 2013): it then
    # appears in the facts only with this flag, never as fact. None: no category.
    area_category_assumed: bool | None = None
    # Whether the municipality key is in the register (Gemeindeverzeichnis Sachsen); None
    # when the register was not consulted (then the location cannot be confirmed).
    municipality_known: bool | None = None
    # The day of the decision (Bescheid), once known: de-minimis aid counts as granted then
    # (Art. 3(3) Reg. (EU) 2023/2831). None: the day of the check stands in for it.
    grant_on: date | None = None


class RuleResult(NamedTuple):
    rule_id: str
    outcome: Outcome
    section: str  # as the guideline data has it; show ``citation`` to users
    title: Text
    message: Text
    facts: Facts
    section_verified: bool = False
    assumption: bool = False  # the rule is a default of ours where the sources are silent
    source: str | None = None  # the instrument named instead of an unverified section

    @property
    def citation(self) -> Text:
        """The section if verified, else only the instrument, marked "Fundstelle ungeprüft":
        users are never shown an unverified paragraph number as fact."""
        return citation(self.section, verified=self.section_verified, source=self.source)


class Verdict(NamedTuple):
    guideline_id: str
    guideline_version: str
    guideline_hash: str
    call_code: str | None
    received_at: datetime
    results: tuple[RuleResult, ...]
    funding: FundingComputation
    facts: Facts

    @property
    def eligible(self) -> bool:
        return all(r.outcome is not Outcome.FAIL for r in self.results)

    @property
    def failures(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.FAIL)

    @property
    def needs_review(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.NEEDS_REVIEW)


class Case(NamedTuple):
    """What each rule function sees: the inputs and what was derived from them once."""

    proposal: Proposal
    guideline: Guideline
    context: CheckContext
    received_on: date
    funding: FundingComputation


Finding = tuple[Outcome, Text, Facts]
