"""The score sheet as an HTML form: one score (radio buttons over the rubric's scale) and one
justification per criterion, read into the API's own ``ScoreSheetDraft`` so that the form
knows no rule of its own; the service's problems (``scores.K1.score``) mapped back to the
form's fields. The decline form's fields, read into ``DeclineRequest``.

No I/O: the routes give the posted values and render what comes back.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from grants.core.errors import FieldProblem
from grants.evaluation.assignment.schemas import DeclineRequest
from grants.evaluation.scoring.schemas import (
    CriterionScoreIn,
    CriterionScoreOut,
    ScoreSheetDraft,
)
from grants.http.validation_de import german
from grants.web.forms import FormErrors
from grants.web.templating import N_, translate

JUSTIFICATION_MAX = 4000  # the API's limit (``CriterionScoreIn.justification``)


def score_id(code: str) -> str:
    return f"punkte-{code}"


def justification_id(code: str) -> str:
    return f"begruendung-{code}"


def field_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """The error summary's name of each field: "K1 Standort …: Punkte" / "…: Begründung"."""
    found: dict[str, str] = {}
    for code, label in labels.items():
        found[score_id(code)] = f"{label}: {translate(N_('Punkte'))}"
        found[justification_id(code)] = f"{label}: {translate(N_('Begründung'))}"
    return found


def values_of(scores: Iterable[CriterionScoreOut]) -> dict[str, str]:
    """A stored sheet as the form's values."""
    values: dict[str, str] = {}
    for item in scores:
        values[score_id(item.criterion)] = "" if item.score is None else str(item.score)
        values[justification_id(item.criterion)] = item.justification
    return values


def parse_sheet(
    values: Mapping[str, str], codes: Sequence[str]
) -> tuple[ScoreSheetDraft | None, FormErrors]:
    """The posted sheet as the API's draft: a criterion without a chosen score is "not scored
    yet" (allowed in a draft); a score that is not a whole number is an error at its field."""
    errors = FormErrors()
    items = []
    for code in codes:
        raw = values.get(score_id(code), "").strip()
        score: int | None = None
        if raw:
            try:
                score = int(raw)
            except ValueError:
                errors.add(
                    score_id(code), translate(N_("Bitte wählen Sie eine Punktzahl der Skala."))
                )
                continue
        try:
            items.append(
                CriterionScoreIn(
                    criterion=code,
                    score=score,
                    justification=values.get(justification_id(code), ""),
                )
            )
        except ValidationError as error:
            for problem in error.errors():
                field = str(problem["loc"][-1]) if problem["loc"] else ""
                errors.add(
                    justification_id(code) if field == "justification" else score_id(code),
                    german(problem["type"], problem["msg"], problem.get("ctx")),
                )
    if errors:
        return None, errors
    return ScoreSheetDraft(scores=items), errors


def sheet_errors(problems: Sequence[FieldProblem]) -> FormErrors:
    """The service's problems (``scores.K1.score``, ``scores.K1.justification``) at the
    form's fields; anything else at the form."""
    errors = FormErrors()
    for problem in problems:
        parts = problem.field.split(".")
        if len(parts) >= 2 and parts[0] == "scores":
            code = parts[1]
            target = justification_id(code) if parts[-1] == "justification" else score_id(code)
        else:
            target = "form"
        errors.add(target, problem.message)
    return errors


def changed_criteria(
    values: Mapping[str, str], stored: Mapping[str, str], codes: Sequence[str]
) -> list[str]:
    """The criteria whose score or justification differ between the posted form and the
    stored sheet (whitespace at the ends does not count: the service strips it)."""
    return [
        code
        for code in codes
        if any(
            values.get(key, "").strip() != stored.get(key, "").strip()
            for key in (score_id(code), justification_id(code))
        )
    ]


def parse_decline(values: Mapping[str, str]) -> tuple[DeclineRequest | None, FormErrors]:
    """The decline form: a reason (required), whether it is a conflict of interest, and if so
    whether it is a ground of exclusion under § 20 VwVfG (else a concern of bias, § 21)."""
    errors = FormErrors()
    reason = values.get("grund", "").strip()
    kind = values.get("art", "")
    if not reason:
        errors.add("grund", translate(N_("Bitte geben Sie einen Grund an.")))
    elif len(reason) > JUSTIFICATION_MAX:
        errors.add(
            "grund",
            translate(N_("Der Grund darf höchstens %(max)s Zeichen lang sein."))
            % {"max": f"{JUSTIFICATION_MAX:,}".replace(",", ".")},
        )
    if kind not in DECLINE_KINDS:
        errors.add("art", translate(N_("Bitte wählen Sie, warum Sie die Zuordnung abgeben.")))
    if errors:
        return None, errors
    return (
        DeclineRequest(
            reason=reason,
            conflict=kind in {"befangenheit", "ausschluss"},
            excluded=kind == "ausschluss",
        ),
        errors,
    )


# Why an evaluator gives an assignment back: the two kinds of conflict of interest of the
# VwVfG, or another reason (time, expertise), which does not block the pair for good.
DECLINE_KINDS: dict[str, str] = {
    "ausschluss": N_(
        "Ausschlussgrund nach § 20 VwVfG (etwa: Ich bin selbst beteiligt, Angehörige/r oder "
        "bei der Antragstellerin beschäftigt)"
    ),
    "befangenheit": N_(
        "Besorgnis der Befangenheit nach § 21 VwVfG (ein anderer Grund, der Misstrauen gegen "
        "eine unparteiische Bewertung rechtfertigt)"
    ),
    "sonstiges": N_("Kein Interessenkonflikt: anderer Grund (etwa Zeit oder Fachgebiet)"),
}


def decline_options() -> list[tuple[str, Any]]:
    return list(DECLINE_KINDS.items())
