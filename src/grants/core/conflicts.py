"""Conflicts of interest with an application (§§ 20, 21 VwVfG), pure: for evaluators, for the
officials who decide and for jury members alike.

Inputs are plain data the service loads once per call: each person's declared ties
(organisations by kind, municipal offices, residence) and per-application declarations, and
each application's applicant (with its type and seat), partners and project municipality.
Two entry points:

- ``detect_conflicts(person, application)``: every conflict of one pair, each with a reason
  code, its ground and legal basis, and a German/English text naming that basis; for the
  assignment board, the official's check, the jury and the audit record.
- ``conflict_sets(people, applications)``: for many applications at once, which people are
  conflicted on each. It indexes the people by organisation id, name and municipality key
  once, so each application costs a handful of dictionary look-ups and set unions, never a
  loop over everyone. ``detect_conflicts`` explains any pair it returns; both agree by
  construction and by test.

Grounds, per declared tie (§ 20 = excluded by law, § 21 = concern of bias). The applicant is
the party (Beteiligter); a project partner is not, but it gains a direct advantage from the
grant (its share of work and funds), and § 20 Abs. 1 Satz 2 treats such a person like a
party, so every tie to a partner counts as the same tie to a party "i. V. m. Satz 2":

- employed by (paid), or member of the board, supervisory board or a similar organ of, the
  organisation: § 20 Abs. 1 Satz 1 Nr. 5. The clause's exception for the "Anstellungs-
  körperschaft" targets the authority's own officials and their own employer, which is never
  an applicant here, so it is not applied.
- a municipal office: a seat on the council (Gemeinderat, Stadtrat, Kreistag), or the
  mayoralty or the office of Landrat, of a municipality or district that applies: the
  council and the mayor are organs of the municipality ("gleichartiges Organ"), so Nr. 5.
  Declared by organisation (the municipality or district as registered here, or its name)
  or by the municipality's key (AGS, matched when the applicant is a municipality seated
  there). The office in the *project's* municipality when someone else applies is no
  exclusion, but the municipality usually backs or co-finances a local project: § 21.
- represents the organisation by law or power of attorney (managing director, chair, lawyer):
  Nr. 3.
- a relative (Angehörige, § 20 Abs. 5) is the applicant, for a freelancer (a natural person,
  the party itself): Nr. 2; or represents the applicant organisation (managing director,
  chair, mayor): Nr. 4. A relative who merely works there is an ordinary affiliation (§ 21).
- advised on or drafted the concept or the proposal of the organisation ("in der
  Angelegenheit … sonst tätig geworden"): Nr. 6. The tie is declared per organisation, so it
  covers every application of that organisation in the programme: erring towards matching.
- other declared ties (member, former employee, adviser in other matters): § 21.
- residence in the project's municipality: harmless; § 21 only when the policy says so
  (``ConflictPolicy.same_municipality``, off by default). Residence and office are separate
  kinds on purpose: one is a neighbour, the other an organ of the applicant.
- the person's own declaration for an application: its ground if it names one (e.g. Nr. 6
  for this very proposal), else § 20 Abs. 1 when it says "excluded", else § 21.

Every conflict blocks, whichever paragraph: under § 21 the head of the authority (for a
committee: the committee, § 21 Abs. 2 with § 20 Abs. 4) decides whether the person may still
take part, and that human decision belongs outside this function (a waived conflict is
removed from the input, with its audit record).

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
from grants.core.roles import ApplicantType


class OrgRef(NamedTuple):
    """An organisation: its portal id if registered, else (or also) its name."""

    id: str | None
    name: str = ""


# What someone declared about an organisation or a municipality (``evaluator_affiliations``).
class AffiliationKind(StrEnum):
    EMPLOYER = "employer"  # employed by the organisation: § 20 Abs. 1 Satz 1 Nr. 5
    ORGAN_MEMBER = "organ_member"  # board, supervisory board or similar organ: Nr. 5
    MUNICIPAL_OFFICE = "municipal_office"  # council seat, mayor, Landrat: Nr. 5 (or § 21)
    REPRESENTATIVE = "representative"  # represents the organisation: Nr. 3
    RELATIVE = "relative"  # a relative is the applicant or represents it: Nr. 2 / Nr. 4
    CONCEPT_ADVISER = "concept_adviser"  # advised on or drafted its concept: Nr. 6
    AFFILIATION = "affiliation"  # member, adviser, relative working there, former employer: § 21
    RESIDENCE = "residence"  # lives in the municipality: harmless (§ 21 only by policy)


class Ground(StrEnum):
    """The ground of a conflict: a number of § 20 Abs. 1 Satz 1, § 20 unspecified, or § 21."""

    PARTY = "party"  # Nr. 1: is a party
    RELATIVE_OF_PARTY = "relative_of_party"  # Nr. 2
    REPRESENTATIVE = "representative"  # Nr. 3
    RELATIVE_OF_REPRESENTATIVE = "relative_of_representative"  # Nr. 4
    EMPLOYED_OR_ORGAN = "employed_or_organ"  # Nr. 5
    PRIOR_INVOLVEMENT = "prior_involvement"  # Nr. 6: expert opinion or other work in the matter
    EXCLUDED = "excluded"  # § 20 Abs. 1, the number not stated (a declaration)
    BIAS = "bias"  # § 21 Abs. 1: concern of bias


_NUMBER: Mapping[Ground, str] = {
    Ground.PARTY: "Nr. 1",
    Ground.RELATIVE_OF_PARTY: "Nr. 2, Abs. 5",
    Ground.REPRESENTATIVE: "Nr. 3",
    Ground.RELATIVE_OF_REPRESENTATIVE: "Nr. 4, Abs. 5",
    Ground.EMPLOYED_OR_ORGAN: "Nr. 5",
    Ground.PRIOR_INVOLVEMENT: "Nr. 6",
}

LEGAL_BASIS_EMPLOYED = "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG"
LEGAL_BASIS_DIRECT_ADVANTAGE = "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 5 VwVfG"
LEGAL_BASIS_EXCLUDED = "§ 20 Abs. 1 VwVfG"
LEGAL_BASIS_BIAS = "§ 21 Abs. 1 VwVfG"


def legal_basis(ground: Ground, *, via_partner: bool = False) -> str:
    """The citation of a ground; ``via_partner``: the tie is to a project partner, who counts
    as a party through § 20 Abs. 1 Satz 2 (Nr. 6 concerns the matter, not a party)."""
    if ground is Ground.BIAS:
        return LEGAL_BASIS_BIAS
    if ground is Ground.EXCLUDED:
        return LEGAL_BASIS_EXCLUDED
    number = _NUMBER[ground]
    if via_partner and ground is not Ground.PRIOR_INVOLVEMENT:
        return f"§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 {number} VwVfG"
    return f"§ 20 Abs. 1 Satz 1 {number} VwVfG"


def is_exclusion(ground: Ground) -> bool:
    """§ 20 (excluded by law) rather than § 21 (concern of bias)."""
    return ground is not Ground.BIAS


class DeclaredConflict(NamedTuple):
    application_id: str
    reason: str  # the person's own words, kept for the audit trail
    excluded: bool = False  # the person names a § 20 ground (e.g. a relative is involved)
    ground: Ground | None = None  # which one, when stated (then it decides, not ``excluded``)


@dataclass(frozen=True, slots=True)
class EvaluatorProfile:
    """Everything one person (evaluator, official or jury member) declared."""

    id: str
    organisations: tuple[OrgRef, ...] = ()  # employer; board or similar organ memberships
    affiliations: tuple[OrgRef, ...] = ()  # declared: member, former employee, advisory role
    municipality_keys: frozenset[str] = frozenset()  # residence (and legacy municipality ties)
    declared_conflicts: tuple[DeclaredConflict, ...] = ()
    offices: tuple[OrgRef, ...] = ()  # municipalities or districts the person holds office in
    office_keys: frozenset[str] = frozenset()  # AGS of municipalities the person holds office in
    represented: tuple[OrgRef, ...] = ()  # organisations the person represents
    relatives: tuple[OrgRef, ...] = ()  # a relative is, or represents, the organisation
    advised: tuple[OrgRef, ...] = ()  # advised on or drafted the organisation's concept


# The profile's organisation ties, each matched against applicant and partners alike.
ORG_TIES = ("organisations", "offices", "represented", "relatives", "advised", "affiliations")

# The profile field each declared kind of organisation tie fills.
TIE_OF_KIND: Mapping[AffiliationKind, str] = {
    AffiliationKind.EMPLOYER: "organisations",
    AffiliationKind.ORGAN_MEMBER: "organisations",
    AffiliationKind.MUNICIPAL_OFFICE: "offices",
    AffiliationKind.REPRESENTATIVE: "represented",
    AffiliationKind.RELATIVE: "relatives",
    AffiliationKind.CONCEPT_ADVISER: "advised",
    AffiliationKind.AFFILIATION: "affiliations",
}


@dataclass(frozen=True, slots=True)
class ApplicationParties:
    id: str
    applicant: OrgRef
    partners: tuple[OrgRef, ...] = ()
    municipality_key: str | None = None  # where the project is
    applicant_type: str = ""  # ApplicantType value of the applicant organisation
    applicant_municipality_key: str | None = None  # the applicant organisation's seat (AGS)


@dataclass(frozen=True, slots=True)
class ConflictPolicy:
    # Off by default: in a rural programme an evaluator from the same district is common and
    # not by itself a sign of bias; a guideline may switch it on.
    same_municipality: bool = False


class ConflictReason(StrEnum):
    APPLICANT_ORGANISATION = "applicant_organisation"
    PARTNER_ORGANISATION = "partner_organisation"
    OFFICE_IN_APPLICANT = "office_in_applicant"
    OFFICE_IN_PARTNER = "office_in_partner"
    OFFICE_IN_PROJECT_MUNICIPALITY = "office_in_project_municipality"
    REPRESENTS_APPLICANT = "represents_applicant"
    REPRESENTS_PARTNER = "represents_partner"
    RELATIVE_OF_APPLICANT = "relative_of_applicant"
    RELATIVE_OF_APPLICANT_REPRESENTATIVE = "relative_of_applicant_representative"
    RELATIVE_OF_PARTNER_REPRESENTATIVE = "relative_of_partner_representative"
    ADVISED_ON_CONCEPT = "advised_on_concept"
    AFFILIATED_WITH_APPLICANT = "affiliated_with_applicant"
    AFFILIATED_WITH_PARTNER = "affiliated_with_partner"
    DECLARED = "declared"
    SAME_MUNICIPALITY = "same_municipality"


class Subject(StrEnum):
    """Whose conflict a text speaks of (the texts use pair forms, not the generic masculine)."""

    EVALUATOR = "evaluator"
    OFFICIAL = "official"
    JURY_MEMBER = "jury_member"


_SUBJECTS: Mapping[Subject, Text] = {
    Subject.EVALUATOR: Text(de="Die Gutachterin oder der Gutachter", en="The evaluator"),
    Subject.OFFICIAL: Text(de="Die Amtsträgerin oder der Amtsträger", en="The official"),
    Subject.JURY_MEMBER: Text(de="Das Jurymitglied", en="The jury member"),
}

# "{s}" is the subject; the legal basis is appended to every text.
_TEXTS: Mapping[ConflictReason, Text] = {
    ConflictReason.APPLICANT_ORGANISATION: Text(
        de="{s} ist bei der antragstellenden Organisation beschäftigt oder Mitglied eines "
        "ihrer Organe",
        en="{s} is employed by, or a member of an organ of, the applicant organisation",
    ),
    ConflictReason.PARTNER_ORGANISATION: Text(
        de="{s} ist bei einer Partnerorganisation des Vorhabens beschäftigt oder Mitglied "
        "eines ihrer Organe",
        en="{s} is employed by, or a member of an organ of, a partner organisation",
    ),
    ConflictReason.OFFICE_IN_APPLICANT: Text(
        de="{s} hat ein Amt in der antragstellenden Kommune inne (Sitz im Gemeinderat oder "
        "Kreistag, Bürgermeisteramt, Landrat)",
        en="{s} holds an office of the applicant municipality or district (council seat, "
        "mayoralty, Landrat)",
    ),
    ConflictReason.OFFICE_IN_PARTNER: Text(
        de="{s} hat ein Amt in einer Partnerkommune des Vorhabens inne (Sitz im Gemeinderat "
        "oder Kreistag, Bürgermeisteramt, Landrat)",
        en="{s} holds an office of a partner municipality or district (council seat, "
        "mayoralty, Landrat)",
    ),
    ConflictReason.OFFICE_IN_PROJECT_MUNICIPALITY: Text(
        de="{s} hat ein Amt in der Gemeinde inne, in der das Vorhaben liegt",
        en="{s} holds an office of the municipality where the project is located",
    ),
    ConflictReason.REPRESENTS_APPLICANT: Text(
        de="{s} vertritt die antragstellende Organisation",
        en="{s} represents the applicant organisation",
    ),
    ConflictReason.REPRESENTS_PARTNER: Text(
        de="{s} vertritt eine Partnerorganisation des Vorhabens",
        en="{s} represents a partner organisation of the project",
    ),
    ConflictReason.RELATIVE_OF_APPLICANT: Text(
        de="{s} ist Angehörige oder Angehöriger der Antragstellerin oder des Antragstellers",
        en="{s} is a relative of the applicant",
    ),
    ConflictReason.RELATIVE_OF_APPLICANT_REPRESENTATIVE: Text(
        de="{s} ist Angehörige oder Angehöriger einer Person, die die antragstellende "
        "Organisation vertritt",
        en="{s} is a relative of a person who represents the applicant organisation",
    ),
    ConflictReason.RELATIVE_OF_PARTNER_REPRESENTATIVE: Text(
        de="{s} ist Angehörige oder Angehöriger einer Person, die eine Partnerorganisation "
        "des Vorhabens vertritt",
        en="{s} is a relative of a person who represents a partner organisation",
    ),
    ConflictReason.ADVISED_ON_CONCEPT: Text(
        de="{s} hat die Organisation zu ihrem Vorhaben beraten oder an dessen Konzept mitgewirkt",
        en="{s} advised the organisation on its project or helped to draft its concept",
    ),
    ConflictReason.AFFILIATED_WITH_APPLICANT: Text(
        de="{s} hat eine Verbindung zur antragstellenden Organisation erklärt",
        en="{s} declared an affiliation with the applicant organisation",
    ),
    ConflictReason.AFFILIATED_WITH_PARTNER: Text(
        de="{s} hat eine Verbindung zu einer Partnerorganisation erklärt",
        en="{s} declared an affiliation with a partner organisation",
    ),
    ConflictReason.DECLARED: Text(
        de="{s} hat für diesen Antrag die Besorgnis der Befangenheit erklärt",
        en="{s} declared a concern of bias for this application",
    ),
    ConflictReason.SAME_MUNICIPALITY: Text(
        de="{s} wohnt in der Gemeinde des Vorhabens oder ist ihr verbunden",
        en="{s} lives in, or is connected to, the project's municipality",
    ),
}
_DECLARED_EXCLUSION = Text(
    de="{s} hat für diesen Antrag einen Ausschlussgrund erklärt",
    en="{s} declared a ground for exclusion for this application",
)


class ConflictOfInterest(NamedTuple):
    evaluator_id: str  # the person: an evaluator, an official or a jury member
    application_id: str
    reason: ConflictReason
    text: Text  # names the legal basis
    legal_basis: str
    excluded: bool  # True: § 20, excluded by law; False: § 21, concern of bias
    detail: str  # what matched: the organisation, the municipality key, the declared reason
    ground: Ground = Ground.BIAS


def reason_text(reason: ConflictReason, subject: Subject = Subject.EVALUATOR) -> Text:
    """The sentence of a reason without its legal basis."""
    template, who = _TEXTS[reason], _SUBJECTS[subject]
    return Text(de=template.de.format(s=who.de), en=template.en.format(s=who.en))


def conflict_text(reason: ConflictReason, basis: str, subject: Subject = Subject.EVALUATOR) -> Text:
    """The sentence of a finding, naming its legal basis: what every message says."""
    template = _TEXTS[reason]
    if reason is ConflictReason.DECLARED and basis.startswith("§ 20"):
        template = _DECLARED_EXCLUSION
    who = _SUBJECTS[subject]
    return Text(
        de=f"{template.de.format(s=who.de)} ({basis}).",
        en=f"{template.en.format(s=who.en)} ({basis}).",
    )


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


# Per organisation tie: (reason, ground) for the applicant, and for a partner.
_ORG_RULES: Mapping[str, tuple[tuple[ConflictReason, Ground], tuple[ConflictReason, Ground]]] = {
    "organisations": (
        (ConflictReason.APPLICANT_ORGANISATION, Ground.EMPLOYED_OR_ORGAN),
        (ConflictReason.PARTNER_ORGANISATION, Ground.EMPLOYED_OR_ORGAN),
    ),
    "offices": (
        (ConflictReason.OFFICE_IN_APPLICANT, Ground.EMPLOYED_OR_ORGAN),
        (ConflictReason.OFFICE_IN_PARTNER, Ground.EMPLOYED_OR_ORGAN),
    ),
    "represented": (
        (ConflictReason.REPRESENTS_APPLICANT, Ground.REPRESENTATIVE),
        (ConflictReason.REPRESENTS_PARTNER, Ground.REPRESENTATIVE),
    ),
    "relatives": (
        (ConflictReason.RELATIVE_OF_APPLICANT_REPRESENTATIVE, Ground.RELATIVE_OF_REPRESENTATIVE),
        (ConflictReason.RELATIVE_OF_PARTNER_REPRESENTATIVE, Ground.RELATIVE_OF_REPRESENTATIVE),
    ),
    "advised": (
        (ConflictReason.ADVISED_ON_CONCEPT, Ground.PRIOR_INVOLVEMENT),
        (ConflictReason.ADVISED_ON_CONCEPT, Ground.PRIOR_INVOLVEMENT),
    ),
    "affiliations": (
        (ConflictReason.AFFILIATED_WITH_APPLICANT, Ground.BIAS),
        (ConflictReason.AFFILIATED_WITH_PARTNER, Ground.BIAS),
    ),
}


def detect_conflicts(
    evaluator: EvaluatorProfile,
    application: ApplicationParties,
    policy: ConflictPolicy = ConflictPolicy(),
    subject: Subject = Subject.EVALUATOR,
) -> tuple[ConflictOfInterest, ...]:
    """Every conflict of one person with one application, exclusions (§ 20) first, otherwise
    in a fixed order; empty if none."""
    found: list[ConflictOfInterest] = []
    e_id, a_id = evaluator.id, application.id

    def add(reason: ConflictReason, ground: Ground, detail: str, *, partner: bool) -> None:
        basis = legal_basis(ground, via_partner=partner)
        found.append(
            ConflictOfInterest(
                e_id,
                a_id,
                reason,
                conflict_text(reason, basis, subject),
                basis,
                is_exclusion(ground),
                detail,
                ground,
            )
        )

    applicant = application.applicant
    freelancer = application.applicant_type == ApplicantType.FREELANCER.value
    for tie in ORG_TIES:
        (own_reason, own_ground), (partner_reason, partner_ground) = _ORG_RULES[tie]
        if tie == "relatives" and freelancer:
            # The freelancer is the party itself: a relative of the party (Nr. 2).
            own_reason, own_ground = ConflictReason.RELATIVE_OF_APPLICANT, Ground.RELATIVE_OF_PARTY
        for org in getattr(evaluator, tie):
            if same_organisation(org, applicant):
                add(own_reason, own_ground, _label(applicant), partner=False)
            for partner in application.partners:
                if same_organisation(org, partner):
                    add(partner_reason, partner_ground, _label(partner), partner=True)
    if evaluator.office_keys:
        own_key = (
            application.applicant_municipality_key
            if application.applicant_type == ApplicantType.MUNICIPALITY.value
            else None
        )
        if own_key is not None and own_key in evaluator.office_keys:
            add(
                ConflictReason.OFFICE_IN_APPLICANT, Ground.EMPLOYED_OR_ORGAN, own_key, partner=False
            )
        project_key = application.municipality_key
        if (
            project_key is not None
            and project_key != own_key
            and project_key in evaluator.office_keys
        ):
            add(
                ConflictReason.OFFICE_IN_PROJECT_MUNICIPALITY,
                Ground.BIAS,
                project_key,
                partner=False,
            )
    for declared in evaluator.declared_conflicts:
        if declared.application_id == a_id:
            ground = declared.ground or (Ground.EXCLUDED if declared.excluded else Ground.BIAS)
            add(ConflictReason.DECLARED, ground, declared.reason, partner=False)
    if (
        policy.same_municipality
        and application.municipality_key is not None
        and application.municipality_key in evaluator.municipality_keys
    ):
        add(
            ConflictReason.SAME_MUNICIPALITY,
            Ground.BIAS,
            application.municipality_key,
            partner=False,
        )
    # Exclusions first (a stable sort keeps the order within each paragraph).
    found.sort(key=lambda conflict: not conflict.excluded)
    return tuple(found)


def exclusions(conflicts: Iterable[ConflictOfInterest]) -> tuple[ConflictOfInterest, ...]:
    """The findings that exclude by law (§ 20)."""
    return tuple(conflict for conflict in conflicts if conflict.excluded)


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
    """Application id -> ids of the people conflicted on it (every application is a key; the
    set is empty when nobody is). Cost: linear in the declarations plus, per application, one
    look-up per party and key and the size of the result."""
    # Every organisation tie blocks alike, towards applicant and partners; only the reason
    # differs, and the reason is ``detect_conflicts``' business. One index for all of them.
    linked = _OrgIndex()
    by_office_key: dict[str, set[str]] = {}
    by_municipality: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}
    for evaluator in evaluators:
        for tie in ORG_TIES:
            for org in getattr(evaluator, tie):
                linked.add(org, evaluator.id)
        for key in evaluator.office_keys:
            by_office_key.setdefault(key, set()).add(evaluator.id)
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
        if (
            application.applicant_type == ApplicantType.MUNICIPALITY.value
            and application.applicant_municipality_key is not None
        ):
            found.update(by_office_key.get(application.applicant_municipality_key, ()))
        if application.municipality_key is not None:
            found.update(by_office_key.get(application.municipality_key, ()))
        found.update(declared.get(application.id, ()))
        if policy.same_municipality and application.municipality_key is not None:
            found.update(by_municipality.get(application.municipality_key, ()))
        result[application.id] = frozenset(found) if found else empty
    return result
