"""A letter is never rendered incomplete: what is missing is named, all of it at once."""

import pytest

from grants.letters.content import IncompleteLetter, decision_letter
from tests.unit.letters.sample import (
    LETTERHEAD,
    amendment,
    approval,
    final_settlement,
    rejection,
    revocation,
)


def test_an_issued_letter_needs_the_letterhead_a_person_set() -> None:
    with pytest.raises(IncompleteLetter) as refused:
        decision_letter(approval(), None, guideline_title="FRL", draft=False)
    assert refused.value.missing == ["Briefkopf des Programms (letterhead): nicht festgelegt"]
    partial = LETTERHEAD | {"seat": "", "privacy_url": None}
    with pytest.raises(IncompleteLetter) as refused:
        decision_letter(approval(), partial, guideline_title="FRL", draft=False)
    assert refused.value.missing == [
        "Briefkopf: Sitz der Behörde fehlt",
        "Briefkopf: Fundstelle der Datenschutzhinweise (Art. 13 DSGVO) fehlt",
    ]


def test_every_missing_mandatory_part_of_an_approval_is_named() -> None:
    decision = approval(instalments=[], subsidy_relevant_facts=None, anbest={"set": ""})
    decision["official_name"] = ""
    decision["content"]["recipient"]["street"] = " "
    with pytest.raises(IncompleteLetter) as refused:
        decision_letter(decision, LETTERHEAD, guideline_title="FRL", draft=False)
    assert refused.value.missing == [
        "Straße des Empfängers",
        "Name der freigebenden Person (§ 37 Abs. 3 VwVfG)",
        "Jahresraten",
        "ANBest-P oder ANBest-K",
        "subventionserhebliche Tatsachen (§ 2 SubvG)",
    ]


def test_an_unreleased_decision_has_no_letter_only_a_preview() -> None:
    decision = approval()
    decision["released_at"] = None
    with pytest.raises(IncompleteLetter, match="§ 35a"):
        decision_letter(decision, LETTERHEAD, guideline_title="FRL", draft=False)
    decision_letter(
        decision | {"drafted_at": "2026-12-01T08:00:00+00:00"},
        None,
        guideline_title="FRL",
        draft=True,
    )


def test_a_rejection_without_reasons_or_discretion_is_refused() -> None:
    with pytest.raises(IncompleteLetter) as refused:
        decision_letter(
            rejection(reasons=[], discretion=" "), LETTERHEAD, guideline_title="FRL", draft=False
        )
    assert refused.value.missing == [
        "Gründe der Ablehnung (§ 39 Abs. 1 VwVfG)",
        "Ausübung des Ermessens (§ 39 Abs. 1 S. 3 VwVfG)",
    ]


def test_a_revocation_needs_the_weighed_comment_and_an_account_for_the_refund() -> None:
    with pytest.raises(IncompleteLetter) as refused:
        decision_letter(
            revocation(response_weighed=""), LETTERHEAD, guideline_title="F", draft=False
        )
    assert refused.value.missing == ["Würdigung der Äußerung aus der Anhörung (§ 28 VwVfG)"]
    with pytest.raises(IncompleteLetter, match="IBAN"):
        decision_letter(revocation(), LETTERHEAD | {"iban": ""}, guideline_title="F", draft=False)


def test_an_amendment_names_what_it_amends_and_on_whose_request() -> None:
    decision = amendment(request={"text": "x", "received_on": ""}, changes={})
    with pytest.raises(IncompleteLetter) as refused:
        decision_letter(decision, LETTERHEAD, guideline_title="FRL", draft=False)
    assert refused.value.missing == [
        "Tag des Änderungsantrags",
        "bisherige Festsetzung",
        "neue Festsetzung",
    ]
    # Amended as a partial approval, it needs a reason for falling short, as one does.
    with pytest.raises(IncompleteLetter, match="Abweichung"):
        decision_letter(
            amendment(amended_as="partial_approval"), LETTERHEAD, guideline_title="F", draft=False
        )


def test_a_final_settlement_needs_the_checked_proof_and_its_computation() -> None:
    decision = final_settlement(proof={"number": 1, "checked_at": None, "final_grant": None})
    with pytest.raises(IncompleteLetter) as refused:
        decision_letter(decision, LETTERHEAD, guideline_title="FRL", draft=False)
    assert refused.value.missing == [
        "Prüfung des Verwendungsnachweises",
        "Berechnung der festgesetzten Zuwendung",
    ]


def test_a_kind_without_a_template_is_named() -> None:
    decision = approval()
    decision["kind"] = "interest"
    with pytest.raises(IncompleteLetter, match="keine Briefvorlage"):
        decision_letter(decision, LETTERHEAD, guideline_title="FRL", draft=False)
