"""The draft as the guideline sees it: known codes, completeness for submission, and the
core's ``Proposal``. No I/O: unit-tested on its own."""

from typing import Any

from grants.applications.schemas import DraftContent
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.core.guideline import Call, FundingLine, Guideline
from grants.core.verdict import Proposal
from grants.guidelines.registry import GuidelineRegistry
from grants.guidelines.schemas import make_proposal

# Concept sections a Projektskizze must fill (DOMAIN.md §3.4); the others are optional.
REQUIRED_CONCEPT_SECTIONS = ("initial_situation", "goals", "measures", "sustainability")


def draft_from_row(row: Any) -> DraftContent:
    return DraftContent.model_validate(row.draft)


def guideline_of(registry: GuidelineRegistry, guideline_id: str, *, field: str = "") -> Guideline:
    guideline = registry.get(guideline_id)
    if guideline is None:
        if field:
            raise InvalidInput(
                "Unbekannte Förderrichtlinie (unknown guideline).",
                problems=(FieldProblem(field, "unknown_code", f"„{guideline_id}“ ist unbekannt"),),
            )
        raise NotFound(f"guideline {guideline_id!r} is not loaded")
    return guideline


def line_and_call(guideline: Guideline, call_code: str, line_code: str) -> tuple[FundingLine, Call]:
    problems = []
    call = guideline.call(call_code)
    line = guideline.line(line_code)
    if call is None:
        known = ", ".join(c.code for c in guideline.calls)
        problems.append(FieldProblem("call", "unknown_code", f"„{call_code}“; erlaubt: {known}"))
    if line is None or (call is not None and line_code not in call.lines):
        known = ", ".join(call.lines if call else (x.code for x in guideline.lines))
        problems.append(
            FieldProblem("funding_line", "unknown_code", f"„{line_code}“; erlaubt: {known}")
        )
    if problems or call is None or line is None:
        raise InvalidInput(
            "Aufruf oder Förderlinie unbekannt (unknown call or line).", problems=tuple(problems)
        )
    return line, call


def ensure_known_codes(guideline: Guideline, draft: DraftContent) -> None:
    """Codes the guideline does not know are refused at once (not only at submission), each
    with the field it sits in and what is allowed."""
    problems: list[FieldProblem] = []
    objectives = guideline.objective_codes()
    for index, code in enumerate(draft.objectives):
        if code not in objectives:
            problems.append(
                FieldProblem(
                    f"objectives.{index}",
                    "unknown_code",
                    f"„{code}“ ist unbekannt; erlaubt (allowed): {', '.join(sorted(objectives))}",
                )
            )
    if len(set(draft.objectives)) != len(draft.objectives):
        problems.append(FieldProblem("objectives", "duplicate", "Ziele doppelt (duplicates)"))
    categories = [c.code for c in guideline.cost_categories]
    for index, line in enumerate(draft.cost_lines):
        if guideline.cost_category(line.category) is None:
            problems.append(
                FieldProblem(
                    f"cost_lines.{index}.category",
                    "unknown_code",
                    f"„{line.category}“ ist unbekannt; erlaubt (allowed): {', '.join(categories)}",
                )
            )
    if problems:
        raise InvalidInput(
            "Der Antrag enthält unbekannte Angaben (unknown codes).", problems=tuple(problems)
        )


def _required(field: str, de: str, en: str) -> FieldProblem:
    return FieldProblem(field, "required", f"{de} ({en})")


def missing_for_check(draft: DraftContent) -> list[FieldProblem]:
    """What the engine needs before it can judge the draft at all."""
    problems = []
    if draft.municipality_key is None:
        problems.append(_required("municipality_key", "Standort fehlt", "location missing"))
    if draft.planned_start is None:
        problems.append(_required("planned_start", "Beginn fehlt", "start missing"))
    if draft.planned_end is None:
        problems.append(_required("planned_end", "Ende fehlt", "end missing"))
    if draft.financing is None:
        problems.append(_required("financing", "Finanzierungsplan fehlt", "financing missing"))
    return problems


def missing_for_submission(
    draft: DraftContent, *, attachment_kinds: set[str]
) -> list[FieldProblem]:
    """Everything a complete Projektskizze needs, each gap named by its field."""
    problems = missing_for_check(draft)
    if not draft.title.strip():
        problems.append(_required("title", "Titel fehlt", "title missing"))
    if not draft.summary.strip():
        problems.append(_required("summary", "Kurzbeschreibung fehlt", "summary missing"))
    for section in REQUIRED_CONCEPT_SECTIONS:
        if not getattr(draft.concept, section).strip():
            problems.append(
                _required(f"concept.{section}", "Konzeptabschnitt fehlt", "concept section missing")
            )
    if not draft.objectives:
        problems.append(_required("objectives", "Förderziel fehlt", "no funding objective"))
    if not draft.cost_lines:
        problems.append(_required("cost_lines", "Kostenplan ist leer", "cost plan empty"))
    declarations = draft.declarations
    if not declarations.subsidy_relevant_facts_acknowledged:
        problems.append(
            _required(
                "declarations.subsidy_relevant_facts_acknowledged",
                "Erklärung zu subventionserheblichen Tatsachen (§ 264 StGB) fehlt",
                "subsidy-fraud declaration missing",
            )
        )
    if not declarations.data_protection_acknowledged:
        problems.append(
            _required(
                "declarations.data_protection_acknowledged",
                "Datenschutzhinweis nicht bestätigt",
                "data-protection notice not acknowledged",
            )
        )
    if declarations.economic_activity is not False and not declarations.de_minimis_declared:
        problems.append(
            _required(
                "declarations.de_minimis_declared",
                "De-minimis-Erklärung fehlt",
                "de-minimis self-declaration missing",
            )
        )
    if declarations.vat_deductible is None:
        problems.append(
            _required(
                "declarations.vat_deductible",
                "Angabe zur Vorsteuerabzugsberechtigung fehlt",
                "VAT deduction not declared",
            )
        )
    if "concept" not in attachment_kinds:
        problems.append(
            _required("attachments", "Konzept (PDF) nicht hochgeladen", "concept PDF missing")
        )
    return problems


def to_proposal(draft: DraftContent, *, applicant_type: str, funding_line: str) -> Proposal:
    """The core's proposal (made as the pre-check makes it); call only when
    ``missing_for_check`` found nothing."""
    if (
        draft.municipality_key is None
        or draft.planned_start is None
        or draft.planned_end is None
        or draft.financing is None
    ):
        raise ValueError("the draft lacks what the engine needs; see missing_for_check")
    declarations = draft.declarations
    return make_proposal(
        applicant_type=applicant_type,
        municipality_key=draft.municipality_key,
        funding_line=funding_line,
        objectives=draft.objectives,
        planned_start=draft.planned_start,
        planned_end=draft.planned_end,
        early_start_consented=draft.early_start_consented,
        economic_activity=declarations.economic_activity,
        cost_lines=draft.cost_lines,
        financing=draft.financing,
        prior_de_minimis=declarations.de_minimis_prior_aid,
    )


def clean_kinds(attachments: list[dict[str, Any]]) -> set[str]:
    """Kinds of the attachments that were scanned clean (only those count as attached)."""
    return {a["kind"] for a in attachments if a["scan_status"] == "clean"}
