"""The demo scenario: the closed call ``2024-1`` filled with thirty proposals that have been
through everything up to the ranking, so that the ranking, the funding line, the reserve and
the what-if simulation show real content at once (``grants demo seed --scenario``).

Everything goes through the use-case services, as the users would do it through the API, and
is audited as they audit: ten applicant organisations register, draft, upload a concept PDF
(upload service and scanner), read the live check and submit, acknowledging the rules that
fail; after the deadline the demo programme manager records the formal checks (most go to
review, one request for information, one proposed formal rejection), one evaluator declares
her employer (a conflict of interest the assignment then respects), the manager auto-assigns
three evaluators per application, and each evaluator accepts and submits a justified score
sheet.

**The clock is simulated.** The call closed on 15 March 2024, and the services judge the
procedure's order by the context's ``now``: the steps are dated when they would have
happened (February to April 2024, Europe/Berlin), and so are their audit entries. The demo
staff accounts were created today, so the log shows them acting before they existed: the
price of a past call.

**Once.** The scenario refuses a call that already has applications: if they are its own
(every one from a demo organisation) it reports them and does nothing; anything else is
refused (409). It also refuses a pool with active evaluators outside the demo (the
auto-assignment would give them work the scenario cannot do). The CLI runs it in one
transaction, so a failure leaves nothing behind (files stored before the failure stay in the
attachment store, unreferenced).

The amounts are chosen so that both funding lines of the call (EUR 6 m each, an equal share
of the call's budget) have more fundable requests than budget: a funding line and a reserve
on each. The scores are pseudo-random but fixed (seeded): every run gives the same ranking.
"""

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from grants.accounts.schemas import OrganisationCreate, RegistrationCreate
from grants.accounts.service import register_applicant
from grants.accounts.tables import users_table
from grants.applications.checking import check_draft
from grants.applications.drafts import create_application
from grants.applications.schemas import (
    ApplicationCreate,
    InformationRequestCreate,
    SubmissionRequest,
)
from grants.applications.submission import submit_application
from grants.applications.tables import applications_table
from grants.context import UserContext
from grants.core.access import Principal
from grants.core.conflicts import AffiliationKind
from grants.core.errors import Conflict
from grants.core.guideline import Guideline
from grants.core.lifecycle import FormalOutcome
from grants.core.roles import ApplicantType, StaffRole
from grants.demo import (
    DEMO_DOMAIN,
    DEMO_EVALUATORS,
    MANAGER_EMAIL,
    Uploads,
    is_demo_address,
    new_password,
    upload_concept,
)
from grants.evaluation.assignment.evaluator_view import accept_assignment
from grants.evaluation.assignment.pool import add_affiliation
from grants.evaluation.assignment.schemas import AffiliationCreate, AutoAssignRequest
from grants.evaluation.assignment.service import auto_assign
from grants.evaluation.formal_check.schemas import ChecklistDecision, FormalCheckRecord
from grants.evaluation.formal_check.service import get_formal_check, record_formal_check
from grants.evaluation.scoring.schemas import CriterionScoreIn, ScoreSheetDraft
from grants.evaluation.scoring.service import save_draft, submit_sheet
from grants.evaluation.tables import assignments_table, evaluator_profiles_table
from grants.guidelines.registry import GuidelineRegistry

SCENARIO_CALL = "2024-1"
GUIDELINE = "frl-lifd"
BERLIN = ZoneInfo("Europe/Berlin")
SEED = 2024  # of the scores and of the auto-assignment: the same scenario every time


class Twist(StrEnum):
    """What makes a proposal more than a plain one."""

    OVER_FUNDABLE = "over_fundable"  # asks more than the rates give: acknowledged at submission
    TOO_LONG = "too_long"  # 40 months, the guideline allows 36: acknowledged
    WEAK_SUSTAINABILITY = "weak_sustainability"  # K5 below its minimum: no funding
    INFORMATION = "information"  # the formal check asks for a document
    REJECTION = "rejection"  # not eligible: the formal check proposes a formal rejection


@dataclass(frozen=True, slots=True)
class Organisation:
    slug: str  # the contact's address is <slug>@demo.grants.example
    legal_name: str
    legal_form: str
    applicant_type: ApplicantType
    street: str
    postal_code: str
    city: str
    municipality_key: str
    contact: str

    @property
    def email(self) -> str:
        return f"{self.slug}@{DEMO_DOMAIN}"


