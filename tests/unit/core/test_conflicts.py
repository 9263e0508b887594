"""Conflicts of interest: every reason with its legal basis (table: each ground of § 20 Abs. 1
VwVfG and § 21), texts that name the paragraph, and the indexed ``conflict_sets`` against the
pairwise ``detect_conflicts`` on random pools (Hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.conflicts import (
    ApplicationParties,
    ConflictPolicy,
    ConflictReason,
    DeclaredConflict,
    EvaluatorProfile,
    Ground,
    OrgRef,
    Subject,
    conflict_sets,
    conflict_text,
    detect_conflicts,
    exclusions,
    legal_basis,
    normalise_name,
    reason_text,
    same_organisation,
)

R = ConflictReason
ON = ConflictPolicy(same_municipality=True)

APPLICANT = OrgRef("org-applicant", "Heimatverein Musterdorf e.V.")
PARTNER = OrgRef("org-partner", "Stadtwerke Musterstadt GmbH")
UNREGISTERED_PARTNER = OrgRef(None, "Makerspace  Lausitz")
APPLICATION = ApplicationParties(
    id="app-1",
    applicant=APPLICANT,
    partners=(PARTNER, UNREGISTERED_PARTNER),
    municipality_key="14521530",
    applicant_type="nonprofit",
    applicant_municipality_key="14521530",
)
# A municipality applying itself (its seat is its own AGS); the project lies there too.
TOWN = OrgRef("org-town", "Stadt Schneeberg")
TOWN_APPLICATION = ApplicationParties(
    id="app-1",
    applicant=TOWN,
    partners=(OrgRef(None, "Gemeinde Zschorlau"),),
    municipality_key="14521530",
    applicant_type="municipality",
    applicant_municipality_key="14521530",
)
# A freelancer applying: a natural person, the party itself.
FREELANCER_APPLICATION = ApplicationParties(
    id="app-1",
    applicant=OrgRef("org-fl", "Dipl.-Des. Erika Muster"),
    municipality_key="14521530",
    applicant_type="freelancer",
    applicant_municipality_key="14521530",
)

CASES = [
    # (name, evaluator, policy, expected reasons, expected legal basis of the first, excluded)
    (
        "own organisation is the applicant (by id)",
        EvaluatorProfile("e", organisations=(OrgRef("org-applicant", "anders benannt"),)),
        ConflictPolicy(),
        [R.APPLICANT_ORGANISATION],
        "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "own organisation known only by name matches the applicant",
        EvaluatorProfile("e", organisations=(OrgRef(None, "heimatverein musterdorf eV"),)),
        ConflictPolicy(),
        [R.APPLICANT_ORGANISATION],
        "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "own organisation is a registered partner",
        EvaluatorProfile("e", organisations=(PARTNER,)),
        ConflictPolicy(),
        [R.PARTNER_ORGANISATION],
        "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "own registered organisation matches a partner known only by name",
        EvaluatorProfile("e", organisations=(OrgRef("org-9", "MAKERSPACE LAUSITZ"),)),
        ConflictPolicy(),
        [R.PARTNER_ORGANISATION],
        "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "declared affiliation with the applicant",
        EvaluatorProfile("e", affiliations=(OrgRef("org-applicant"),)),
        ConflictPolicy(),
        [R.AFFILIATED_WITH_APPLICANT],
        "§ 21 Abs. 1 VwVfG",
        False,
    ),
    (
        "declared affiliation with a partner",
        EvaluatorProfile("e", affiliations=(OrgRef(None, "Stadtwerke Musterstadt GmbH"),)),
        ConflictPolicy(),
        [R.AFFILIATED_WITH_PARTNER],
        "§ 21 Abs. 1 VwVfG",
        False,
    ),
    (
        "declared conflict for this application (bias)",
        EvaluatorProfile("e", declared_conflicts=(DeclaredConflict("app-1", "Nachbar"),)),
        ConflictPolicy(),
        [R.DECLARED],
        "§ 21 Abs. 1 VwVfG",
        False,
    ),
    (
        "declared conflict naming a § 20 ground",
        EvaluatorProfile(
            "e", declared_conflicts=(DeclaredConflict("app-1", "Schwester", excluded=True),)
        ),
        ConflictPolicy(),
        [R.DECLARED],
        "§ 20 Abs. 1 VwVfG",
        True,
    ),
    (
        "same municipality with the policy on",
        EvaluatorProfile("e", municipality_keys=frozenset({"14521530"})),
        ON,
        [R.SAME_MUNICIPALITY],
        "§ 21 Abs. 1 VwVfG",
        False,
    ),
    (
        "both own organisation and affiliation: both reported, § 20 first",
        EvaluatorProfile("e", organisations=(APPLICANT,), affiliations=(PARTNER,)),
        ConflictPolicy(),
        [R.APPLICANT_ORGANISATION, R.AFFILIATED_WITH_PARTNER],
        "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "an affiliation declared first still reports the exclusion first",
        EvaluatorProfile("e", affiliations=(PARTNER,), advised=(APPLICANT,)),
        ConflictPolicy(),
        [R.ADVISED_ON_CONCEPT, R.AFFILIATED_WITH_PARTNER],
        "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG",
        True,
    ),
    (
        "organ of the applicant (board) is Nr. 5 like employment",
        EvaluatorProfile("e", organisations=(OrgRef(None, "Heimatverein Musterdorf e. V."),)),
        ConflictPolicy(),
        [R.APPLICANT_ORGANISATION],
        "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "represents the applicant: Nr. 3",
        EvaluatorProfile("e", represented=(APPLICANT,)),
        ConflictPolicy(),
        [R.REPRESENTS_APPLICANT],
        "§ 20 Abs. 1 Satz 1 Nr. 3 VwVfG",
        True,
    ),
    (
        "represents a partner: Nr. 3 through Satz 2",
        EvaluatorProfile("e", represented=(PARTNER,)),
        ConflictPolicy(),
        [R.REPRESENTS_PARTNER],
        "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 3 VwVfG",
        True,
    ),
    (
        "relative of the applicant organisation's representative: Nr. 4 with Abs. 5",
        EvaluatorProfile("e", relatives=(APPLICANT,)),
        ConflictPolicy(),
        [R.RELATIVE_OF_APPLICANT_REPRESENTATIVE],
        "§ 20 Abs. 1 Satz 1 Nr. 4, Abs. 5 VwVfG",
        True,
    ),
    (
        "relative of a partner's representative: Nr. 4 through Satz 2",
        EvaluatorProfile("e", relatives=(UNREGISTERED_PARTNER,)),
        ConflictPolicy(),
        [R.RELATIVE_OF_PARTNER_REPRESENTATIVE],
        "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 4, Abs. 5 VwVfG",
        True,
    ),
    (
        "advised on or drafted the applicant's concept: Nr. 6",
        EvaluatorProfile("e", advised=(APPLICANT,)),
        ConflictPolicy(),
        [R.ADVISED_ON_CONCEPT],
        "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG",
        True,
    ),
    (
        "advised a partner on the same project: Nr. 6 (the matter, no Satz 2 needed)",
        EvaluatorProfile("e", advised=(PARTNER,)),
        ConflictPolicy(),
        [R.ADVISED_ON_CONCEPT],
        "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG",
        True,
    ),
    (
        "office in the project's municipality when an association applies: § 21 only",
        EvaluatorProfile("e", office_keys=frozenset({"14521530"})),
        ConflictPolicy(),
        [R.OFFICE_IN_PROJECT_MUNICIPALITY],
        "§ 21 Abs. 1 VwVfG",
        False,
    ),
    (
        "declared conflict naming its ground (Nr. 6 for this very proposal)",
        EvaluatorProfile(
            "e",
            declared_conflicts=(
                DeclaredConflict(
                    "app-1", "Konzept mitgeschrieben", ground=Ground.PRIOR_INVOLVEMENT
                ),
            ),
        ),
        ConflictPolicy(),
        [R.DECLARED],
        "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG",
        True,
    ),
]

MUNICIPAL_CASES = [
    # (name, evaluator, application, expected reasons, legal basis of the first, excluded)
    (
        "council seat of the applicant municipality, by its key: Nr. 5",
        EvaluatorProfile("e", office_keys=frozenset({"14521530"})),
        TOWN_APPLICATION,
        [R.OFFICE_IN_APPLICANT],
        "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "mayoralty of the applicant municipality, by organisation: Nr. 5",
        EvaluatorProfile("e", offices=(OrgRef(None, "stadt schneeberg"),)),
        TOWN_APPLICATION,
        [R.OFFICE_IN_APPLICANT],
        "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "Landrat of an applicant district, named as the organisation: Nr. 5",
        EvaluatorProfile("e", offices=(OrgRef(None, "Landkreis Zwickau"),)),
        ApplicationParties(
            "app-1",
            OrgRef("org-lk", "Landkreis Zwickau"),
            applicant_type="municipality",
            applicant_municipality_key="14524330",
        ),
        [R.OFFICE_IN_APPLICANT],
        "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "office in a partner municipality: Nr. 5 through Satz 2",
        EvaluatorProfile("e", offices=(OrgRef(None, "Gemeinde Zschorlau"),)),
        TOWN_APPLICATION,
        [R.OFFICE_IN_PARTNER],
        "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 5 VwVfG",
        True,
    ),
    (
        "relative of a freelancer applicant: Nr. 2 with Abs. 5 (the party itself)",
        EvaluatorProfile("e", relatives=(OrgRef("org-fl"),)),
        FREELANCER_APPLICATION,
        [R.RELATIVE_OF_APPLICANT],
        "§ 20 Abs. 1 Satz 1 Nr. 2, Abs. 5 VwVfG",
        True,
    ),
    (
        "residence in the applicant municipality is harmless even with the policy off…",
        EvaluatorProfile("e", municipality_keys=frozenset({"14521530"})),
        TOWN_APPLICATION,
        [],
        "",
        False,
    ),
]


@pytest.mark.parametrize(
    ("evaluator", "policy", "reasons", "basis", "excluded"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_reason_is_detected_with_its_legal_basis(
    evaluator: EvaluatorProfile,
    policy: ConflictPolicy,
    reasons: list[ConflictReason],
    basis: str,
    excluded: bool,
) -> None:
    found = detect_conflicts(evaluator, APPLICATION, policy)
    assert [conflict.reason for conflict in found] == reasons
    assert found[0].legal_basis == basis
    assert found[0].excluded is excluded
    assert all(c.evaluator_id == "e" and c.application_id == "app-1" for c in found)
    assert conflict_sets([evaluator], [APPLICATION], policy) == {"app-1": frozenset({"e"})}


@pytest.mark.parametrize(
    ("evaluator", "application", "reasons", "basis", "excluded"),
    [case[1:] for case in MUNICIPAL_CASES],
    ids=[case[0] for case in MUNICIPAL_CASES],
)
def test_municipal_office_and_freelancer_grounds(
    evaluator: EvaluatorProfile,
    application: ApplicationParties,
    reasons: list[ConflictReason],
    basis: str,
    excluded: bool,
) -> None:
    found = detect_conflicts(evaluator, application)
    assert [conflict.reason for conflict in found] == reasons
    if reasons:
        assert found[0].legal_basis == basis
        assert found[0].excluded is excluded
        assert basis in found[0].text.de and basis in found[0].text.en
    expected = frozenset({"e"}) if reasons else frozenset()
    assert conflict_sets([evaluator], [application]) == {"app-1": expected}


def test_the_same_key_as_residence_and_as_office_differ() -> None:
    """Residence and office are separate kinds: a resident is a neighbour, an office-holder
    an organ of the applicant municipality."""
    resident = EvaluatorProfile("r", municipality_keys=frozenset({"14521530"}))
    mayor = EvaluatorProfile("m", office_keys=frozenset({"14521530"}))
    assert detect_conflicts(resident, TOWN_APPLICATION) == ()
    (found,) = detect_conflicts(mayor, TOWN_APPLICATION)
    assert found.ground is Ground.EMPLOYED_OR_ORGAN and found.excluded
    # With the guideline's policy on, residence is a concern of bias, never an exclusion.
    (concern,) = detect_conflicts(resident, TOWN_APPLICATION, ON)
    assert concern.reason is R.SAME_MUNICIPALITY and not concern.excluded


def test_an_office_key_does_not_make_a_non_municipal_applicant_an_office() -> None:
    """The key matches the applicant only when the applicant is a municipality; an
    association seated there gives only the § 21 concern for the project's municipality."""
    mayor = EvaluatorProfile("m", office_keys=frozenset({"14521530"}))
    (found,) = detect_conflicts(mayor, APPLICATION)
    assert found.reason is R.OFFICE_IN_PROJECT_MUNICIPALITY
    assert found.legal_basis == "§ 21 Abs. 1 VwVfG"


