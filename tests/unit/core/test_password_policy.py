import pytest

from grants.core.password_policy import MAX_LENGTH, MIN_LENGTH, password_problems


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("a" * (MIN_LENGTH - 1), "min_length"),
        ("x" * (MAX_LENGTH + 1), "max_length"),
        ("password1234", "too_guessable"),
        ("qwertzuiop123", "too_guessable"),
        ("aaaaaaaaaaaaaaaa", "too_guessable"),
    ],
)
def test_weak_passwords_are_refused_with_their_rule(password: str, rule: str) -> None:
    assert [p.rule for p in password_problems(password)] == [rule]


def test_twelve_characters_are_enough_when_unpredictable() -> None:
    assert password_problems("kv8#Lq2!xPz9") == ()


def test_passphrases_are_welcome() -> None:
    assert password_problems("Werkbank-Lötkolben-3D-Drucker") == ()


def test_the_users_own_words_do_not_count() -> None:
    context = ("friedemann.schoenherr@gemeinde.example", "Friedemann Schönherr")
    assert password_problems("friedemann.schoenherr", context=context)[0].rule == "too_guessable"


def test_problem_names_the_field() -> None:
    (problem,) = password_problems("short", field="new_password")
    assert problem.field == "new_password"