@dataclass(frozen=True, slots=True)
class Project:
    organisation: str  # slug
    line: str
    title: str
    municipality_key: str
    grant: str  # requested, EUR
    quality: float  # about the mean score the evaluators give (0-5)
    rural: bool = False
    objectives: tuple[str, ...] = ("a", "e")
    twist: Twist | None = None


def _organisation(
    slug: str, name: str, form: str, kind: ApplicantType, *address: str
) -> Organisation:
    street, postal_code, city, key, contact = address
    return Organisation(slug, name, form, kind, street, postal_code, city, key, contact)


_ORG = "Gebietskörperschaft"
# fmt: off
ORGANISATIONS = (
    _organisation("vogtland", "Digitalwerkstatt Vogtland e.V.", "eingetragener Verein",
                  ApplicantType.NONPROFIT, "Bahnhofstraße 12", "08523", "Plauen", "14523320",
                  "Vera Vogt"),
    _organisation("oschatz", "Große Kreisstadt Oschatz", _ORG, ApplicantType.MUNICIPALITY,
                  "Neumarkt 1", "04758", "Oschatz", "14730230", "Oskar Schatz"),
    _organisation("seiffen", "Gemeinde Kurort Seiffen/Erzgeb.", _ORG, ApplicantType.MUNICIPALITY,
                  "Hauptstraße 95", "09548", "Seiffen", "14521570", "Sieglinde Holz"),
    _organisation("hochschule", "Hochschule Zittau/Görlitz", "Körperschaft des öffentlichen "
                  "Rechts", ApplicantType.PUBLIC_BODY, "Brückenstraße 1", "02826", "Görlitz",
                  "14626110", "Henrike Hochschule"),
    _organisation("lausitz", "Oberlausitzer Makerspace gGmbH", "gemeinnützige GmbH",
                  ApplicantType.NONPROFIT, "Kornmarkt 3", "02625", "Bautzen", "14625020",
                  "Lukas Lausitz"),
    _organisation("erzgeno", "Erzgebirgische Innovationsgenossenschaft eG",
                  "eingetragene Genossenschaft", ApplicantType.COMPANY, "Markt 4", "09496",
                  "Marienberg", "14521390", "Erik Erz"),
    _organisation("torgau", "Große Kreisstadt Torgau", _ORG, ApplicantType.MUNICIPALITY,
                  "Markt 1", "04860", "Torgau", "14730310", "Tilo Elbe"),
    _organisation("digitalhaus", "Leipziger Digitalhaus GmbH", "Gesellschaft mit beschränkter "
                  "Haftung", ApplicantType.COMPANY, "Karl-Liebknecht-Straße 50", "04107",
                  "Leipzig", "14713000", "Lea Lindenau"),
    _organisation("kulturbahnhof", "Kulturbahnhof Riesa e.V.", "eingetragener Verein",
                  ApplicantType.NONPROFIT, "Bahnhofstraße 1", "01587", "Riesa", "14627230",
                  "Rainer Elbufer"),
    # Not eligible (a group without legal capacity): the formal check proposes a rejection.
    _organisation("dommitzsch", "Bürgerinitiative Digitales Dorf Dommitzsch",
                  "nicht rechtsfähige Personengruppe", ApplicantType.NATURAL_PERSON, "Markt 2",
                  "04880", "Dommitzsch", "14730090", "Doris Dorf"),
)
# fmt: on

S, M = "stationary", "mobile"
R = True  # rural
NO: Twist | None = None
LONG, OVER, WEAK = Twist.TOO_LONG, Twist.OVER_FUNDABLE, Twist.WEAK_SUSTAINABILITY
INFO, REJECT = Twist.INFORMATION, Twist.REJECTION

