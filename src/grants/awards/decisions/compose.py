"""What a draft decision states, composed from the staff's input and the facts on file: the
latest submitted version (its snapshot), the guideline's verdict on it judged again at the
decision date (de-minimis aid counts as granted on the day of the decision, Art. 3(3)
Reg. (EU) 2023/2831; the consent to an early start in force today), the jury's
recommendation, the declarations the applicant confirmed, and the authority's data for the
legal-remedy notice. The system proposes reasons; the person drafting chooses them.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from grants.applications.checking import judge
from grants.applications.history import latest_snapshot
from grants.applications.schemas import DraftContent
from grants.awards.decisions.schemas import DecisionDraftIn
from grants.awards.formal.service import latest_received
from grants.context import UserContext
from grants.core.decision import (
    GRANTING,
    CategoryApproval,
    CategoryRequest,
    DecisionKind,
    Reason,
    ReasonKind,
    check_grant,
    check_rejection,
    raise_problems,
    refuse,
)
from grants.core.errors import Conflict, FieldProblem
from grants.core.guideline import Guideline
from grants.core.lifecycle import RECOMMENDATION_LABELS
from grants.core.money import ZERO
from grants.core.ranking import Recommendation
from grants.core.verdict import Outcome, RuleResult, Verdict
from grants.evaluation.ranking.queries import jury_recommendation

FINANCING = {
    "type": "Projektförderung",
    "form": "Zuschuss",
    "financing": "Anteilfinanzierung",
    "en": "project funding, non-repayable grant, share financing",
}

LEGAL_REMEDY_FORM = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben "
    "werden. Der Widerspruch ist schriftlich, in elektronischer Form nach § 3a Abs. 2 VwVfG "
    "(eine einfache E-Mail genügt nicht) oder zur Niederschrift bei der unten genannten "
    "Behörde einzulegen."
)


def _text(value: Any) -> dict[str, str]:
    return {"de": value.de, "en": value.en}


def _rule(result: RuleResult) -> dict[str, Any]:
    return {
        "rule": result.rule_id,
        "outcome": result.outcome.value,
        "citation": _text(result.citation),
        "section_verified": result.section_verified,
        "assumption": result.assumption,
        "message": _text(result.message),
        "facts": {
            k: v if isinstance(v, str | int | bool | None) else str(v)
            for k, v in result.facts.items()
        },
    }


def _result(verdict: Verdict, rule_id: str) -> RuleResult | None:
    return next((r for r in verdict.results if r.rule_id == rule_id), None)


def proposed_reasons(
    verdict: Verdict, recommendation: Recommendation | None
) -> list[dict[str, Any]]:
    """Reasons the facts on file support, for the person drafting to adopt or not."""
    found: list[dict[str, Any]] = [
        {
            "kind": ReasonKind.FAILED_RULE.value,
            "rule_id": r.rule_id,
            "section": r.citation.de,
            "text": f"{r.title.de}: {r.message.de}",
        }
        for r in verdict.results
        if r.outcome is Outcome.FAIL
    ]
    if recommendation is not None and recommendation is not Recommendation.RECOMMENDED:
        label = RECOMMENDATION_LABELS[recommendation]
        found.append(
            {
                "kind": ReasonKind.BELOW_FUNDING_LINE.value,
                "rule_id": None,
                "section": None,
                "text": f"Die Jury hat das Vorhaben nicht zur Förderung empfohlen ({label.de}); "
                "die verfügbaren Mittel reichen nach der Rangfolge nicht.",
            }
        )
    return found


def _requested(verdict: Verdict) -> dict[str, CategoryRequest]:
    return {
        c.category: CategoryRequest(c.category, c.eligible_costs, c.rate)
        for c in verdict.funding.categories
        if c.excluded_reason is None and c.eligible_costs > ZERO
    }


def _anbest(
    guideline: Guideline, applicant_type: str, data: DecisionDraftIn
) -> tuple[dict[str, Any], list[FieldProblem]]:
    spec = guideline.applicant_type(applicant_type)
    default = None if spec is None else spec.conditions
    chosen = data.anbest_override or default
    problems: list[FieldProblem] = []
    if (
        data.anbest_override
        and data.anbest_override != default
        and not data.anbest_override_reason.strip()
    ):
        problems.append(
            FieldProblem(
                "anbest_override_reason",
                "missing",
                f"Abweichend von der Antragstellerart ({default or 'keine'}) braucht die Wahl "
                "eine Begründung (overriding the applicant type's set needs a reason)",
            )
        )
    if chosen is None:
        problems.append(
            FieldProblem(
                "anbest_override",
                "missing",
                "Für diese Antragstellerart ist kein ANBest-Satz hinterlegt: bitte wählen "
                "(no ANBest set for this applicant type: choose one)",
            )
        )
    return {
        "set": chosen,
        "from_applicant_type": default,
        "override_reason": data.anbest_override_reason.strip(),
    }, problems


def _instalments(
    data: DecisionDraftIn,
    start: date,
    end: date,
    max_amount: Decimal,
    formal: tuple[Any, str] | None,
) -> dict[int, Decimal]:
    """As given; else, where the formal application's yearly grants add up to the maximum
    (an approval as applied for), those; else one year's whole amount, if one year."""
    if data.instalments:
        found: dict[int, Decimal] = {}
        for item in data.instalments:
            found[item.fiscal_year] = found.get(item.fiscal_year, ZERO) + item.amount
        return found
    if formal is not None:
        planned = {
            int(y["fiscal_year"]): Decimal(y["requested_grant"])
            for y in formal[0]["content"]["fiscal_years"]
        }
        if sum(planned.values(), ZERO) == max_amount:
            return {year: amount for year, amount in planned.items() if amount > ZERO}
    if start.year == end.year:  # one fiscal year: nothing to split
        return {start.year: max_amount}
    return {}


