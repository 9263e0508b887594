"""Conflicts of interest between evaluators and applications (§§ 20, 21 VwVfG), pure.

Inputs are plain data the service loads once per call: each evaluator's own organisations,
declared affiliations (organisations, municipalities) and per-application declarations, and
each application's applicant, partners and municipality. Two entry points:

- ``detect_conflicts(evaluator, application)``: every conflict of one pair, each with a
  reason code, a German/English text and its legal basis; for the assignment board, the
  evaluator's own view and the audit record.
- ``conflict_sets(evaluators, applications)``: for many applications at once, which
  evaluators are conflicted on each. It indexes the evaluators by organisation id, name and
  municipality key once, so each application costs a handful of dictionary look-ups and set
  unions, never a loop over all evaluators. ``detect_conflicts`` explains any pair it returns;
  both agree by construction and by test.

Legal basis, per reason (§ 20 = excluded by law, § 21 = concern of bias):

- own organisation is the applicant: § 20 Abs. 1 Satz 1 Nr. 5 VwVfG (employed by, or member of
  the board or a similar organ of, a party). The clause's exception for the "Anstellungs-
  körperschaft" targets the authority's own officials, not external evaluators, so it is not
  applied here.
- own organisation is a project partner: the partner is not a party of the procedure, but it
  gains a direct advantage from the grant (its share of work and funds), and § 20 Abs. 1
  Satz 2 treats such a person like a party; hence § 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 5.
- declared affiliation with applicant or partner (member, former employee, advisory role):
  looser than employment, so no exclusion by law, but reason to doubt impartiality: § 21.
- same municipality (only when the policy says so): local proximity, § 21.
- the evaluator's own declaration for an application: § 21, unless the evaluator states a
  § 20 ground (e.g. relative of the applicant's representative, Nr. 2/4), then § 20.

Every conflict blocks, whichever paragraph: under § 21 the head of the authority decides
whether the person may still take part, and that human decision belongs outside this
function (a waived conflict is removed from the input, with its audit record).

Organisations are matched by id when both sides have one; an organisation known only by name
(a partner not registered in the portal, a free-text affiliation) is matched by its
normalised name. Normalising errs towards matching: a false conflict costs one reassignment,
a missed one makes the evaluation unlawful.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from grants.core.guideline import Text


class OrgRef(NamedTuple):
    """An organisation: its portal id if registered, else (or also) its name."""

    id: str | None
    name: str = ""


class DeclaredConflict(NamedTuple):
    application_id: str
    reason: str  # the evaluator's own words, kept for the audit trail
    excluded: bool = False  # the evaluator names a § 20 ground (e.g. a relative is involved)


@dataclass(frozen=True, slots=True)
class EvaluatorProfile:
    id: str
    organisations: tuple[OrgRef, ...] = ()  # employer; board or similar organ memberships
    affiliations: tuple[OrgRef, ...] = ()  # declared: member, former employee, advisory role
    municipality_keys: frozenset[str] = frozenset()  # declared: residence, council seat, ...
    declared_conflicts: tuple[DeclaredConflict, ...] = ()


@dataclass(frozen=True, slots=True)
class ApplicationParties:
    id: str
    applicant: OrgRef
    partners: tuple[OrgRef, ...] = ()
    municipality_key: str | None = None


@dataclass(frozen=True, slots=True)
class ConflictPolicy:
    # Off by default: in a rural programme an evaluator from the same district is common and
    # not by itself a sign of bias; a guideline may switch it on.
    same_municipality: bool = False


class ConflictReason(StrEnum):
    APPLICANT_ORGANISATION = "applicant_organisation"
    PARTNER_ORGANISATION = "partner_organisation"
    AFFILIATED_WITH_APPLICANT = "affiliated_with_applicant"
    AFFILIATED_WITH_PARTNER = "affiliated_with_partner"
    DECLARED = "declared"
    SAME_MUNICIPALITY = "same_municipality"


LEGAL_BASIS_EMPLOYED = "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG"
LEGAL_BASIS_DIRECT_ADVANTAGE = "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 5 VwVfG"
LEGAL_BASIS_EXCLUDED = "§ 20 Abs. 1 VwVfG"
LEGAL_BASIS_BIAS = "§ 21 Abs. 1 VwVfG"

_TEXTS: Mapping[ConflictReason, Text] = {
    ConflictReason.APPLICANT_ORGANISATION: Text(
        de="Gutachter gehört der antragstellenden Organisation an.",
        en="Evaluator belongs to the applicant organisation.",
    ),
    ConflictReason.PARTNER_ORGANISATION: Text(
        de="Gutachter gehört einer Partnerorganisation des Vorhabens an.",
        en="Evaluator belongs to a partner organisation of the project.",
    ),
    ConflictReason.AFFILIATED_WITH_APPLICANT: Text(
        de="Gutachter hat eine Verbindung zur antragstellenden Organisation erklärt.",
        en="Evaluator declared an affiliation with the applicant organisation.",
    ),
    ConflictReason.AFFILIATED_WITH_PARTNER: Text(
        de="Gutachter hat eine Verbindung zu einer Partnerorganisation erklärt.",
        en="Evaluator declared an affiliation with a partner organisation.",
    ),
    ConflictReason.DECLARED: Text(
        de="Gutachter hat für diesen Antrag eine Befangenheit erklärt.",
        en="Evaluator declared a conflict of interest for this application.",
    ),
    ConflictReason.SAME_MUNICIPALITY: Text(
        de="Gutachter ist mit der Gemeinde des Vorhabens verbunden.",
        en="Evaluator is connected to the project's municipality.",
    ),
}


class ConflictOfInterest(NamedTuple):
    evaluator_id: str
    application_id: str
    reason: ConflictReason
    text: Text
    legal_basis: str
    excluded: bool  # True: § 20, excluded by law; False: § 21, concern of bias
    detail: str  # what matched: the organisation, the municipality key, the declared reason


def reason_text(reason: ConflictReason) -> Text:
    return _TEXTS[reason]


_NOT_ALNUM = re.compile(r"[\W_]+")


# Cached: the same organisation recurs in many evaluators' declarations and applications.
@lru_cache(maxsize=1 << 16)
def normalise_name(name: str) -> str:
    """Unicode form, case, punctuation and spaces removed: "Heimatverein  Musterdorf e.V." and
    "heimatverein musterdorf eV" are the same organisation."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", name).casefold())


