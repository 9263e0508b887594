"""The proposal inputs (cost lines, financing, prior de-minimis aid), defined once in
grants.guidelines.schemas and taken by the anonymous pre-check and the draft: the 422 entries
each path gives for the same faulty input, pinned exactly as ``POST /api/eligibility-checks``
and ``PATCH``/``POST /api/applications`` answer them (field, rule and message made from
Pydantic's errors as grants.http.problems makes them), and the same proposal from the same
values on both paths.

The one difference kept on purpose: NUL characters. The draft refuses them in any string with
its own message (StrictInput, a Python validator per field, as in every part of the draft);
the pre-check, which is performance-sensitive, refuses them only through pydantic-core
constraints (the description's pattern, the code pattern, decimal and date parsing)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from grants.applications import content
from grants.applications.schemas import (
    ApplicationCreate,
    CostLine,
    DraftContent,
    DraftPatch,
    Financing,
    PriorAid,
)
from grants.guidelines import schemas as precheck
from grants.guidelines.registry import load_registry
from grants.http.fields import StrictInput
from grants.http.validation_de import german

GUIDELINE = load_registry().get("frl-lifd")
assert GUIDELINE is not None

NUL = (
    "value_error",
    "Ungültiger Wert (Value error, must not contain NUL (U+0000) characters)",
)
DECIMAL = ("decimal_parsing", 'Betrag erwartet, z. B. "1250.00" (Input should be a valid decimal)')
EXTRA = (
    "extra_forbidden",
    "Feld hier nicht erlaubt: unbekannt oder nicht änderbar (Extra inputs are not permitted)",
)
NEGATIVE = (
    "greater_than_equal",
    "Muss mindestens 0 sein (Input should be greater than or equal to 0)",
)
PLACES = (
    "decimal_max_places",
    "Höchstens 2 Nachkommastellen (Decimal input should have no more than 2 decimal places)",
)
TOO_LONG = (
    "string_too_long",
    "Zu lang: höchstens 500 Zeichen (String should have at most 500 characters)",
)

# An answer: the one problem's (rule, message), or () when the item is accepted.
Answer = tuple[str, str] | tuple[()]
ACCEPTED: Answer = ()
# name: (input, field in the item, the pre-check's answer, the draft's if other, else None)
Case = tuple[dict[str, Any], str, Answer, Answer | None]

COST_LINES: dict[str, Case] = {
    "nul_description": (
        {"category": "equipment", "description": "a\u0000b", "amount": "1.00"},
        "description",
        (
            "string_pattern_mismatch",
            "Ungültiges Format (String should match pattern '^[^\\x00]*$')",
        ),
        NUL,
    ),
    "nul_category": (
        {"category": "equip\u0000ment", "amount": "1.00"},
        "category",
        (
            "string_pattern_mismatch",
            "Ungültiges Format (String should match pattern '^[A-Za-z0-9_.-]+$')",
        ),
        NUL,
    ),
    "nul_amount": ({"category": "equipment", "amount": "1.00\u0000"}, "amount", DECIMAL, NUL),
    "nul_and_too_long": (
        {"category": "equipment", "description": "\u0000" * 501, "amount": "1.00"},
        "description",
        TOO_LONG,
        NUL,
    ),
    "unknown_field": (
        {"category": "equipment", "amount": "1.00", "surprise": 1},
        "surprise",
        EXTRA,
        None,
    ),
    "negative": ({"category": "equipment", "amount": "-1.00"}, "amount", NEGATIVE, None),
    # 1000.001, not 1.001: that one reads as a German thousand and one (ambiguous_amount).
    "three_places": ({"category": "equipment", "amount": "1000.001"}, "amount", PLACES, None),
    "three_places_number": ({"category": "equipment", "amount": 1000.001}, "amount", PLACES, None),
    "too_long": (
        {"category": "equipment", "description": "x" * 501, "amount": "1.00"},
        "description",
        TOO_LONG,
        None,
    ),
    "too_big": (
        {"category": "equipment", "amount": "1000000000000.00"},
        "amount",
        (
            "decimal_whole_digits",
            "Zu viele Stellen vor dem Komma "
            "(Decimal input should have no more than 12 digits before the decimal point)",
        ),
        None,
    ),
    "nan": (
        {"category": "equipment", "amount": "NaN"},
        "amount",
        ("finite_number", "Endliche Zahl erwartet (Input should be a finite number)"),
        None,
    ),
    "missing_amount": (
        {"category": "equipment"},
        "amount",
        ("missing", "Pflichtfeld fehlt (Field required)"),
        None,
    ),
    "description_not_text": (
        {"category": "equipment", "description": 5, "amount": "1.00"},
        "description",
        ("string_type", "Text erwartet (Input should be a valid string)"),
        None,
    ),
}

FINANCING: dict[str, Case] = {
    "unknown_field": ({"requested_grant": "1.00", "own_funds": "1.00", "x": 1}, "x", EXTRA, None),
    "negative": (
        {"requested_grant": "-1.00", "own_funds": "1.00"},
        "requested_grant",
        NEGATIVE,
        None,
    ),
    "nul": (
        {"requested_grant": "1.00\u0000", "own_funds": "1.00"},
        "requested_grant",
        DECIMAL,
        NUL,
    ),
    "three_places": (
        {"requested_grant": "1000.001", "own_funds": "1.00"},
        "requested_grant",
        PLACES,
        None,
    ),
}

PRIOR_AID: dict[str, Case] = {
    "nul_amount": ({"granted_on": "2024-01-01", "amount": "1.00\u0000"}, "amount", DECIMAL, NUL),
    "nul_date": (
        {"granted_on": "2024-01-01\u0000", "amount": "1.00"},
        "granted_on",
        (
            "date_from_datetime_parsing",
            "Datum erwartet im Format JJJJ-MM-TT (Input should be a valid date or datetime, "
            "invalid datetime separator, expected `T`, `t`, `_` or space)",
        ),
        NUL,
    ),
    "unknown_field": ({"granted_on": "2024-01-01", "amount": "1.00", "x": 1}, "x", EXTRA, None),
    "negative": ({"granted_on": "2024-01-01", "amount": "-1.00"}, "amount", NEGATIVE, None),
    "three_places": ({"granted_on": "2024-01-01", "amount": "1000.001"}, "amount", PLACES, None),
    "too_early": (
        {"granted_on": "0001-01-01", "amount": "1.00"},
        "granted_on",
        (
            "greater_than_equal",
            "Muss mindestens 1990-01-01 sein (Input should be greater than or equal to 1990-01-01)",
        ),
        None,
    ),
    # The provider (and the recipient) are the draft's additions: the pre-check does not know
    # them.
    "provider": (
        {"granted_on": "2024-01-01", "amount": "1.00", "provider": "Land"},
        "provider",
        EXTRA,
        ACCEPTED,
    ),
    "provider_nul": (
        {"granted_on": "2024-01-01", "amount": "1.00", "provider": "L\u0000"},
        "provider",
        EXTRA,
        NUL,
    ),
}


def precheck_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "call": "demo",
        "applicant_type": "nonprofit",
        "municipality_key": "14521530",
        "funding_line": "stationary",
        "objectives": ["a", "e"],
        "planned_start": "2027-01-01",
        "planned_end": "2028-12-31",
        "economic_activity": False,
        "cost_lines": [{"category": "equipment", "amount": "100000.00"}],
        "financing": {"requested_grant": "80000.00", "own_funds": "20000.00"},
    }
    body.update(changes)
    return body


def problems(model: type[BaseModel], body: dict[str, Any]) -> list[dict[str, str]]:
    """The ``errors`` of the 422 body, made as grants.http.problems makes them."""
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return [
            {
                "field": ".".join(str(part) for part in error["loc"]),
                "rule": error["type"],
                "message": german(error["type"], error["msg"], error.get("ctx")),
            }
            for error in exc.errors()
        ]
    return []


def expected(field: str, answer: Answer) -> list[dict[str, str]]:
    if not answer:
        return []
    rule, message = answer
    return [{"field": field, "rule": rule, "message": message}]


DRAFT_BODIES = [DraftPatch, DraftContent, ApplicationCreate]


def draft_body(model: type[BaseModel], **fields: Any) -> dict[str, Any]:
    if model is ApplicationCreate:
        return {"call": "demo", "funding_line": "stationary", **fields}
    return fields


@pytest.mark.parametrize("name", COST_LINES)
def test_cost_line_problems_are_pinned_on_both_paths(name: str) -> None:
    line, field, pre, draft = COST_LINES[name]
    where = f"cost_lines.0.{field}"
    assert problems(precheck.EligibilityCheckRequest, precheck_body(cost_lines=[line])) == (
        expected(where, pre)
    )
    for model in DRAFT_BODIES:
        got = problems(model, draft_body(model, cost_lines=[line]))
        assert got == expected(where, pre if draft is None else draft), model


@pytest.mark.parametrize("name", FINANCING)
def test_financing_problems_are_pinned_on_both_paths(name: str) -> None:
    financing, field, pre, draft = FINANCING[name]
    where = f"financing.{field}"
    assert problems(precheck.EligibilityCheckRequest, precheck_body(financing=financing)) == (
        expected(where, pre)
    )
    for model in DRAFT_BODIES:
        got = problems(model, draft_body(model, financing=financing))
        assert got == expected(where, pre if draft is None else draft), model


@pytest.mark.parametrize("name", PRIOR_AID)
def test_prior_aid_problems_are_pinned_on_both_paths(name: str) -> None:
    aid, field, pre, draft = PRIOR_AID[name]
    got = problems(precheck.EligibilityCheckRequest, precheck_body(prior_de_minimis=[aid]))
    assert got == expected(f"prior_de_minimis.0.{field}", pre)
    declarations = {"de_minimis_prior_aid": [aid]}
    for model in DRAFT_BODIES:
        got = problems(model, draft_body(model, declarations=declarations))
        answer = pre if draft is None else draft
        assert got == expected(f"declarations.de_minimis_prior_aid.0.{field}", answer), model


def test_several_problems_in_one_item_are_all_named_on_both_paths() -> None:
    line = {"category": "equipment", "description": "a\u0000b", "amount": "-1", "x": 1}
    pre = problems(precheck.EligibilityCheckRequest, precheck_body(cost_lines=[line]))
    assert [(p["field"], p["rule"]) for p in pre] == [
        ("cost_lines.0.description", "string_pattern_mismatch"),
        ("cost_lines.0.amount", "greater_than_equal"),
        ("cost_lines.0.x", "extra_forbidden"),
    ]
    draft = problems(DraftPatch, {"cost_lines": [line]})
    assert [(p["field"], p["rule"]) for p in draft] == [
        ("cost_lines.0.description", "value_error"),
        ("cost_lines.0.amount", "greater_than_equal"),
        ("cost_lines.0.x", "extra_forbidden"),
    ]


def test_both_paths_accept_the_same_well_formed_items_with_the_same_values() -> None:
    line = {"category": "equipment", "description": "Fräse", "amount": "20000.5"}
    financing = {"requested_grant": "80000", "own_funds": 40000.5}
    aid = {"granted_on": "2024-01-01", "amount": "1.10"}
    pre = [
        precheck.CostLineIn.model_validate(line),
        precheck.FinancingIn.model_validate(financing),
        precheck.PriorAidIn.model_validate(aid),
    ]
    draft = [
        CostLine.model_validate(line),
        Financing.model_validate(financing),
        PriorAid.model_validate(aid),
    ]
    for a, b in zip(pre, draft, strict=True):
        assert repr(list(a.model_dump().values())) == repr(
            [v for k, v in b.model_dump().items() if k not in {"provider", "recipient"}]
        )
    assert PriorAid.model_validate(aid).provider == ""
    assert PriorAid.model_validate(aid).recipient == ""
    assert Financing.model_validate(financing).third_party_funds == Decimal("0.00")


# ---- the same values make the same proposal on both paths

AMOUNTS = st.from_regex(r"(0|[1-9][0-9]{0,8})(\.[0-9]{1,2})?", fullmatch=True)
CATEGORIES = st.sampled_from(["equipment", "personnel", "construction", "material"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)
DATES = st.dates(date(2020, 1, 1), date(2026, 12, 31)).map(str)


# What the applicant declares, the same on both paths: economic activity, the single
# undertaking, input VAT (the share only with partial deduction).
DECLARED = st.fixed_dictionaries(
    {
        "economic_activity": st.sampled_from([None, True, False]),
        "part_of_single_undertaking": st.sampled_from([None, True, False]),
        "linked_undertakings": st.lists(st.sampled_from(["A GmbH", "Bä AG"]), max_size=2),
        "vat": st.sampled_from(
            [
                {},
                {"vat_deduction": "none"},
                {"vat_deduction": "full"},
                {"vat_deduction": "partial", "vat_deductible_share": "0.35"},
                {"vat_deduction": "partial", "vat_deductible_share": "0.5000"},
            ]
        ),
    }
)


def both_proposals(
    lines: list[dict[str, Any]],
    financing: dict[str, Any],
    aid: list[dict[str, Any]],
    declared: dict[str, Any],
    cost_amounts: str | None = None,
) -> tuple[str, str]:
    common: dict[str, Any] = {
        "municipality_key": "14521530",
        "objectives": ["a", "e"],
        "planned_start": "2027-01-01",
        "planned_end": "2028-12-31",
        "cost_lines": lines,
        "cost_amounts": cost_amounts,
        "financing": financing,
    }
    answers = {
        "economic_activity": declared["economic_activity"],
        "part_of_single_undertaking": declared["part_of_single_undertaking"],
        "linked_undertakings": declared["linked_undertakings"],
        **declared["vat"],
    }
    request = precheck.EligibilityCheckRequest.model_validate(
        {
            **common,
            **answers,
            "call": "demo",
            "applicant_type": "nonprofit",
            "funding_line": "stationary",
            "prior_de_minimis": aid,
        }
    )
    assert GUIDELINE is not None
    pre = precheck.to_proposal(request, GUIDELINE)
    draft = DraftContent.model_validate(
        {
            **common,
            "declarations": {
                **answers,
                "de_minimis_prior_aid": [
                    {**a, "provider": "Landkreis", "recipient": "A GmbH"} for a in aid
                ],
            },
        }
    )
    made = content.to_proposal(draft, applicant_type="nonprofit", funding_line="stationary")
    # Decimal reprs show the exponent: 10.5 and 10.50 would differ.
    return repr(pre), repr(made)


def test_the_same_values_make_the_same_proposal() -> None:
    pre, draft = both_proposals(
        [
            {"category": "equipment", "description": "3D-Drucker", "amount": "100000.00"},
            {"category": "construction", "amount": "20000.5"},
        ],
        {"requested_grant": "80000", "own_funds": "40000.50", "third_party_funds": "1"},
        [{"granted_on": "2024-03-01", "amount": "1500.00"}],
        {
            "economic_activity": True,
            "part_of_single_undertaking": True,
            "linked_undertakings": ["Muster Holding GmbH"],
            "vat": {"vat_deduction": "partial", "vat_deductible_share": "0.35"},
        },
        "gross",
    )
    assert pre == draft
    assert "vat_deductible_share=Decimal('0.35')" in pre
    assert "linked_undertakings=('Muster Holding GmbH',)" in pre
    assert "early_start_consented=False" in pre  # never the applicant's input
    assert "Decimal('20000.5')" in pre
    assert f"PriorAid(granted_on={date(2024, 3, 1)!r}, amount=Decimal('1500.00'))" in pre


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.fixed_dictionaries(
            {"category": CATEGORIES, "amount": AMOUNTS},
            optional={"description": TEXT},
        ),
        max_size=4,
    ),
    financing=st.fixed_dictionaries(
        {"requested_grant": AMOUNTS, "own_funds": AMOUNTS}, optional={"third_party_funds": AMOUNTS}
    ),
    aid=st.lists(
        st.fixed_dictionaries({"granted_on": DATES, "amount": AMOUNTS}),
        max_size=3,
    ),
    declared=DECLARED,
    cost_amounts=st.sampled_from([None, "gross", "net"]),
)
def test_any_values_make_the_same_proposal_on_both_paths(
    lines: list[dict[str, Any]],
    financing: dict[str, Any],
    aid: list[dict[str, Any]],
    declared: dict[str, Any],
    cost_amounts: str | None,
) -> None:
    pre, draft = both_proposals(lines, financing, aid, declared, cost_amounts)
    assert pre == draft


# ---- one family: the draft's inputs are the pre-check's, made strict


@pytest.mark.parametrize(
    ("draft", "shared"),
    [
        (CostLine, precheck.CostLineIn),
        (Financing, precheck.FinancingIn),
        (PriorAid, precheck.PriorAidIn),
    ],
)
def test_the_drafts_inputs_are_the_guidelines_with_the_strict_base(
    draft: type[BaseModel], shared: type[BaseModel]
) -> None:
    assert issubclass(draft, shared)
    assert issubclass(draft, StrictInput)
    own = set(draft.model_fields) - set(shared.model_fields)
    assert own == ({"provider", "recipient"} if draft is PriorAid else set())
    for name, field in shared.model_fields.items():
        assert repr(draft.model_fields[name]) == repr(field), name


def test_the_precheck_inputs_have_no_python_validators() -> None:
    """The pre-check is performance-sensitive: its inputs are checked in pydantic-core only
    (the planned dates' order is the request's one Python rule)."""
    for model in (precheck.CostLineIn, precheck.FinancingIn, precheck.PriorAidIn):
        decorators = model.__pydantic_decorators__
        assert not decorators.field_validators, model
        assert not decorators.model_validators, model
    request = precheck.EligibilityCheckRequest.__pydantic_decorators__
    assert set(request.field_validators) == {"_end_not_before_start"}
    assert not request.model_validators