def test_legal_basis_of_every_ground() -> None:
    assert legal_basis(Ground.PARTY) == "§ 20 Abs. 1 Satz 1 Nr. 1 VwVfG"
    assert legal_basis(Ground.RELATIVE_OF_PARTY) == "§ 20 Abs. 1 Satz 1 Nr. 2, Abs. 5 VwVfG"
    assert legal_basis(Ground.REPRESENTATIVE) == "§ 20 Abs. 1 Satz 1 Nr. 3 VwVfG"
    assert (
        legal_basis(Ground.RELATIVE_OF_REPRESENTATIVE) == "§ 20 Abs. 1 Satz 1 Nr. 4, Abs. 5 VwVfG"
    )
    assert legal_basis(Ground.EMPLOYED_OR_ORGAN) == "§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG"
    assert legal_basis(Ground.PRIOR_INVOLVEMENT) == "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG"
    assert legal_basis(Ground.PRIOR_INVOLVEMENT, via_partner=True) == (
        "§ 20 Abs. 1 Satz 1 Nr. 6 VwVfG"
    )
    assert legal_basis(Ground.PARTY, via_partner=True) == (
        "§ 20 Abs. 1 Satz 2 i. V. m. Satz 1 Nr. 1 VwVfG"
    )
    assert legal_basis(Ground.EXCLUDED) == "§ 20 Abs. 1 VwVfG"
    assert legal_basis(Ground.BIAS) == "§ 21 Abs. 1 VwVfG"