# In the order of submission: organisation, line, title, municipality, requested grant,
# quality, rural, objectives, twist. The fundable stationary requests add up to about
# EUR 6.5 m, the mobile ones to EUR 7 m: each line's EUR 6 m leaves a reserve.
# fmt: off
_TABLE: tuple[tuple[str, str, str, str, str, float, bool, str, Twist | None], ...] = (
    ("vogtland", S, "Digitalwerkstatt Plauen", "14523320", "385000", 4.3, False, "ae", NO),
    ("vogtland", S, "Maker-Labor Klingenthal", "14523160", "340000", 3.7, R, "ae", NO),
    ("oschatz", S, "Coworking im Rathaus Oschatz", "14730230", "395000", 4.0, False, "ab", NO),
    ("oschatz", S, "Digitale Bürgerwerkstatt Oschatz", "14730230", "180000", 2.5, False, "e", NO),
    ("seiffen", S, "Spielzeugmacher digital – Innovationsraum Seiffen", "14521570", "400000",
     4.6, R, "abd", NO),
    ("seiffen", S, "Dorfbüro Seiffen", "14521570", "250000", 3.6, R, "ae", LONG),
    ("hochschule", S, "Reallabor Görlitz", "14626110", "400000", 4.4, False, "cd", NO),
    ("hochschule", S, "Transferwerkstatt Niesky", "14626370", "380000", 3.9, R, "bc", NO),
    ("lausitz", S, "Makerspace Bautzen", "14625020", "360000", 4.1, False, "ae", NO),
    ("lausitz", S, "FabLab Hoyerswerda", "14625240", "390000", 3.6, False, "ae", OVER),
    ("erzgeno", S, "Digitales Handwerkerhaus Marienberg", "14521390", "300000", 3.7, R, "ab", NO),
    ("erzgeno", S, "Innovationsscheune Olbernhau", "14521460", "340000", 3.6, R, "bd", NO),
    ("torgau", S, "Elbe-Lab Torgau", "14730310", "375000", 3.8, R, "ae", NO),
    ("torgau", S, "Schlossbibliothek 4.0", "14730310", "210000", 2.4, R, "e", NO),
    ("digitalhaus", S, "Community-Lab Leipzig-Ost", "14713000", "400000", 3.5, False, "bcd", NO),
    ("kulturbahnhof", S, "Kulturbahnhof digital", "14627230", "390000", 3.9, False, "ce", NO),
    ("kulturbahnhof", S, "Medienwerkstatt Riesa", "14627230", "260000", 3.8, False, "e", WEAK),
    ("dommitzsch", S, "Dorf-Digitalzentrum Dommitzsch", "14730090", "120000", 3.0, R, "ae",
     REJECT),
    ("vogtland", S, "Instrumentenbau digital Markneukirchen", "14523200", "370000", 4.2, R,
     "abd", NO),
    ("hochschule", S, "Zukunftswerkstatt Herrnhut", "14626180", "290000", 3.6, R, "ce", INFO),
    ("lausitz", S, "Innovationsraum Bad Muskau", "14626010", "360000", 3.5, R, "ae", NO),
    ("digitalhaus", S, "Digitalhafen Schkeuditz", "14730270", "250000", 3.8, False, "bc", NO),
    ("vogtland", M, "Digimobil Vogtland", "14523040", "900000", 4.0, R, "ae", NO),
    ("torgau", M, "Landbus digital Nordsachsen", "14730020", "1200000", 3.7, R, "ae", NO),
    ("hochschule", M, "Lab on Tour Oberlausitz", "14626110", "1500000", 4.5, False, "cde", NO),
    ("erzgeno", M, "MakerTruck Erzgebirge", "14521320", "800000", 3.5, R, "ab", NO),
    ("lausitz", M, "Mobiles FabLab Lausitz", "14625240", "1100000", 3.9, False, "ae", NO),
    ("kulturbahnhof", M, "Medienmobil Elbland", "14627230", "650000", 2.0, False, "e", NO),
    ("seiffen", M, "Erzgebirgs-Express digital", "14521570", "1000000", 3.6, R, "ae", NO),
    ("digitalhaus", M, "Data-Bike Leipzig", "14713000", "500000", 4.1, False, "bd", NO),
)
# fmt: on
PROJECTS = tuple(
    Project(org, line, title, key, grant, quality, rural, tuple(objectives), twist)
    for org, line, title, key, grant, quality, rural, objectives, twist in _TABLE
)

# The evaluator who works at the Hochschule (declared, so never assigned to its proposals).
EMPLOYED_EVALUATOR = DEMO_EVALUATORS[3].email
EMPLOYER = "hochschule"
# The three sheets of a proposal: a milder, a stricter and a middling one. By the sheet's
# place among the proposal's evaluators (ordered by address), not by who they are: the
# auto-assignment's choice depends on the evaluators' random ids, and the ranking should not.
SHEET_BIAS = (0.25, -0.25, 0.1)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