def same_organisation(a: OrgRef, b: OrgRef) -> bool:
    """By id when both are registered (two registered homonyms are different organisations),
    else by normalised name."""
    if a.id is not None and b.id is not None:
        return a.id == b.id
    name_a, name_b = normalise_name(a.name), normalise_name(b.name)
    return bool(name_a) and name_a == name_b


def _label(org: OrgRef) -> str:
    return org.name or org.id or ""


def _conflict(
    evaluator_id: str,
    application_id: str,
    reason: ConflictReason,
    legal_basis: str,
    detail: str,
) -> ConflictOfInterest:
    excluded = legal_basis.startswith("§ 20")
    return ConflictOfInterest(
        evaluator_id, application_id, reason, _TEXTS[reason], legal_basis, excluded, detail
    )


def detect_conflicts(
    evaluator: EvaluatorProfile,
    application: ApplicationParties,
    policy: ConflictPolicy = ConflictPolicy(),
) -> tuple[ConflictOfInterest, ...]:
    """Every conflict of one evaluator with one application, in a fixed order; empty if none."""
    found: list[ConflictOfInterest] = []
    e_id, a_id = evaluator.id, application.id
    for org in evaluator.organisations:
        if same_organisation(org, application.applicant):
            found.append(
                _conflict(
                    e_id,
                    a_id,
                    ConflictReason.APPLICANT_ORGANISATION,
                    LEGAL_BASIS_EMPLOYED,
                    _label(application.applicant),
                )
            )
        found.extend(
            _conflict(
                e_id,
                a_id,
                ConflictReason.PARTNER_ORGANISATION,
                LEGAL_BASIS_DIRECT_ADVANTAGE,
                _label(partner),
            )
            for partner in application.partners
            if same_organisation(org, partner)
        )
    for org in evaluator.affiliations:
        if same_organisation(org, application.applicant):
            found.append(
                _conflict(
                    e_id,
                    a_id,
                    ConflictReason.AFFILIATED_WITH_APPLICANT,
                    LEGAL_BASIS_BIAS,
                    _label(application.applicant),
                )
            )
        found.extend(
            _conflict(
                e_id,
                a_id,
                ConflictReason.AFFILIATED_WITH_PARTNER,
                LEGAL_BASIS_BIAS,
                _label(partner),
            )
            for partner in application.partners
            if same_organisation(org, partner)
        )
    found.extend(
        _conflict(
            e_id,
            a_id,
            ConflictReason.DECLARED,
            LEGAL_BASIS_EXCLUDED if declared.excluded else LEGAL_BASIS_BIAS,
            declared.reason,
        )
        for declared in evaluator.declared_conflicts
        if declared.application_id == a_id
    )
    if (
        policy.same_municipality
        and application.municipality_key is not None
        and application.municipality_key in evaluator.municipality_keys
    ):
        found.append(
            _conflict(
                e_id,
                a_id,
                ConflictReason.SAME_MUNICIPALITY,
                LEGAL_BASIS_BIAS,
                application.municipality_key,
            )
        )
    return tuple(found)


