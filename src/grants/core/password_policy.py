"""Password rules (NIST SP 800-63B style): length and a guessability estimate, no composition
rules. zxcvbn estimates guessability offline from dictionaries shipped in the wheel."""

from zxcvbn import zxcvbn

from grants.core.errors import FieldProblem

MIN_LENGTH = 12
MAX_LENGTH = 128  # bounds the cost of hashing and of the strength estimate
MIN_SCORE = 3  # zxcvbn 0..4; 3 = "safely unguessable: moderate protection from offline attack"


def password_problems(
    password: str, *, field: str = "password", context: tuple[str, ...] = ()
) -> tuple[FieldProblem, ...]:
    """Why ``password`` is unacceptable, or ``()``. ``context`` holds words the user gave
    (e-mail, name) that must not make up the password."""
    if len(password) < MIN_LENGTH:
        return (
            FieldProblem(
                field,
                "min_length",
                f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein "
                f"(password must have at least {MIN_LENGTH} characters).",
            ),
        )
    if len(password) > MAX_LENGTH:
        return (
            FieldProblem(
                field,
                "max_length",
                f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein "
                f"(password must have at most {MAX_LENGTH} characters).",
            ),
        )
    words = [w for part in context for w in part.replace("@", " ").replace(".", " ").split() if w]
    words += [part.split("@")[0] for part in context] + list(context)
    estimate = zxcvbn(password, user_inputs=words)
    if int(estimate["score"]) < MIN_SCORE:
        return (
            FieldProblem(
                field,
                "too_guessable",
                "Das Passwort ist zu leicht zu erraten; bitte länger oder weniger vorhersehbar "
                "wählen (password is too easy to guess; choose a longer, less predictable one).",
            ),
        )
    return ()