def test_exclusions_keeps_only_paragraph_20() -> None:
    found = detect_conflicts(
        EvaluatorProfile("e", organisations=(APPLICANT,), affiliations=(PARTNER,)), APPLICATION
    )
    assert [c.reason for c in exclusions(found)] == [R.APPLICANT_ORGANISATION]


NO_CONFLICT = [
    ("unrelated evaluator", EvaluatorProfile("e", organisations=(OrgRef("org-x", "X"),)), ON),
    (
        "same municipality with the policy off (default)",
        EvaluatorProfile("e", municipality_keys=frozenset({"14521530"})),
        ConflictPolicy(),
    ),
    (
        "other municipality with the policy on",
        EvaluatorProfile("e", municipality_keys=frozenset({"14612000"})),
        ON,
    ),
    (
        "registered homonym with another id is another organisation",
        EvaluatorProfile("e", organisations=(OrgRef("org-other", APPLICANT.name),)),
        ON,
    ),
    (
        "declared conflict for another application",
        EvaluatorProfile("e", declared_conflicts=(DeclaredConflict("app-2", "Nachbar"),)),
        ON,
    ),
    ("empty name never matches", EvaluatorProfile("e", affiliations=(OrgRef(None, " . "),)), ON),
]


@pytest.mark.parametrize(
    ("evaluator", "policy"), [case[1:] for case in NO_CONFLICT], ids=[c[0] for c in NO_CONFLICT]
)
def test_no_conflict(evaluator: EvaluatorProfile, policy: ConflictPolicy) -> None:
    assert detect_conflicts(evaluator, APPLICATION, policy) == ()
    assert conflict_sets([evaluator], [APPLICATION], policy) == {"app-1": frozenset()}


