"""The draft as the guideline sees it: known codes, completeness for submission, and the
core's ``Proposal``. No I/O: unit-tested on its own."""

from collections.abc import Mapping
from typing import Any

from grants.applications.schemas import DraftContent
from grants.core.errors import FieldProblem, InvalidInput, NotFound
from grants.core.funding import VatDeduction
from grants.core.guideline import ApplicantTypeSpec, Call, EconomicActivity, FundingLine, Guideline
from grants.core.verdict import Proposal
from grants.guidelines.registry import GuidelineRegistry
from grants.guidelines.schemas import make_proposal

# Concept sections a Projektskizze must fill (DOMAIN.md §3.4); the others are optional.
REQUIRED_CONCEPT_SECTIONS = ("initial_situation", "goals", "measures", "sustainability")


def draft_from_row(row: Any) -> DraftContent:
    return DraftContent.model_validate(upgrade_stored_draft(row.draft))


def upgrade_stored_draft(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored working copy in today's shape. Drafts written before issue 11 carry
    ``early_start_consented`` (dropped: consent to an early start is the authority's act,
    recorded by its staff, so what the applicant ticked never counted) and
    ``declarations.vat_deductible`` (true: full deduction, false: none; there was no partial
    answer then). The API itself refuses both fields as unknown."""
    draft = dict(stored)
    draft.pop("early_start_consented", None)
    declarations = draft.get("declarations")
    if isinstance(declarations, Mapping) and "vat_deductible" in declarations:
        declarations = dict(declarations)
        deductible = declarations.pop("vat_deductible")
        if "vat_deduction" not in declarations and deductible is not None:
            declarations["vat_deduction"] = (
                VatDeduction.FULL.value if deductible else VatDeduction.NONE.value
            )
        draft["declarations"] = declarations
    return draft


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


# The declaration the applicant makes that the project has not started (S10 in
# LEGAL-REVIEW: a declaration in the form is the warning a court accepted).
NOT_STARTED_TEXT = (
    "Mit dem Vorhaben wurde noch nicht begonnen; es wird nicht vor Bekanntgabe des "
    "Zuwendungsbescheids oder einer schriftlichen Zustimmung zum vorzeitigen "
    "Maßnahmebeginn begonnen"
)


def de_minimis_declaration_needed(
    declared_activity: bool | None, applicant_type: ApplicantTypeSpec | None
) -> bool:
    """Whether the de-minimis self-declaration is due: always for a type that carries on an
    economic activity (company, partnership, freelancer: answering "none" does not skip
    it), never for a type that cannot, and otherwise unless no activity is declared. An
    unknown type counts as "declared"."""
    activity = applicant_type.economic_activity if applicant_type else EconomicActivity.DECLARED
    if activity is EconomicActivity.YES:
        return True
    if activity is EconomicActivity.NO:
        return False
    return declared_activity is not False


def missing_for_submission(
    draft: DraftContent,
    *,
    attachment_kinds: set[str],
    applicant_type: ApplicantTypeSpec | None,
) -> list[FieldProblem]:
    """Everything a complete Projektskizze needs, each gap named by its field.
    ``applicant_type``: the applicant organisation's type in the draft's guideline."""
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
    if not declarations.not_started_declared:
        problems.append(
            _required(
                "declarations.not_started_declared",
                f"Erklärung fehlt: {NOT_STARTED_TEXT}",
                "declaration missing that the project has not started and will not start "
                "before the grant decision or a written consent to an early start",
            )
        )
    if not declarations.data_protection_acknowledged:
        problems.append(
            _required(
                "declarations.data_protection_acknowledged",
                "Kenntnisnahme der Datenschutzhinweise fehlt",
                "acknowledgement of the data-protection notice missing",
            )
        )
    problems.extend(_de_minimis_gaps(draft, applicant_type))
    problems.extend(_vat_gaps(draft))
    if "concept" not in attachment_kinds:
        problems.append(
            _required("attachments", "Konzept (PDF) nicht hochgeladen", "concept PDF missing")
        )
    return problems


def _de_minimis_gaps(
    draft: DraftContent, applicant_type: ApplicantTypeSpec | None
) -> list[FieldProblem]:
    declarations = draft.declarations
    if not de_minimis_declaration_needed(declarations.economic_activity, applicant_type):
        return []
    problems = []
    if not declarations.de_minimis_declared:
        problems.append(
            _required(
                "declarations.de_minimis_declared",
                "De-minimis-Erklärung fehlt",
                "de-minimis self-declaration missing",
            )
        )
    if declarations.part_of_single_undertaking is None:
        problems.append(
            _required(
                "declarations.part_of_single_undertaking",
                "Angabe fehlt, ob mit anderen Unternehmen ein einziges Unternehmen besteht "
                "(Art. 2 Abs. 2 VO (EU) 2023/2831)",
                "single undertaking not declared",
            )
        )
    elif declarations.part_of_single_undertaking and not declarations.linked_undertakings:
        problems.append(
            _required(
                "declarations.linked_undertakings",
                "Verbundene Unternehmen des einzigen Unternehmens nicht benannt",
                "linked undertakings not named",
            )
        )
    return problems


def _vat_gaps(draft: DraftContent) -> list[FieldProblem]:
    declarations = draft.declarations
    deduction = declarations.vat_deduction
    if deduction is None:
        return [
            _required(
                "declarations.vat_deduction",
                "Angabe zur Vorsteuerabzugsberechtigung fehlt",
                "VAT deduction not declared",
            )
        ]
    problems = []
    if deduction is VatDeduction.PARTIAL and declarations.vat_deductible_share is None:
        problems.append(
            _required(
                "declarations.vat_deductible_share",
                "Abziehbarer Anteil der Vorsteuer fehlt",
                "deductible share of input VAT missing",
            )
        )
    if deduction is not VatDeduction.NONE and draft.cost_amounts is None:
        problems.append(
            _required(
                "cost_amounts",
                "Angabe fehlt, ob die Beträge des Kostenplans brutto oder netto sind",
                "cost plan not declared gross or net",
            )
        )
    return problems


def to_proposal(
    draft: DraftContent,
    *,
    applicant_type: str,
    funding_line: str,
    early_start_consented: bool = False,
) -> Proposal:
    """The core's proposal (made as the pre-check makes it); call only when
    ``missing_for_check`` found nothing. ``early_start_consented``: whether the authority
    has recorded a written consent to an early start (never the applicant's say)."""
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
        economic_activity=declarations.economic_activity,
        cost_lines=draft.cost_lines,
        financing=draft.financing,
        prior_de_minimis=declarations.de_minimis_prior_aid,
        part_of_single_undertaking=declarations.part_of_single_undertaking,
        linked_undertakings=declarations.linked_undertakings,
        vat_deduction=declarations.vat_deduction,
        vat_deductible_share=declarations.vat_deductible_share,
        cost_amounts=draft.cost_amounts,
        early_start_consented=early_start_consented,
    )


def clean_kinds(attachments: list[dict[str, Any]]) -> set[str]:
    """Kinds of the attachments that were scanned clean (only those count as attached)."""
    return {a["kind"] for a in attachments if a["scan_status"] == "clean"}