async def compose(
    ctx: UserContext, row: Any, data: DecisionDraftIn, *, decision_date: date
) -> tuple[dict[str, Any], Decimal | None]:
    """The content of the draft and its maximum amount (None for a rejection), or
    ``InvalidInput`` naming every problem."""
    guideline = ctx.guidelines.get(row.guideline_id)
    call = None if guideline is None else guideline.call(row.call_code)
    line = None if guideline is None else guideline.line(row.funding_line)
    if guideline is None or call is None or line is None:
        raise Conflict(
            "Die Förderrichtlinie des Antrags ist dieser Installation nicht bekannt (the "
            "application's guideline is unknown here)."
        )
    submission_number, snapshot = await latest_snapshot(ctx.session, row.id)
    draft = DraftContent.model_validate(snapshot["content"])
    formal = await latest_received(ctx.session, row.id)
    # The early start is judged against the receipt of the formal application where there
    # is one (the application the decision is made on), else the sketch's.
    received_at = datetime.fromisoformat((formal[0] if formal else snapshot)["received_at"])
    verdict = await judge(
        ctx.session,
        row,
        draft,
        registry=ctx.guidelines,
        received_at=received_at,
        grant_on=decision_date,
    )
    if verdict is None:
        raise Conflict(
            "Die eingereichte Fassung reicht für eine Berechnung nicht aus; es wird zuerst "
            "nachgefordert (the submitted version lacks what the computation needs: request "
            "the missing information first)."
        )
    kind = DecisionKind(data.kind)
    recommendation = await jury_recommendation(ctx.session, row.id)
    organisation = snapshot["organisation"]
    content: dict[str, Any] = {
        "kind": kind.value,
        "guideline": {
            "id": guideline.id,
            "version": guideline.version,
            "hash": guideline.content_hash,
        },
        "legal_bases": [
            {"de": b.de, "en": b.en, "verified": b.verified} for b in guideline.legal_bases
        ],
        "application": {
            "reference_number": row.reference_number,
            "title": row.title,
            "submission_number": submission_number,
            "received_at": snapshot["received_at"],
            "call": row.call_code,
            "funding_line": row.funding_line,
        },
        "recipient": organisation,
        "formal_application": None
        if formal is None
        else {
            "reference_number": formal[0]["reference_number"],
            "submission_number": formal[0]["submission_number"],
            "received_at": formal[0]["received_at"],
            "snapshot_sha256": formal[1],
            "bank_account": formal[0]["content"]["bank_account"],
            "legal_representatives": formal[0]["content"]["legal_representatives"],
            "register": {
                "court": formal[0]["content"]["organisation"]["register_court"],
                "number": formal[0]["content"]["organisation"]["register_number"],
            },
        },
        "reasons": [
            {
                "kind": r.kind.value,
                "text": r.text.strip(),
                "section": r.section,
                "rule_id": r.rule_id,
            }
            for r in data.reasons
        ],
        "discretion": data.discretion.strip(),
        "proposed_reasons": proposed_reasons(verdict, recommendation),
        "jury_recommendation": None if recommendation is None else recommendation.value,
        "legal_remedy": {
            "authority": snapshot.get("authority"),
            "period": "ein Monat nach Bekanntgabe (one month after notification)",
            "form": LEGAL_REMEDY_FORM,
            "basis": "§§ 68, 70 VwGO; § 3a Abs. 2 VwVfG",
        },
        "subsidy_relevant_facts": next(
            (
                d
                for d in snapshot.get("declarations", [])
                if d.get("key") == "subsidy_relevant_facts"
            ),
            None,
        ),
        "assumptions": [
            "Aktenzeichen: Eingangsnummer/B{laufende Nummer} (scheme of ours, DOMAIN.md §5.8)",
        ],
    }
    problems: list[FieldProblem] = []
    max_amount: Decimal | None = None
    if kind in GRANTING:
        requested = _requested(verdict)
        approvals = [
            CategoryApproval(
                c.category, c.approved_cost, c.approved_rate, c.deviation_reason.strip()
            )
            for c in data.categories
        ] or [CategoryApproval(r.category, r.eligible_cost, r.rate) for r in requested.values()]
        start = data.approval_start or draft.planned_start
        end = data.approval_end or draft.planned_end
        if start is None or end is None:
            refuse(
                [
                    FieldProblem(
                        "approval_start",
                        "missing",
                        "Bewilligungszeitraum fehlt (approval period missing)",
                    )
                ]
            )
        provisional = check_grant(
            kind,
            approvals=approvals,
            requested=requested,
            requested_grant=verdict.funding.grant,
            cap=line.max_grant,
            period=(start, end),
            latest_end=call.latest_end,
            instalments={start.year: ZERO},
        )[0]
        instalments = _instalments(data, start, end, provisional.max_amount, formal)
        figures, grant_problems = check_grant(
            kind,
            approvals=approvals,
            requested=requested,
            requested_grant=verdict.funding.grant,
            cap=line.max_grant,
            period=(start, end),
            latest_end=call.latest_end,
            instalments=instalments,
        )
        if not instalments:
            grant_problems.append(
                FieldProblem(
                    "instalments",
                    "missing",
                    "Der Bewilligungszeitraum reicht über mehrere Haushaltsjahre: die "
                    "Jahresraten werden angegeben (the period spans several fiscal years: "
                    "give the annual instalments)",
                )
            )
        problems.extend(grant_problems)
        if kind is DecisionKind.PARTIAL_APPROVAL and not data.discretion.strip():
            problems.append(
                FieldProblem(
                    "discretion",
                    "missing",
                    "Wie das Ermessen ausgeübt wurde, wird dargelegt (state how discretion "
                    "was used)",
                )
            )
        anbest, anbest_problems = _anbest(guideline, organisation.get("applicant_type", ""), data)
        problems.extend(anbest_problems)
        max_amount = figures.max_amount
        labels = {c.code: _text(c.label) for c in guideline.cost_categories}
        grants = dict(figures.per_category)
        content.update(
            {
                "financing": FINANCING,
                "purpose": {"title": row.title, "summary": draft.summary},
                "categories": [
                    {
                        "category": a.category,
                        "label": labels.get(a.category),
                        "requested_cost": None
                        if a.category not in requested
                        else str(requested[a.category].eligible_cost),
                        "guideline_rate": None
                        if a.category not in requested
                        else str(requested[a.category].rate),
                        "approved_cost": str(a.approved_cost),
                        "approved_rate": str(a.approved_rate),
                        "grant": str(grants[a.category]),
                        "deviation": a.category in figures.deviations,
                        "deviation_reason": a.deviation_reason,
                    }
                    for a in approvals
                ],
                "figures": {
                    "requested_grant": str(verdict.funding.grant),
                    "uncapped": str(figures.uncapped),
                    "cap": str(figures.cap),
                    "cap_applied": figures.cap_applied,
                    "max_amount": str(figures.max_amount),
                    "total_costs": str(verdict.funding.total_costs),
                    "third_party_funds": str(verdict.funding.third_party_funds),
                },
                "approval_period": {"start": start.isoformat(), "end": end.isoformat()},
                "instalments": [
                    {"fiscal_year": year, "amount": str(amount)}
                    for year, amount in sorted(instalments.items())
                ],
                "anbest": anbest,
                "special_conditions": [c.strip() for c in data.special_conditions],
            }
        )
    else:
        problems.extend(
            check_rejection(
                [Reason(r.kind, r.text, r.section, r.rule_id) for r in data.reasons],
                data.discretion,
            )
        )
    # Judged at the decision date for every kind: the letter states them, and a grant that
    # would break the de-minimis ceiling must not be released as de minimis.
    state_aid = _result(verdict, "de_minimis")
    early_start = _result(verdict, "not_started_before_receipt")
    content["state_aid"] = None if state_aid is None else _rule(state_aid)
    content["early_start"] = None if early_start is None else _rule(early_start)
    content["decision_date_judged"] = decision_date.isoformat()
    raise_problems(problems)
    return content, max_amount