def test_application_without_municipality_has_no_municipality_conflict() -> None:
    evaluator = EvaluatorProfile("e", municipality_keys=frozenset({"14521530"}))
    application = ApplicationParties("app-1", APPLICANT, municipality_key=None)
    assert detect_conflicts(evaluator, application, ON) == ()


def test_every_reason_has_german_and_english_text_in_pair_form() -> None:
    for reason in ConflictReason:
        for subject in Subject:
            text = reason_text(reason, subject)
            assert text.de and text.en
            assert "{s}" not in text.de and "{s}" not in text.en
    found = detect_conflicts(EvaluatorProfile("e", organisations=(APPLICANT,)), APPLICATION)
    assert found[0].text.de == (
        "Die Gutachterin oder der Gutachter ist bei der antragstellenden Organisation "
        "beschäftigt oder Mitglied eines ihrer Organe (§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG)."
    )
    assert found[0].text.en == (
        "The evaluator is employed by, or a member of an organ of, the applicant organisation "
        "(§ 20 Abs. 1 Satz 1 Nr. 5 VwVfG)."
    )
    assert found[0].detail == APPLICANT.name
    # Officials and jury members are named as such.
    official = detect_conflicts(
        EvaluatorProfile("o", organisations=(APPLICANT,)), APPLICATION, subject=Subject.OFFICIAL
    )
    assert official[0].text.de.startswith("Die Amtsträgerin oder der Amtsträger ist")
    member = detect_conflicts(
        EvaluatorProfile("j", relatives=(APPLICANT,)), APPLICATION, subject=Subject.JURY_MEMBER
    )
    assert member[0].text.de.startswith("Das Jurymitglied ist Angehörige oder Angehöriger")