class _OrgIndex:
    """Evaluator ids by organisation, so that looking up one organisation answers "who is
    linked to it?" with the same rule as ``same_organisation``."""

    __slots__ = ("by_id", "by_name", "by_name_without_id")

    def __init__(self) -> None:
        self.by_id: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}  # every org with a name
        self.by_name_without_id: dict[str, set[str]] = {}  # only unregistered orgs

    def add(self, org: OrgRef, evaluator_id: str) -> None:
        if org.id is not None:
            self.by_id.setdefault(org.id, set()).add(evaluator_id)
        name = normalise_name(org.name)
        if name:
            self.by_name.setdefault(name, set()).add(evaluator_id)
            if org.id is None:
                self.by_name_without_id.setdefault(name, set()).add(evaluator_id)

    def linked(self, org: OrgRef, into: set[str]) -> None:
        """Add to ``into`` the evaluators linked to ``org``."""
        name = normalise_name(org.name)
        if org.id is not None:
            # Registered: same id, or an unregistered entry with the same name.
            into.update(self.by_id.get(org.id, ()))
            if name:
                into.update(self.by_name_without_id.get(name, ()))
        elif name:
            into.update(self.by_name.get(name, ()))


def conflict_sets(
    evaluators: Iterable[EvaluatorProfile],
    applications: Iterable[ApplicationParties],
    policy: ConflictPolicy = ConflictPolicy(),
) -> dict[str, frozenset[str]]:
    """Application id -> ids of the evaluators conflicted on it (every application is a key;
    the set is empty when nobody is). Cost: linear in evaluators' declarations plus, per
    application, one look-up per party and the size of the result."""
    # Own organisations and declared affiliations block alike; only the reason differs, and
    # the reason is ``detect_conflicts``' business. One index for both.
    linked = _OrgIndex()
    by_municipality: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}
    for evaluator in evaluators:
        for org in (*evaluator.organisations, *evaluator.affiliations):
            linked.add(org, evaluator.id)
        if policy.same_municipality:
            for key in evaluator.municipality_keys:
                by_municipality.setdefault(key, set()).add(evaluator.id)
        for declaration in evaluator.declared_conflicts:
            declared.setdefault(declaration.application_id, set()).add(evaluator.id)

    result: dict[str, frozenset[str]] = {}
    empty: frozenset[str] = frozenset()
    for application in applications:
        found: set[str] = set()
        linked.linked(application.applicant, found)
        for partner in application.partners:
            linked.linked(partner, found)
        found.update(declared.get(application.id, ()))
        if policy.same_municipality and application.municipality_key is not None:
            found.update(by_municipality.get(application.municipality_key, ()))
        result[application.id] = frozenset(found) if found else empty
    return result


# What an evaluator declared about an organisation: employment is the stronger tie.
class AffiliationKind(StrEnum):
    EMPLOYER = "employer"  # works for, or sits on the board of, the organisation
    AFFILIATION = "affiliation"  # member, adviser, relative working there, former employer …
