"""The typed model of a funding guideline (Förderrichtlinie) and its calls. Plain frozen
dataclasses: the loader (``grants.guidelines.loader``) builds them from the shipped data
files; the engine reads them. Nothing here does I/O."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from grants.core.canonical import sha256_of
from grants.core.deadlines import in_time

# Codes of guidelines, calls, lines, categories and criteria: short, URL- and file-safe.
CODE_PATTERN = r"^[A-Za-z0-9_.-]+$"
CODE_MAX_LENGTH = 40


class Text(NamedTuple):
    """A text in German and English. A NamedTuple: a verdict creates dozens, and a frozen
    dataclass costs about ten times as much to create."""

    de: str
    en: str


UNVERIFIED_MARK = Text("Fundstelle ungeprüft", "section not verified")


@lru_cache(maxsize=1024)  # every verdict cites the same few sections
def citation(section: str, *, verified: bool, source: str | None) -> Text:
    """Where a rule (or category) rests, as users are shown it. A verified section is cited
    as it is. An unverified one would be an invented paragraph shown as fact, so only the
    instrument that certainly holds the rule (``source``) is named, marked as unverified."""
    if verified:
        return Text(section, section)
    where = source or section
    return Text(f"{where} ({UNVERIFIED_MARK.de})", f"{where} ({UNVERIFIED_MARK.en})")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule the engine applies: where the guideline says it, and how to explain it."""

    id: str
    section: str  # e.g. "FRL LIfD Nr. 5.2" or "VO (EU) 2023/2831 Art. 3 Abs. 2"
    title: Text
    explanation: Text
    assumption: bool = False  # a default chosen by us where the source is silent
    # Whether ``section`` was read in the source itself. Unverified: ``source`` names the
    # instrument that certainly holds the rule (e.g. "FRL LIfD"), shown instead.
    section_verified: bool = False
    source: str | None = None

    @property
    def citation(self) -> Text:
        return citation(self.section, verified=self.section_verified, source=self.source)


class EconomicActivity(StrEnum):
    """Whether state-aid rules (de minimis) apply to an applicant type."""

    YES = "yes"
    NO = "no"
    DECLARED = "declared"  # depends on the project: the applicant declares it


@dataclass(frozen=True, slots=True)
class ApplicantTypeSpec:
    code: str
    label: Text
    eligible: bool
    conditions: str | None  # "ANBest-P" | "ANBest-K" | None when not eligible
    economic_activity: EconomicActivity
    reason: Text | None = None  # why a type that is not eligible is excluded


class LegalBasis(NamedTuple):
    """A legal basis as the guideline names it (``de``/``en`` as in ``Text``); ``verified``
    is False where the sources do not show that the guideline rests on it."""

    de: str
    en: str
    verified: bool = False


@dataclass(frozen=True, slots=True)
class FundingLine:
    code: str  # "stationary" | "mobile"
    section: str
    label: Text
    max_grant: Decimal
    section_verified: bool = False


@dataclass(frozen=True, slots=True)
class Objective:
    code: str  # "a" … "e"
    label: Text


@dataclass(frozen=True, slots=True)
class CostCategory:
    code: str
    label: Text
    eligible: bool
    max_rate: Decimal  # 0 … 1; 0 for ineligible categories
    section: str
    reason: Text | None = None  # why an ineligible category is excluded
    section_verified: bool = False
    source: str | None = None  # shown instead of an unverified section (see ``citation``)

    @property
    def citation(self) -> Text:
        return citation(self.section, verified=self.section_verified, source=self.source)


@dataclass(frozen=True, slots=True)
class RuralBonus:
    """Optional extra rate for projects in rural municipalities (off for FRL LIfD)."""

    enabled: bool
    percentage_points: Decimal
    max_rate: Decimal
    categories: frozenset[str]


@dataclass(frozen=True, slots=True)
class DeMinimisRule:
    ceiling: Decimal  # EUR 300,000 under Regulation (EU) 2023/2831
    years: int  # rolling period


@dataclass(frozen=True, slots=True)
class VatRule:
    """The VAT rate the engine uses to take recoverable input VAT out of gross amounts.
    One standard rate for every cost line is a simplification (reduced rates and exempt
    supplies exist), so it is flagged as an assumption in the data."""

    rate: Decimal  # e.g. 0.19
    assumption: bool = True


@dataclass(frozen=True, slots=True)
class Rounding:
    """How the fundable grant is rounded (once, on the total). Only rounding down to full
    euros exists; ``assumption`` says that no source prescribes it."""

    mode: str = "down_to_full_euro"
    assumption: bool = True


@dataclass(frozen=True, slots=True)
class Authority:
    """The granting authority (Bewilligungsstelle) as it signs receipts, e-mails and letters.
    Programme data, not code: another programme names its own authority."""

    name: str  # e.g. "Sächsische Aufbaubank – Förderbank –"
    unit: str  # e.g. "Bewilligungsstelle FRL LIfD"
    street: str
    postal_code: str
    city: str  # the seat, named in the legal-remedy notice
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    on_behalf_of: str | None = None  # e.g. "im Auftrag des Sächsischen Staatsministeriums …"
    assumption: bool = False  # True while any of these values is not verified