def test_a_declaration_text_says_exclusion_or_bias_by_its_paragraph() -> None:
    excluded = conflict_text(R.DECLARED, "§ 20 Abs. 1 VwVfG")
    bias = conflict_text(R.DECLARED, "§ 21 Abs. 1 VwVfG")
    assert "Ausschlussgrund" in excluded.de and excluded.de.endswith("(§ 20 Abs. 1 VwVfG).")
    assert "Befangenheit" in bias.de and bias.de.endswith("(§ 21 Abs. 1 VwVfG).")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Heimatverein  Musterdorf e.V.", "heimatverein musterdorf eV", True),
        ("Straße-Bau GmbH", "STRASSE BAU GMBH", True),  # casefold turns ß into ss
        ("Café Löwe", "Cafe Loewe", False),  # no transliteration: umlauts stay
    ],
)
def test_name_normalisation(a: str, b: str, same: bool) -> None:
    assert (normalise_name(a) == normalise_name(b)) is same


def test_same_organisation_prefers_ids_when_both_have_them() -> None:
    assert same_organisation(OrgRef("1", "A"), OrgRef("1", "B"))
    assert not same_organisation(OrgRef("1", "A"), OrgRef("2", "A"))
    assert same_organisation(OrgRef("1", "A"), OrgRef(None, "a"))
    assert not same_organisation(OrgRef(None, ""), OrgRef(None, ""))


# Random pools over a small universe, so that matches are frequent.
ORG_IDS = st.one_of(st.none(), st.sampled_from(["o1", "o2", "o3", "o4"]))
ORG_NAMES = st.sampled_from(["", "Alpha e.V.", "alpha ev", "Beta GmbH", "Gamma"])
orgs = st.builds(OrgRef, ORG_IDS, ORG_NAMES)
MUNICIPALITIES = st.sampled_from(["m1", "m2", "m3"])
APP_IDS = ["a1", "a2", "a3", "a4", "a5"]


TYPES = st.sampled_from(["municipality", "nonprofit", "freelancer", ""])
few_orgs = st.lists(orgs, max_size=1)


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[EvaluatorProfile], list[ApplicationParties]]:
    evaluators = [
        EvaluatorProfile(
            id=f"e{i}",
            organisations=tuple(draw(st.lists(orgs, max_size=2))),
            affiliations=tuple(draw(st.lists(orgs, max_size=2))),
            municipality_keys=frozenset(draw(st.lists(MUNICIPALITIES, max_size=2))),
            declared_conflicts=tuple(
                DeclaredConflict(app_id, "erklärt", draw(st.booleans()))
                for app_id in draw(st.lists(st.sampled_from(APP_IDS), max_size=2))
            ),
            offices=tuple(draw(few_orgs)),
            office_keys=frozenset(draw(st.lists(MUNICIPALITIES, max_size=1))),
            represented=tuple(draw(few_orgs)),
            relatives=tuple(draw(few_orgs)),
            advised=tuple(draw(few_orgs)),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    applications = [
        ApplicationParties(
            id=app_id,
            applicant=draw(orgs),
            partners=tuple(draw(st.lists(orgs, max_size=3))),
            municipality_key=draw(st.one_of(st.none(), MUNICIPALITIES)),
            applicant_type=draw(TYPES),
            applicant_municipality_key=draw(st.one_of(st.none(), MUNICIPALITIES)),
        )
        for app_id in APP_IDS[: draw(st.integers(0, len(APP_IDS)))]
    ]
    return evaluators, applications


@given(pools(), st.booleans())
def test_indexed_sets_equal_the_pairwise_detection(
    pool: tuple[list[EvaluatorProfile], list[ApplicationParties]], municipality: bool
) -> None:
    evaluators, applications = pool
    policy = ConflictPolicy(same_municipality=municipality)
    expected = {
        application.id: frozenset(
            evaluator.id
            for evaluator in evaluators
            if detect_conflicts(evaluator, application, policy)
        )
        for application in applications
    }
    assert conflict_sets(evaluators, applications, policy) == expected


@given(pools())
def test_every_detected_conflict_is_explained(
    pool: tuple[list[EvaluatorProfile], list[ApplicationParties]],
) -> None:
    evaluators, applications = pool
    for evaluator in evaluators:
        for application in applications:
            found = detect_conflicts(evaluator, application, ON)
            for conflict in found:
                assert conflict.legal_basis.startswith(("§ 20", "§ 21"))
                assert conflict.excluded is conflict.legal_basis.startswith("§ 20")
                assert conflict.text == conflict_text(conflict.reason, conflict.legal_basis)
                assert f"({conflict.legal_basis})." in conflict.text.de
            # Exclusions come first.
            flags = [conflict.excluded for conflict in found]
            assert flags == sorted(flags, reverse=True)