# When things happen (all in Europe/Berlin).
REGISTERED_FROM = _at(date(2024, 2, 1), 9)
DRAFTED_FROM = _at(date(2024, 2, 5), 9)
LAST_MINUTE = _at(date(2024, 3, 15), 23, 41)
CHECKED_FROM = _at(date(2024, 3, 18), 8, 30)
DECLARED_AT = _at(date(2024, 3, 20), 9)
ASSIGNED_AT = _at(date(2024, 3, 21), 10)
SCORED_FROM = _at(date(2024, 3, 25), 9)
INFORMATION_DUE_DAYS = 21


@dataclass(slots=True)
class ScenarioSummary:
    call: str = SCENARIO_CALL
    already_there: bool = False
    organisations: int = 0
    applications: int = 0
    acknowledged: int = 0  # submissions that acknowledged failing rules
    in_review: int = 0
    information_requested: int = 0
    rejection_proposed: int = 0
    assignments: int = 0
    sheets: int = 0


def scenario_steps() -> int:
    """The steps ``run_scenario`` reports (for a progress bar): each organisation, each
    submission, each formal check, each line's assignment and each score sheet."""
    reviewed = sum(1 for p in PROJECTS if p.twist not in (Twist.INFORMATION, Twist.REJECTION))
    lines = {p.line for p in PROJECTS}
    return len(ORGANISATIONS) + 2 * len(PROJECTS) + len(lines) + 3 * reviewed


# --- the proposals -----------------------------------------------------------------------------

