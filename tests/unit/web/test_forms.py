"""The pre-check form read into the API's request model: German amounts, rows that count,
errors put back at the field they concern."""

import pytest

from grants.web.forms import amount_text, field_id, label_of, parse, validate


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("12.500,50", "12500.50"),
        ("12500,5", "12500.5"),
        ("3.000", "3000"),
        ("1.250.000", "1250000"),
        ("12500.50", "12500.50"),  # the API's own form passes as it is
        (" 45 000,00 € ", "45000.00"),
        ("3.00", "3.00"),  # not groups of three: left to the API's rule
        ("zwölf", "zwölf"),
    ],
)
def test_amounts_as_typed_on_a_german_form(typed: str, sent: str) -> None:
    assert amount_text(typed) == sent


def _params(**extra: str) -> dict[str, str]:
    return {
        "guideline": "frl-lifd",
        "call": "demo",
        "applicant_type": "nonprofit",
        "municipality_key": "14521530",
        "funding_line": "stationary",
        "planned_start": "2027-03-01",
        "planned_end": "2028-03-31",
        "requested_grant": "8.000,00",
        "own_funds": "4.500,00",
        **extra,
    }


def test_only_filled_rows_count_and_errors_point_at_the_forms_row() -> None:
    parsed = parse(
        _params(**{"cost-2-category": "equipment", "cost-5-amount": "x", "cost-5-category": "a"}),
        ["a"],
    )
    assert parsed.cost_rows == [2, 5]
    assert [line["amount"] for line in parsed.body["cost_lines"]] == ["", "x"]
    checked, errors = validate(parsed)
    assert checked is None
    assert "cost-5-amount" in errors.by_field and "cost-2-amount" in errors.by_field
    assert errors.by_field["cost-2-amount"].startswith("Betrag erwartet")
    assert label_of("cost-5-amount") == "Kostenplan, Zeile 5: Betrag"
    assert field_id(("financing", "own_funds"), parsed) == "own_funds"
    assert field_id(("objectives",), parsed) == "objectives"


def test_a_complete_form_is_the_apis_request() -> None:
    parsed = parse(
        _params(
            **{
                "cost-1-category": "equipment",
                "cost-1-amount": "12.500,00",
                "economic_activity": "nein",
            }
        ),
        ["a", "e"],
    )
    checked, errors = validate(parsed)
    assert not errors
    assert checked is not None
    assert str(checked.cost_lines[0].amount) == "12500.00"
    assert checked.economic_activity is False
    assert checked.objectives == ["a", "e"]
