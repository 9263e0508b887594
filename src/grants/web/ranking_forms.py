"""The what-if form of the ranking page: another budget, another minimum total, other minimum
scores per criterion, read from the page's query (a GET form: nothing is saved, a scenario
can be bookmarked and sent) into the API's own ``SimulationRequest``; errors at their fields.

No I/O."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from grants.evaluation.ranking.schemas import SimulationRequest
from grants.http.validation_de import german
from grants.web.forms import FormErrors, amount_text
from grants.web.templating import N_, translate

BUDGET = "budget"
MINIMUM_TOTAL = "mindestpunktzahl"


def minimum_id(code: str) -> str:
    return f"mindest-{code}"


@dataclass(frozen=True)
class Scenario:
    request: SimulationRequest | None  # None: no scenario asked for, or it is invalid
    errors: FormErrors
    values: dict[str, str]  # as typed, to show again


def parse_scenario(
    params: Mapping[str, str], call: str, line: str, codes: Sequence[str], scale: tuple[int, int]
) -> Scenario:
    """The scenario of the query, if any field of it is filled in."""
    keys = [BUDGET, MINIMUM_TOTAL, *[minimum_id(code) for code in codes]]
    values = {key: params.get(key, "").strip() for key in keys}
    errors = FormErrors()
    if not any(values.values()):
        return Scenario(None, errors, values)
    minimum_scores: dict[str, int] = {}
    for code in codes:
        raw = values[minimum_id(code)]
        if not raw:
            continue
        if not raw.isdigit():
            errors.add(minimum_id(code), translate(N_("Bitte eine ganze Zahl angeben.")))
            continue
        if not scale[0] <= int(raw) <= scale[1]:
            errors.add(
                minimum_id(code),
                translate(N_("Bitte eine Punktzahl der Skala (%(low)s bis %(high)s) angeben."))
                % {"low": scale[0], "high": scale[1]},
            )
            continue
        minimum_scores[code] = int(raw)
    body = {
        "call": call,
        "funding_line": line,
        "budget": amount_text(values[BUDGET]) or None,
        "minimum_total": values[MINIMUM_TOTAL].replace(",", ".") or None,
        "minimum_scores": minimum_scores or None,
    }
    try:
        request = SimulationRequest.model_validate(body)
    except ValidationError as error:
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            target = {"budget": BUDGET, "minimum_total": MINIMUM_TOTAL}.get(field, "form")
            errors.add(target, german(problem["type"], problem["msg"], problem.get("ctx")))
        return Scenario(None, errors, values)
    if errors:
        return Scenario(None, errors, values)
    return Scenario(request, errors, values)