_THOUSAND = Decimal(1000)
_ECONOMIC = frozenset({ApplicantType.COMPANY, ApplicantType.PARTNERSHIP, ApplicantType.FREELANCER})


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _cost_plan(project: Project) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Cost lines and financing that balance: equipment 45 %, staff 35 %, material 20 % of a
    total whose fundable share (80 % and 60 %: 69 %) covers the request; a request over the
    fundable amount (``OVER_FUNDABLE``) gets a total too small for it."""
    grant = Decimal(project.grant)
    share = Decimal("0.9") if project.twist is Twist.OVER_FUNDABLE else Decimal("0.65")
    total = ((grant / share) / _THOUSAND).to_integral_value(ROUND_CEILING) * _THOUSAND
    equipment = (total * Decimal("0.45") / _THOUSAND).to_integral_value() * _THOUSAND
    personnel = (total * Decimal("0.35") / _THOUSAND).to_integral_value() * _THOUSAND
    material = total - equipment - personnel
    what = "Fahrzeug und mobile Ausstattung" if project.line == "mobile" else "Werkstattausstattung"
    lines = [
        {"category": "equipment", "description": what, "amount": _money(equipment)},
        {
            "category": "personnel",
            "description": "Projektleitung und Betreuung",
            "amount": _money(personnel),
        },
        {
            "category": "material",
            "description": "Kurse, Material, Öffentlichkeitsarbeit",
            "amount": _money(material),
        },
    ]
    financing = {
        "requested_grant": _money(grant),
        "own_funds": _money(total - grant),
        "third_party_funds": "0.00",
    }
    return lines, financing


def proposal(project: Project, organisation: Organisation) -> dict[str, Any]:
    """The draft of ``project`` as its organisation would fill in the form."""
    cost_lines, financing = _cost_plan(project)
    economic = organisation.applicant_type in _ECONOMIC
    place = project.title.split()[-1]
    end = date(2027, 10, 31) if project.twist is Twist.TOO_LONG else date(2026, 6, 30)
    return {
        "title": project.title,
        "summary": f"{project.title}: ein Lokaler Innovationsraum, der Menschen, Vereine und "
        "Betriebe der Region an digitale Werkzeuge heranführt.",
        "concept": {
            "initial_situation": f"In {place} fehlt ein offener Ort, an dem digitale Technik "
            "ausprobiert und gelernt werden kann.",
            "goals": "Digitale Kompetenzen vermitteln, Betriebe vernetzen, Ideen erproben.",
            "measures": "Ausstattung, offene Werkstattzeiten, Kurse für Schulen und Betriebe.",
            "target_groups": "Schülerinnen und Schüler, Handwerk, Vereine, Seniorinnen und "
            "Senioren.",
            "sustainability": "Ein Trägerverbund und Nutzungsentgelte tragen den Betrieb "
            "nach der Förderung."
            if project.twist is not Twist.WEAK_SUSTAINABILITY
            else "Wie es nach der Förderung weitergeht, wird noch geklärt.",
            "cooperation": "Schulen, Handwerkskammer, Bibliothek und örtliche Vereine.",
        },
        "objectives": list(project.objectives),
        "municipality_key": project.municipality_key,
        "planned_start": "2024-07-01",
        "planned_end": end.isoformat(),
        "partners": [{"name": f"Oberschule {place}", "type": "Schule", "role": "Kurse"}],
        "cost_lines": cost_lines,
        "cost_amounts": "net" if economic else "gross",
        "financing": financing,
        "declarations": {
            "subsidy_relevant_facts_acknowledged": True,
            "not_started_declared": True,
            "de_minimis_declared": True,
            "de_minimis_prior_aid": [],
            "economic_activity": economic,
            "part_of_single_undertaking": False if economic else None,
            "vat_deduction": "full" if economic else "none",
            "data_protection_acknowledged": True,
        },
    }


# --- the scores ----------------------------------------------------------------------------

_VERDICTS = ("nicht erkennbar", "schwach", "in Ansätzen", "solide", "überzeugend", "herausragend")
_REMARKS = {
    "K1": (
        "Der Standort ist gut gewählt und vor Ort verankert.",
        "Die lokale Verankerung bleibt vage.",
    ),
    "K2": (
        "Die Partner aus mehreren Branchen sind verbindlich eingebunden.",
        "Das Netzwerk ist noch dünn.",
    ),
    "K3": (
        "Die Angebote erreichen auch Menschen ohne Vorkenntnisse.",
        "Wen die Angebote erreichen, ist unklar.",
    ),
    "K4": ("Der Bezug zu Betrieben der Region ist konkret.", "Der Innovationsgehalt ist gering."),
    "K5": (
        "Der Betrieb nach der Förderung ist plausibel gesichert.",
        "Die Verstetigung ist nicht gesichert.",
    ),
    "K6": ("Zeitplan und Kostenplan sind stimmig.", "Zeit- und Kostenplan wirken unrealistisch."),
}


def _offset(project: Project, organisation: Organisation, code: str) -> float:
    """How a proposal does on one criterion against its overall quality."""
    if code == "K1":
        return 0.4 if project.rural else -0.2
    if code == "K3" and organisation.applicant_type is not ApplicantType.COMPANY:
        return 0.3
    if code == "K4" and organisation.applicant_type is ApplicantType.COMPANY:
        return 0.4
    if code == "K5" and project.twist is Twist.WEAK_SUSTAINABILITY:
        return -2.6
    return 0.0


def score_sheet(
    project: Project, organisation: Organisation, place: int, guideline: Guideline
) -> ScoreSheetDraft:
    """The ``place``-th sheet of a proposal (0, 1, 2), each score justified: the proposal's
    quality, the sheet's leaning and a little noise (seeded by proposal and place), so the
    same proposal always gets the same three sheets."""
    rubric = guideline.rubric
    rng = random.Random(f"{SEED}:{project.title}:{place}")  # noqa: S311 (not security)
    scores = []
    for criterion in rubric.criteria:
        raw = (
            project.quality
            + SHEET_BIAS[place % len(SHEET_BIAS)]
            + _offset(project, organisation, criterion.code)
        )
        value = math.floor(raw + 0.5) + rng.choice((-1, 0, 0, 0, 1))
        value = max(rubric.scale_min, min(rubric.scale_max, value))
        good, poor = _REMARKS.get(
            criterion.code, ("Überzeugend dargestellt.", "Nicht überzeugend.")
        )
        scores.append(
            CriterionScoreIn(
                criterion=criterion.code,
                score=value,
                justification=f"{_VERDICTS[min(value, len(_VERDICTS) - 1)].capitalize()}: "
                f"{good if value >= 3 else poor}",
            )
        )
    return ScoreSheetDraft(scores=scores)


# --- running it ----------------------------------------------------------------------------


async def _existing_applications(session: AsyncSession) -> list[str]:
    """The contact addresses of the organisations with applications in the call."""
    async with session.begin():
        rows = await session.execute(
            sa.select(sa.func.min(users_table.c.email))
            .select_from(
                applications_table.join(
                    users_table, users_table.c.id == applications_table.c.created_by
                )
            )
            .where(
                applications_table.c.guideline_id == GUIDELINE,
                applications_table.c.call_code == SCENARIO_CALL,
            )
            .group_by(applications_table.c.id)
        )
        return [str(email) for email in rows.scalars()]


async def _staff_principal(session: AsyncSession, email: str, role: StaffRole) -> Principal:
    async with session.begin():
        row = (
            await session.execute(
                sa.select(users_table.c.id, users_table.c.display_name).where(
                    users_table.c.email == email
                )
            )
        ).first()
    if row is None:
        raise Conflict(
            f"Das Demo-Konto {email} fehlt; zuerst „grants demo seed“ ausführen "
            "(the demo account is missing: run `grants demo seed` first)."
        )
    return Principal(
        user_id=row.id,
        email=email,
        display_name=row.display_name,
        staff_roles=frozenset({role.value}),
    )


async def _foreign_evaluators(session: AsyncSession) -> list[str]:
    async with session.begin():
        rows = await session.execute(
            sa.select(users_table.c.email)
            .select_from(
                evaluator_profiles_table.join(
                    users_table, users_table.c.id == evaluator_profiles_table.c.user_id
                )
            )
            .where(evaluator_profiles_table.c.active)
            .order_by(users_table.c.email)
        )
        return [str(e) for e in rows.scalars() if not is_demo_address(str(e))]


class _Clock:
    """The scenario's time, moving forward only."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def at_least(self, moment: datetime) -> datetime:
        self.now = max(self.now, moment)
        return self.now

    def tick(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _checked_items(check: Any, *, overrule: dict[str, str]) -> list[ChecklistDecision]:
    """Every item confirmed as the verdict proposes it; an item the verdict did not pass is
    confirmed with the reason a person gives after looking at the documents; ``overrule``:
    items found not met, with the reason."""
    decisions = []
    for item in check.items:
        if item.code in overrule:
            decisions.append(
                ChecklistDecision(code=item.code, confirmed=False, reason=overrule[item.code])
            )
        elif item.proposed == "fail" and item.code == "applicant_eligible":
            decisions.append(ChecklistDecision(code=item.code, confirmed=False))
        elif item.proposed == "pass":
            decisions.append(ChecklistDecision(code=item.code, confirmed=True))
        else:
            decisions.append(
                ChecklistDecision(
                    code=item.code,
                    confirmed=True,
                    reason="Geprüft: die Unterlagen belegen es (checked against the documents).",
                )
            )
    return decisions


async def _refuse_unless_empty(session: AsyncSession) -> ScenarioSummary | None:
    """None when the scenario may run; its summary when it ran before (nothing to do)."""
    existing = await _existing_applications(session)
    if existing and all(is_demo_address(email) for email in existing):
        return ScenarioSummary(already_there=True, applications=len(existing))
    if existing:
        raise Conflict(
            f"Der Aufruf {SCENARIO_CALL} hat schon {len(existing)} Anträge, nicht nur aus der "
            "Demo; das Szenario füllt nur einen leeren Aufruf (the call already has "
            "applications that are not the demo's; the scenario fills an empty call only).",
            extra={"applications": len(existing)},
        )
    foreign = await _foreign_evaluators(session)
    if foreign:
        raise Conflict(
            "Im Gutachterpool sind aktive Gutachter, die nicht zur Demo gehören; das Szenario "
            "würde ihnen Anträge zuordnen (active evaluators outside the demo are in the pool).",
            extra={"evaluators": foreign},
        )
    return None


def _formal_check_record(project: Project, check: Any, now: datetime) -> FormalCheckRecord:
    """What the manager records for ``project``: most go to review."""
    if project.twist is Twist.INFORMATION:
        return FormalCheckRecord(
            items=_checked_items(
                check, overrule={"complete": "Kooperationsvereinbarung mit der Gemeinde fehlt."}
            ),
            outcome=FormalOutcome.INFORMATION_REQUESTED,
            reason="Die Kooperationsvereinbarung mit der Standortgemeinde fehlt.",
            information_request=InformationRequestCreate(
                items=["Unterzeichnete Kooperationsvereinbarung mit der Standortgemeinde"],
                message="Bitte reichen Sie die Vereinbarung über das Portal nach.",
                due_at=now + timedelta(days=INFORMATION_DUE_DAYS),
            ),
        )
    if project.twist is Twist.REJECTION:
        return FormalCheckRecord(
            items=_checked_items(check, overrule={}),
            outcome=FormalOutcome.FORMALLY_REJECTED,
            reason="Eine nicht rechtsfähige Bürgerinitiative ist nicht antragsberechtigt; "
            "antragsberechtigt sind juristische Personen, rechtsfähige "
            "Personengesellschaften und freiberuflich Tätige.",
        )
    return FormalCheckRecord(
        items=_checked_items(check, overrule={}), outcome=FormalOutcome.TO_REVIEW
    )


class _Scenario:
    """One run: the session, the simulated clock, who acts, and what was made so far."""

    def __init__(
        self,
        session: AsyncSession,
        registry: GuidelineRegistry,
        guideline: Guideline,
        uploads: Uploads,
        on_step: Callable[[str], None],
    ) -> None:
        self.session = session
        self.registry = registry
        self.guideline = guideline
        self.uploads = uploads
        self.on_step = on_step
        self.clock = _Clock(REGISTERED_FROM)
        self.summary = ScenarioSummary()
        self.applicants: dict[str, Principal] = {}
        self.application_of: dict[uuid.UUID, tuple[Project, Organisation]] = {}

    def as_user(self, principal: Principal) -> UserContext:
        return UserContext.of(self.session, principal, now=self.clock.now, guidelines=self.registry)

    async def register(self, manager: Principal) -> None:
        """The organisations register; their contacts' passwords are random and never shown
        (``grants demo reset-passwords --email …`` gives one)."""
        for index, organisation in enumerate(ORGANISATIONS):
            self.clock.at_least(REGISTERED_FROM + timedelta(hours=5 * index))
            # Any context will do: the registration acts as the new user itself.
            registered = await register_applicant(
                self.as_user(manager),
                RegistrationCreate(
                    email=organisation.email,
                    password=new_password(),
                    display_name=organisation.contact,
                    organisation=OrganisationCreate(
                        legal_name=organisation.legal_name,
                        legal_form=organisation.legal_form,
                        applicant_type=organisation.applicant_type,
                        street=organisation.street,
                        postal_code=organisation.postal_code,
                        city=organisation.city,
                        municipality_key=organisation.municipality_key,
                    ),
                ),
            )
            self.applicants[organisation.slug] = Principal(
                user_id=registered.user.id,
                email=organisation.email,
                display_name=organisation.contact,
                memberships={registered.organisation.id: "admin"},
            )
            self.summary.organisations += 1
            self.on_step(f"registered {organisation.legal_name}")

    async def submit(self, index: int, project: Project) -> uuid.UUID:
        """Draft, concept PDF, the live check, and the submission acknowledging what the
        check says fails, as an applicant does it."""
        organisation = next(o for o in ORGANISATIONS if o.slug == project.organisation)
        applicant = self.applicants[project.organisation]
        self.clock.at_least(DRAFTED_FROM + timedelta(hours=14 * index))
        draft = proposal(project, organisation)
        created = await create_application(
            self.as_user(applicant),
            ApplicationCreate.model_validate(
                {"call": SCENARIO_CALL, "funding_line": project.line, **draft}
            ),
        )
        self.clock.tick(minutes=12)
        await upload_concept(self.as_user(applicant), created.id, draft, self.uploads)
        self.clock.tick(hours=1)
        if index == len(PROJECTS) - 1:
            self.clock.at_least(LAST_MINUTE)  # one comes in at the last minute
        checked = await check_draft(self.as_user(applicant), created.id)
        if not checked.submittable:
            raise Conflict(
                f"Szenario: „{project.title}“ ist nicht einreichbar (not submittable).",
                extra={"missing": [p.field for p in checked.missing]},
            )
        acknowledged = [r.rule for r in checked.acknowledgement_required]
        await submit_application(
            self.as_user(applicant),
            created.id,
            if_match=f'"{checked.version}"',
            idempotency_key=None,
            request=SubmissionRequest(acknowledged_rules=acknowledged),
        )
        self.summary.applications += 1
        self.summary.acknowledged += bool(acknowledged)
        self.application_of[created.id] = (project, organisation)
        self.on_step(f"submitted {project.title}")
        return created.id

    async def check(self, manager: Principal) -> None:
        """After the deadline: the formal check of each submission."""
        self.clock.at_least(CHECKED_FROM)
        for application_id, (project, _) in self.application_of.items():
            self.clock.tick(minutes=15)
            ctx = self.as_user(manager)
            record = _formal_check_record(
                project, await get_formal_check(ctx, application_id), ctx.now
            )
            await record_formal_check(ctx, application_id, record)
            self.summary.in_review += record.outcome is FormalOutcome.TO_REVIEW
            self.summary.information_requested += (
                record.outcome is FormalOutcome.INFORMATION_REQUESTED
            )
            self.summary.rejection_proposed += record.outcome is FormalOutcome.FORMALLY_REJECTED
            self.on_step(f"formal check of {project.title}")

    async def assign(self, manager: Principal, evaluators: list[Principal]) -> None:
        """One evaluator declares her employer; then three evaluators per application."""
        self.clock.at_least(DECLARED_AT)
        employed = evaluators[[s.email for s in DEMO_EVALUATORS].index(EMPLOYED_EVALUATOR)]
        [employer_id] = self.applicants[EMPLOYER].memberships
        await add_affiliation(
            self.as_user(employed),
            employed.user_id,
            AffiliationCreate(kind=AffiliationKind.EMPLOYER, organisation_id=employer_id),
        )
        self.clock.at_least(ASSIGNED_AT)
        call = self.guideline.call(SCENARIO_CALL)
        for line in () if call is None else call.lines:
            result = await auto_assign(
                self.as_user(manager),
                AutoAssignRequest(
                    guideline=GUIDELINE, call=SCENARIO_CALL, funding_line=line, seed=SEED
                ),
            )
            if result.shortfalls:
                raise Conflict(
                    f"Szenario: zu wenige Gutachter für die Förderlinie {line} "
                    "(too few evaluators for the line).",
                    extra={"shortfalls": len(result.shortfalls)},
                )
            self.summary.assignments += result.added
            self.on_step(f"assigned evaluators ({line})")

    async def score(self, evaluators: list[Principal]) -> None:
        """Each evaluator in turn accepts their assignments and submits a justified score
        sheet for each."""
        async with self.session.begin():
            assignments = (
                await self.session.execute(
                    sa.select(
                        assignments_table.c.id,
                        assignments_table.c.application_id,
                        assignments_table.c.evaluator_id,
                    )
                    .where(assignments_table.c.application_id.in_(list(self.application_of)))
                    .order_by(assignments_table.c.assigned_at, assignments_table.c.id)
                )
            ).all()
        email = {e.user_id: e.email for e in evaluators}
        place: dict[uuid.UUID, int] = {}
        for application_id in self.application_of:
            mine = sorted(
                (a for a in assignments if a.application_id == application_id),
                key=lambda a: email[a.evaluator_id],
            )
            place |= {a.id: index for index, a in enumerate(mine)}
        for evaluator in evaluators:
            for assignment in (a for a in assignments if a.evaluator_id == evaluator.user_id):
                project, organisation = self.application_of[assignment.application_id]
                self.clock.tick(minutes=40)
                await accept_assignment(self.as_user(evaluator), assignment.id)
                self.clock.tick(hours=2)
                sheet = score_sheet(project, organisation, place[assignment.id], self.guideline)
                await save_draft(self.as_user(evaluator), assignment.id, sheet, if_match='"0"')
                self.clock.tick(minutes=5)
                await submit_sheet(self.as_user(evaluator), assignment.id, if_match='"1"')
                self.summary.sheets += 1
                self.on_step(f"score sheet of {project.title}")


async def run_scenario(
    session: AsyncSession,
    *,
    registry: GuidelineRegistry,
    uploads: Uploads,
    on_step: Callable[[str], None] = lambda _: None,
) -> ScenarioSummary:
    """Fill the closed call (see the module docstring); ``on_step`` after each of the
    ``scenario_steps()`` steps, with what was done. Needs the demo staff (``seed_demo``)."""
    guideline = registry.get(GUIDELINE)
    if guideline is None or guideline.call(SCENARIO_CALL) is None:
        raise Conflict(
            f"Der Aufruf {GUIDELINE}/{SCENARIO_CALL} ist nicht geladen "
            "(the call of the scenario is not in the guidelines)."
        )
    done = await _refuse_unless_empty(session)
    if done is not None:
        return done
    manager = await _staff_principal(session, MANAGER_EMAIL, StaffRole.PROGRAMME_MANAGER)
    evaluators = [
        await _staff_principal(session, staff.email, StaffRole.EVALUATOR)
        for staff in DEMO_EVALUATORS
    ]
    run = _Scenario(session, registry, guideline, uploads, on_step)
    await run.register(manager)
    for index, project in enumerate(PROJECTS):
        await run.submit(index, project)
    await run.check(manager)
    await run.assign(manager, evaluators)
    run.clock.at_least(SCORED_FROM)
    await run.score(evaluators)
    return run.summary