@dataclass(frozen=True, slots=True)
class Declaration:
    """A declaration the applicant makes, with the exact text shown (versioned guideline
    data): subsidy-relevant facts (§ 264 StGB, § 2 SubvG), the de-minimis self-declaration,
    the data-protection notice (Art. 13 GDPR), that the project has not started. The text
    and its hash are frozen in the submission snapshot, so what was declared can be proved."""

    key: str  # e.g. "subsidy_relevant_facts"
    version: str  # changes whenever the text changes
    title: Text
    text: Text
    items: tuple[Text, ...] = ()  # e.g. the named subsidy-relevant facts, one per item

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of key, version, title, text and items."""
        return sha256_of(
            {
                "key": self.key,
                "version": self.version,
                "title": list(self.title),
                "text": list(self.text),
                "items": [list(item) for item in self.items],
            }
        )


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    label: Text
    weight: int
    minimum_score: int | None = None  # k.o. below this score


@dataclass(frozen=True, slots=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    scale_min: int
    scale_max: int
    minimum_total: Decimal  # of 100 points
    minimum_evaluators: int
    # How a criterion's minimum_score applies: "mean" (over the evaluators) or
    # "each_evaluator" (every evaluator's score must reach it).
    criterion_minimum_rule: str = "mean"
    max_total_spread: Decimal = Decimal(20)  # evaluators' totals further apart: moderation
    max_criterion_spread: int = 2  # one criterion's scores further apart: moderation
    tie_breaks: tuple[str, ...] = ()  # criteria, higher mean first; () = the first criterion
    misfit: str = "skip_and_continue"  # a fundable project that does not fit: or "stop"
    reserve_size: int | None = None  # None: every fundable project beyond the budget


class CallStatus(StrEnum):
    UPCOMING = "upcoming"  # not yet published
    OPEN = "open"  # receiving proposals
    CLOSED = "closed"  # the deadline has passed


@dataclass(frozen=True, slots=True)
class CallAssumptions:
    """Which of a call's values are our defaults rather than the published call's."""

    budget: bool = False  # e.g. the programme total taken as the call's budget
    line_budgets: bool = False  # the budget split equally between the lines
    latest_end: bool = False
    deadline_time: bool = False  # the call names the day; the time of day is ours


@dataclass(frozen=True, slots=True)
class Call:
    """A Förderaufruf: which lines it offers, until when proposals are received."""

    code: str
    title: Text
    published_at: datetime
    deadline_at: datetime  # receipt at or before this instant (Europe/Berlin) is in time
    latest_end: date  # projects must end by this day
    lines: tuple[str, ...]
    budget: Decimal
    assumptions: CallAssumptions = CallAssumptions()

    def status(self, now: datetime) -> CallStatus:
        """Judged by the instant, as ``in_time`` judges a receipt: open from the publication
        instant up to and including the deadline instant, whatever the wall clock says."""
        if now < self.published_at:
            return CallStatus.UPCOMING
        if in_time(now, self.deadline_at):
            return CallStatus.OPEN
        return CallStatus.CLOSED

    def is_open(self, now: datetime) -> bool:
        """Whether a proposal received at ``now`` may be created or submitted."""
        return self.status(now) is CallStatus.OPEN


@dataclass(frozen=True, slots=True)
class Guideline:
    id: str  # stable identifier, e.g. "frl-lifd"
    version: str  # e.g. "2023-11-30"
    title: Text
    short_name: str
    legal_bases: tuple[LegalBasis, ...]
    lines: tuple[FundingLine, ...]
    applicant_types: tuple[ApplicantTypeSpec, ...]
    objectives: tuple[Objective, ...]
    cost_categories: tuple[CostCategory, ...]
    minimum_grant: Decimal
    duration_months: tuple[int, int]
    de_minimis: DeMinimisRule
    rural_bonus: RuralBonus
    rubric: Rubric
    rules: tuple[RuleSpec, ...]
    calls: tuple[Call, ...]
    content_hash: str  # SHA-256 of the canonical content: what a verdict records
    declarations: tuple[Declaration, ...] = ()
    authority: Authority | None = None
    vat: VatRule = VatRule(Decimal("0.19"))
    rounding: Rounding = Rounding()
    _rules: dict[str, RuleSpec] = field(init=False, repr=False, compare=False)
    _lines: dict[str, FundingLine] = field(init=False, repr=False, compare=False)
    _types: dict[str, ApplicantTypeSpec] = field(init=False, repr=False, compare=False)
    _categories: dict[str, CostCategory] = field(init=False, repr=False, compare=False)
    _calls: dict[str, Call] = field(init=False, repr=False, compare=False)
    _objective_codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookups by code on every check: build the indexes once.
        object.__setattr__(self, "_rules", {r.id: r for r in self.rules})
        object.__setattr__(self, "_lines", {x.code: x for x in self.lines})
        object.__setattr__(self, "_types", {x.code: x for x in self.applicant_types})
        object.__setattr__(self, "_categories", {x.code: x for x in self.cost_categories})
        object.__setattr__(self, "_calls", {x.code: x for x in self.calls})
        object.__setattr__(self, "_objective_codes", frozenset(o.code for o in self.objectives))

    def rule(self, rule_id: str) -> RuleSpec:
        return self._rules[rule_id]

    def line(self, code: str) -> FundingLine | None:
        return self._lines.get(code)

    def applicant_type(self, code: str) -> ApplicantTypeSpec | None:
        return self._types.get(code)

    def cost_category(self, code: str) -> CostCategory | None:
        return self._categories.get(code)

    def call(self, code: str) -> Call | None:
        return self._calls.get(code)

    def objective_codes(self) -> frozenset[str]:
        return self._objective_codes
