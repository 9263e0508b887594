"""One language rule for every message: German first, English in brackets — Pydantic's texts,
msgspec's texts about parameters, and whatever a service wrote in one language only."""

import pytest

from grants.http.validation_de import bilingual, german, parameter_problem


def test_pydantic_rules_read_german_first() -> None:
    assert german("missing", "Field required") == "Pflichtfeld fehlt (Field required)"
    assert german("decimal_max_places", "...", {"decimal_places": 2}) == (
        "Höchstens 2 Nachkommastellen (...)"
    )


def test_enums_list_the_allowed_values_in_german() -> None:
    text = german("enum", "Input should be 'gross' or 'net'", {"expected": "'gross' or 'net'"})
    assert (
        text == "Unbekannter Wert; erlaubt: 'gross' oder 'net' (Input should be 'gross' or 'net')"
    )


def test_unknown_rules_still_get_german_first() -> None:
    assert german("no_such_rule", "Something odd") == "Ungültiger Wert (Something odd)"


def test_a_missing_context_value_does_not_break_the_message() -> None:
    assert german("string_too_short", "Too short") == "Zu kurz (Too short)"


@pytest.mark.parametrize(
    ("message", "allowed", "rule", "text"),
    [
        (
            "Invalid enum value 'virus'",
            ["concept", "budget"],
            "enum",
            "Unbekannter Wert „virus“; erlaubt: concept, budget (Invalid enum value 'virus')",
        ),
        (
            "Expected `str` of length >= 8",
            [],
            "string_too_short",
            "Zu kurz: mindestens 8 Zeichen (Expected `str` of length >= 8)",
        ),
        (
            "Expected `int` <= 100",
            [],
            "less_than_equal",
            "Darf höchstens 100 sein (Expected `int` <= 100)",
        ),
        (
            "Expected `int` >= 1",
            [],
            "greater_than_equal",
            "Muss mindestens 1 sein (Expected `int` >= 1)",
        ),
        (
            "Expected `int`, got `str`",
            [],
            "int_parsing",
            "Ganze Zahl erwartet (Expected `int`, got `str`)",
        ),
        ("Invalid UUID", [], "uuid_parsing", "Kennung (UUID) erwartet (Invalid UUID)"),
        (
            "Invalid decimal string",
            [],
            "decimal_parsing",
            'Betrag erwartet, z. B. "1250.00" (Invalid decimal string)',
        ),
        ("Something new", [], "invalid", "Ungültiger Wert (Something new)"),
    ],
)
def test_msgspec_parameter_messages_get_a_rule_and_german(
    message: str, allowed: list[str], rule: str, text: str
) -> None:
    assert parameter_problem(message, allowed) == (rule, text)


@pytest.mark.parametrize(
    ("text", "result"),
    [
        # Already both: unchanged.
        ("Nicht gefunden (not found).", "Nicht gefunden (not found)."),
        (
            "Diese Funktion ist folgenden Rollen vorbehalten (reserved for): admin",
            "Diese Funktion ist folgenden Rollen vorbehalten (reserved for): admin",
        ),
        (
            "Zu kurz: mindestens 8 Zeichen (Expected `str`)",
            "Zu kurz: mindestens 8 Zeichen (Expected `str`)",
        ),
        # German alone: the English follows.
        (
            "Die Checkliste ist nicht vollständig begründet.",
            "Die Checkliste ist nicht vollständig begründet. (the input is invalid)",
        ),
        # English alone, or no language (a signature's name): the German goes first.
        (
            "your role in this organisation (member) may not do this",
            "Nicht erlaubt (your role in this organisation (member) may not do this)",
        ),
        ("Eicar-Test-Signature", "Nicht erlaubt (Eicar-Test-Signature)"),
        ("", "Nicht erlaubt (the input is invalid)"),
    ],
)
def test_the_net_under_the_problem_builder(text: str, result: str) -> None:
    assert (
        bilingual(text, german_fallback="Nicht erlaubt", english_fallback="the input is invalid")
        == result
    )


def test_the_net_leaves_a_german_aside_alone_but_adds_english() -> None:
    # "(Eingangsbestätigung)" is German in brackets, not an English translation.
    assert bilingual(
        "Die Bestätigung (Eingangsbestätigung) fehlt",
        german_fallback="x",
        english_fallback="receipt missing",
    ) == ("Die Bestätigung (Eingangsbestätigung) fehlt (receipt missing)")
