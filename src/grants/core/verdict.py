"""What the eligibility engine takes and gives: the proposal, the context of the check, and
the verdict with one result per rule. Plain immutable data, shared by the rule modules."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from grants.core.funding import CostLine, FundingComputation
from grants.core.guideline import Call, Guideline, Text
from grants.core.money import ZERO

Facts = Mapping[str, str | int | bool | list[str] | None]


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"
    NEEDS_REVIEW = "needs_review"
    NOT_APPLICABLE = "not_applicable"


class PriorAid(NamedTuple):
    """De-minimis aid the undertaking received before (self-declared or from the register)."""

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
    early_start_consented: bool = False  # vorzeitiger Maßnahmebeginn granted in writing
    economic_activity: bool | None = None  # declared by the applicant where it depends
    prior_de_minimis: tuple[PriorAid, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckContext:
    received_at: datetime  # when the proposal was (or, for a pre-check, would be) received
    call: Call | None = None
    area_category: str | None = None  # LEP 2013 category of the municipality, if known
    rural: bool | None = None


class RuleResult(NamedTuple):
    rule_id: str
    outcome: Outcome
    section: str
    title: Text
    message: Text
    facts: Facts


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
