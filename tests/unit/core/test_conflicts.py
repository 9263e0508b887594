"""Conflicts of interest: every reason with its legal basis (table), and the indexed
``conflict_sets`` against the pairwise ``detect_conflicts`` on random pools (Hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.core.conflicts import (
    ApplicationParties,
    ConflictPolicy,
    ConflictReason,
    DeclaredConflict,
    EvaluatorProfile,
    OrgRef,
    conflict_sets,
    detect_conflicts,
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


def test_every_reason_has_german_and_english_text() -> None:
    for reason in ConflictReason:
        text = reason_text(reason)
        assert text.de
        assert text.en
    found = detect_conflicts(EvaluatorProfile("e", organisations=(APPLICANT,)), APPLICATION)
    assert found[0].text.de == "Gutachter gehört der antragstellenden Organisation an."
    assert found[0].text.en == "Evaluator belongs to the applicant organisation."
    assert found[0].detail == APPLICANT.name


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


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[EvaluatorProfile], list[ApplicationParties]]:
    evaluators = [
        EvaluatorProfile(
            id=f"e{i}",
            organisations=tuple(draw(st.lists(orgs, max_size=2))),
            affiliations=tuple(draw(st.lists(orgs, max_size=2))),
            municipality_keys=frozenset(draw(st.lists(MUNICIPALITIES, max_size=2))),
            declared_conflicts=tuple(
                DeclaredConflict(app_id, "erklärt")
                for app_id in draw(st.lists(st.sampled_from(APP_IDS), max_size=2))
            ),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    applications = [
        ApplicationParties(
            id=app_id,
            applicant=draw(orgs),
            partners=tuple(draw(st.lists(orgs, max_size=3))),
            municipality_key=draw(st.one_of(st.none(), MUNICIPALITIES)),
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
            for conflict in detect_conflicts(evaluator, application, ON):
                assert conflict.legal_basis.startswith(("§ 20", "§ 21"))
                assert conflict.excluded is conflict.legal_basis.startswith("§ 20")
                assert conflict.text == reason_text(conflict.reason)
