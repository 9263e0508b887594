"""The proposal form's pure part: amounts both ways, rows in and out (gaps closed, a removed
row dropped), errors back on the form's fields, and what a conflict names."""

from decimal import Decimal

import pytest

from grants.applications.schemas import DraftContent
from grants.web import draft_forms


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0"), "0,00"),
        (Decimal("12.5"), "12,50"),
        (Decimal("1234"), "1.234,00"),
        (Decimal("1250000.05"), "1.250.000,05"),
        (Decimal("-5000"), "-5.000,00"),
    ],
)
def test_german_amounts(value: Decimal, text: str) -> None:
    assert draft_forms.german_amount(value) == text


def test_cost_rows_close_gaps_and_drop_the_removed_one() -> None:
    form = {
        "cost-1-category": "equipment",
        "cost-1-amount": "1.000",
        "cost-2-description": "",
        "cost-4-category": "personnel",
        "cost-4-amount": "2000,5",
        "cost-5-category": "rent",
        "cost-5-amount": "10",
    }
    parsed = draft_forms.parse("kosten", form, remove=("cost", 5))
    assert [line["amount"] for line in parsed.body["cost_lines"]] == ["1000", "2000.5"]
    assert parsed.rows["cost"] == [1, 4]
    assert parsed.body["financing"] is None  # nothing of it filled in
    # An error on the second line of the list is the form's row 4.
    assert draft_forms.field_id(("cost_lines", 1, "amount"), parsed) == "cost-4-amount"
    assert draft_forms.field_id(("financing", "own_funds"), parsed) == "own_funds"
    assert draft_forms.label_of("cost-4-amount") == "Kostenplan, Zeile 4: Betrag"


def test_financing_takes_missing_third_party_funds_as_zero() -> None:
    parsed = draft_forms.parse("kosten", {"requested_grant": "10.000", "own_funds": "2.500,00"})
    assert parsed.body["financing"] == {
        "requested_grant": "10000",
        "own_funds": "2500.00",
        "third_party_funds": "0",
    }


def test_a_stored_draft_comes_back_into_the_form() -> None:
    draft = DraftContent.model_validate(
        {
            "title": "Werkstatt",
            "objectives": ["e", "a"],
            "cost_lines": [
                {"category": "equipment", "description": "Drucker", "amount": "12500"},
                {"category": "rent", "description": "Miete", "amount": "600.5"},
            ],
            "financing": {"requested_grant": "10000", "own_funds": "3100.5"},
            "declarations": {"not_started_declared": True, "economic_activity": False},
        }
    )
    values = draft_forms.values_of(draft)
    assert values["cost-2-amount"] == "600,50"
    assert values["own_funds"] == "3.100,50"
    assert values["objectives"] == "a,e"
    assert values["not_started_declared"] == "ja"
    assert values["subsidy_relevant_facts_acknowledged"] == ""
    assert values["economic_activity"] == "nein"
    assert draft_forms.row_count("cost", values) == 3  # two filled, at least three shown
    assert draft_forms.row_count("cost", values, extra=1) == 4
    # Read back, the form gives the same draft.
    again = draft_forms.validate(draft_forms.parse("kosten", values))[0]
    assert again is not None and again.cost_lines == draft.cost_lines


def test_a_conflict_names_only_the_steps_fields_that_differ() -> None:
    mine = {"title": "B", "summary": "gleich", "goals": "anders"}
    stored = {"title": "A", "summary": "gleich", "goals": "x"}
    assert draft_forms.changed_fields("grunddaten", mine, stored) == ["title"]
    assert draft_forms.changed_fields("konzept", mine, stored) == ["goals"]


def test_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError, match="no form step"):
        draft_forms.parse("pruefen", {})
