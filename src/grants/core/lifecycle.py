"""Application states and the transitions allowed between them (DOMAIN.md §5.7), as data.

The sketch stage (Vorhabenidee) ends with the jury; invited projects continue in the
application stage (Antrag) up to the Bescheid. Every transition names who may take it; the
service writes actor, time and reason to the audit log in the same transaction.

**The steps happen in their legal order.** A transition's state is necessary, not enough:
each step also names what must have happened before it (``Requirement``), judged on facts
the service reads for it (``StepFacts``) — so an application that reached a state by hand
(a row written past the services) is still refused by the next step:

- the formal check and requests for information start only after the call's deadline
  (in a competition with a cut-off date, early hints or early rejections would treat
  applicants unequally);
- acceptance for review needs a completed formal check of the submitted version with the
  outcome "to review";
- the review is complete, and the jury may decide, only with the rubric's number of
  submitted score sheets — or with a recorded reason for deciding on fewer;
- an invitation needs a recorded jury recommendation, and a reason where it deviates from it.

**Decisions are not status flips.** Approving, approving in part, rejecting, declining and the
formal rejection are administrative acts: they are made by a written Bescheid (authority,
official, reasons, legal-remedy notice), which the awards work brings. They stay in the table
(the Bescheid record will take them), but ``DECISIONS`` marks them: the generic transitions
endpoint refuses them (``DecisionByNotice``) and ``allowed_events`` does not offer them.

Error texts name states and steps by their German and English labels, never by code; the
codes are in the problem's machine-readable members.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from grants.core.deadlines import BERLIN
from grants.core.errors import Conflict
from grants.core.guideline import Call, CallStatus, Text
from grants.core.ranking import Recommendation
from grants.core.roles import Role


class State(StrEnum):
    # sketch stage
    DRAFT = "draft"  # ENTWURF
    SUBMITTED = "submitted"  # EINGEREICHT (receipt with number and timestamp)
    FORMAL_CHECK = "formal_check"  # FORMALPRUEFUNG
    INFORMATION_REQUESTED = "information_requested"  # NACHFORDERUNG
    FORMALLY_REJECTED = "formally_rejected"  # FORMAL_ABGELEHNT
    IN_REVIEW = "in_review"  # IN_BEWERTUNG
    REVIEWED = "reviewed"  # BEWERTET
    JURY_DECIDED = "jury_decided"  # JURY_ENTSCHIEDEN
    INVITED = "invited"  # ZUR_ANTRAGSTELLUNG_AUFGEFORDERT
    NOT_SELECTED = "not_selected"  # NICHT_AUSGEWAEHLT
    WITHDRAWN = "withdrawn"  # ZURUECKGEZOGEN
    DISCARDED = "discarded"  # VERWORFEN: a draft never submitted, given up by the applicant
    # application stage
    APPLICATION_DRAFT = "application_draft"  # ANTRAG_ENTWURF
    APPLICATION_SUBMITTED = "application_submitted"  # ANTRAG_EINGEREICHT
    APPLICATION_CHECK = "application_check"  # ANTRAGSPRUEFUNG
    # NACHFORDERUNG of the application stage: answered into the application check, never
    # into the sketch's formal check
    APPLICATION_INFORMATION_REQUESTED = "application_info_requested"
    APPROVED = "approved"  # BEWILLIGT (Zuwendungsbescheid)
    PARTIALLY_APPROVED = "partially_approved"  # TEILBEWILLIGT
    REJECTED = "rejected"  # ABGELEHNT (Ablehnungsbescheid)


class Event(StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"  # a corrected version replaces the submitted one, before the deadline
    START_FORMAL_CHECK = "start_formal_check"
    REQUEST_INFORMATION = "request_information"
    ANSWER_REQUEST = "answer_request"
    REJECT_FORMALLY = "reject_formally"
    ACCEPT_FOR_REVIEW = "accept_for_review"
    COMPLETE_REVIEW = "complete_review"
    RECORD_JURY_DECISION = "record_jury_decision"
    INVITE = "invite"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    DISCARD = "discard"  # a draft only: nothing was received, so nothing is withdrawn
    START_APPLICATION = "start_application"
    SUBMIT_APPLICATION = "submit_application"
    START_APPLICATION_CHECK = "start_application_check"
    APPROVE = "approve"
    APPROVE_PARTIALLY = "approve_partially"
    REJECT = "reject"


STATE_LABELS: Mapping[State, Text] = MappingProxyType(
    {
        State.DRAFT: Text("Entwurf", "draft"),
        State.SUBMITTED: Text("Eingereicht", "submitted"),
        State.FORMAL_CHECK: Text("In Formalprüfung", "in formal check"),
        State.INFORMATION_REQUESTED: Text("Unterlagen nachgefordert", "information requested"),
        State.FORMALLY_REJECTED: Text("Aus formalen Gründen abgelehnt", "formally rejected"),
        State.IN_REVIEW: Text("In Bewertung", "in review"),
        State.REVIEWED: Text("Bewertet", "reviewed"),
        State.JURY_DECIDED: Text("Jury-Votum liegt vor", "jury recommendation recorded"),
        State.INVITED: Text("Zur Antragstellung aufgefordert", "invited to apply"),
        State.NOT_SELECTED: Text("Nicht ausgewählt", "not selected"),
        State.WITHDRAWN: Text("Zurückgezogen", "withdrawn"),
        State.DISCARDED: Text("Entwurf verworfen", "draft discarded"),
        State.APPLICATION_DRAFT: Text("Antrag in Bearbeitung", "formal application in draft"),
        State.APPLICATION_SUBMITTED: Text("Antrag eingereicht", "formal application submitted"),
        State.APPLICATION_CHECK: Text("In Antragsprüfung", "application under check"),
        State.APPLICATION_INFORMATION_REQUESTED: Text(
            "Unterlagen zum Antrag nachgefordert", "information requested for the application"
        ),
        State.APPROVED: Text("Bewilligt", "approved"),
        State.PARTIALLY_APPROVED: Text("Teilweise bewilligt", "partially approved"),
        State.REJECTED: Text("Abgelehnt", "rejected"),
    }
)

EVENT_LABELS: Mapping[Event, Text] = MappingProxyType(
    {
        Event.SUBMIT: Text("Einreichen", "submit"),
        Event.RESUBMIT: Text("Neue Fassung einreichen", "resubmit"),
        Event.START_FORMAL_CHECK: Text("Formalprüfung beginnen", "start the formal check"),
        Event.REQUEST_INFORMATION: Text("Unterlagen nachfordern", "request information"),
        Event.ANSWER_REQUEST: Text("Nachforderung beantworten", "answer the request"),
        Event.REJECT_FORMALLY: Text("Aus formalen Gründen ablehnen", "reject formally"),
        Event.ACCEPT_FOR_REVIEW: Text("Zur Bewertung zulassen", "accept for review"),
        Event.COMPLETE_REVIEW: Text("Bewertung abschließen", "complete the review"),
        Event.RECORD_JURY_DECISION: Text("Jury-Votum erfassen", "record the jury's vote"),
        Event.INVITE: Text("Zur Antragstellung auffordern", "invite to apply"),
        Event.DECLINE: Text("Absagen", "decline"),
        Event.WITHDRAW: Text("Zurückziehen", "withdraw"),
        Event.DISCARD: Text("Entwurf verwerfen", "discard the draft"),
        Event.START_APPLICATION: Text("Antrag beginnen", "start the formal application"),
        Event.SUBMIT_APPLICATION: Text("Antrag einreichen", "submit the formal application"),
        Event.START_APPLICATION_CHECK: Text(
            "Antragsprüfung beginnen", "start the application check"
        ),
        Event.APPROVE: Text("Bewilligen", "approve"),
        Event.APPROVE_PARTIALLY: Text("Teilweise bewilligen", "approve in part"),
        Event.REJECT: Text("Ablehnen", "reject"),
    }
)

RECOMMENDATION_LABELS: Mapping[Recommendation, Text] = MappingProxyType(
    {
        Recommendation.RECOMMENDED: Text("zur Förderung empfohlen", "recommended"),
        Recommendation.RESERVE: Text("Nachrückerliste", "reserve list"),
        Recommendation.NOT_RECOMMENDED: Text("nicht empfohlen", "not recommended"),
    }
)


class Requirement(StrEnum):
    """What must have happened before a step (the codes are in ``missing`` of the 409)."""

    CALL_CLOSED = "call_closed"  # the call's deadline has passed
    FORMAL_CHECK_PASSED = "formal_check_passed"  # a completed check, outcome to_review
    SCORE_SHEETS = "score_sheets"  # the rubric's number of submitted sheets, or a reason
    JURY_DECISION = "jury_decision"  # a recorded jury recommendation
    DEVIATION_REASON = "deviation_reason"  # a reason where the step deviates from the jury


@dataclass(frozen=True, slots=True)
class Transition:
    event: Event
    source: State
    target: State
    roles: frozenset[Role]
    needs_reason: bool = False
    requires: tuple[Requirement, ...] = ()
    decision: bool = False  # an administrative act: made by a Bescheid, not a status flip


def _t(
    event: Event,
    source: State,
    target: State,
    *roles: Role,
    reason: bool = False,
    requires: tuple[Requirement, ...] = (),
) -> Transition:
    return Transition(event, source, target, frozenset(roles), reason, requires, event in DECISIONS)


A, M, S = Role.APPLICANT, Role.PROGRAMME_MANAGER, Role.SYSTEM
R = Requirement

# Administrative acts (Bescheide): never through the generic transitions endpoint.
DECISIONS = frozenset(
    {Event.REJECT_FORMALLY, Event.DECLINE, Event.APPROVE, Event.APPROVE_PARTIALLY, Event.REJECT}
)

# Withdrawal is possible in every state before a decision (DOMAIN.md §5.7, issue 5).
_WITHDRAWABLE = (
    State.SUBMITTED,
    State.FORMAL_CHECK,
    State.INFORMATION_REQUESTED,
    State.IN_REVIEW,
    State.REVIEWED,
    State.APPLICATION_DRAFT,
    State.APPLICATION_SUBMITTED,
    State.APPLICATION_CHECK,
    State.APPLICATION_INFORMATION_REQUESTED,
)
_REVIEWED = (R.FORMAL_CHECK_PASSED, R.SCORE_SHEETS)

TRANSITIONS: tuple[Transition, ...] = (
    _t(Event.SUBMIT, State.DRAFT, State.SUBMITTED, A),
    _t(Event.RESUBMIT, State.SUBMITTED, State.SUBMITTED, A),
    _t(
        Event.START_FORMAL_CHECK,
        State.SUBMITTED,
        State.FORMAL_CHECK,
        M,
        S,
        requires=(R.CALL_CLOSED,),
    ),
    _t(
        Event.REQUEST_INFORMATION,
        State.FORMAL_CHECK,
        State.INFORMATION_REQUESTED,
        M,
        reason=True,
        requires=(R.CALL_CLOSED,),
    ),
    _t(Event.ANSWER_REQUEST, State.INFORMATION_REQUESTED, State.FORMAL_CHECK, A),
    _t(Event.REJECT_FORMALLY, State.FORMAL_CHECK, State.FORMALLY_REJECTED, M, reason=True),
    _t(Event.REJECT_FORMALLY, State.INFORMATION_REQUESTED, State.FORMALLY_REJECTED, M, reason=True),
    _t(
        Event.ACCEPT_FOR_REVIEW,
        State.FORMAL_CHECK,
        State.IN_REVIEW,
        M,
        requires=(R.CALL_CLOSED, R.FORMAL_CHECK_PASSED),
    ),
    _t(Event.COMPLETE_REVIEW, State.IN_REVIEW, State.REVIEWED, M, S, requires=_REVIEWED),
    _t(
        Event.RECORD_JURY_DECISION,
        State.REVIEWED,
        State.JURY_DECIDED,
        M,
        reason=True,
        requires=(*_REVIEWED, R.JURY_DECISION),
    ),
    _t(
        Event.INVITE,
        State.JURY_DECIDED,
        State.INVITED,
        M,
        requires=(R.JURY_DECISION, R.DEVIATION_REASON),
    ),
    _t(Event.DECLINE, State.JURY_DECIDED, State.NOT_SELECTED, M, reason=True),
    _t(Event.START_APPLICATION, State.INVITED, State.APPLICATION_DRAFT, A),
    _t(Event.SUBMIT_APPLICATION, State.APPLICATION_DRAFT, State.APPLICATION_SUBMITTED, A),
    _t(Event.START_APPLICATION_CHECK, State.APPLICATION_SUBMITTED, State.APPLICATION_CHECK, M, S),
    _t(
        Event.REQUEST_INFORMATION,
        State.APPLICATION_CHECK,
        State.APPLICATION_INFORMATION_REQUESTED,
        M,
        reason=True,
    ),
    _t(
        Event.ANSWER_REQUEST,
        State.APPLICATION_INFORMATION_REQUESTED,
        State.APPLICATION_CHECK,
        A,
    ),
    _t(Event.APPROVE, State.APPLICATION_CHECK, State.APPROVED, M),
    _t(Event.APPROVE_PARTIALLY, State.APPLICATION_CHECK, State.PARTIALLY_APPROVED, M, reason=True),
    _t(Event.REJECT, State.APPLICATION_CHECK, State.REJECTED, M, reason=True),
    _t(Event.REJECT, State.APPLICATION_INFORMATION_REQUESTED, State.REJECTED, M, reason=True),
    *(_t(Event.WITHDRAW, source, State.WITHDRAWN, A, reason=True) for source in _WITHDRAWABLE),
    # Only from the draft state, which an application never returns to once submitted: a
    # received proposal is withdrawn (and stays on file), never discarded.
    _t(Event.DISCARD, State.DRAFT, State.DISCARDED, A),
)

_BY_SOURCE: Mapping[tuple[State, Event], Transition] = {(t.source, t.event): t for t in TRANSITIONS}

FINAL_STATES = frozenset(
    {
        State.FORMALLY_REJECTED,
        State.NOT_SELECTED,
        State.WITHDRAWN,
        State.DISCARDED,
        State.APPROVED,
        State.PARTIALLY_APPROVED,
        State.REJECTED,
    }
)


def _quoted(labels: Iterable[Text]) -> tuple[str, str]:
    items = list(labels)
    if not items:
        return "—", "—"
    return (
        ", ".join(f"„{label.de}“" for label in items),
        ", ".join(f"“{label.en}”" for label in items),
    )


class InvalidTransition(Conflict):
    """The event is not allowed in the current state (or not for this role)."""

    code = "invalid-transition"

    def __init__(self, detail: str, *, current: State, allowed: tuple[Event, ...]) -> None:
        super().__init__(
            detail,
            extra={"current_state": current.value, "allowed_events": [e.value for e in allowed]},
        )
        self.current = current
        self.allowed = allowed


def allowed_events(state: State, role: Role, *, decisions: bool = False) -> tuple[Event, ...]:
    """The steps ``role`` may take from ``state``; decisions (Bescheide) only when asked for:
    they are not steps anyone takes through the status."""
    return tuple(
        t.event
        for t in TRANSITIONS
        if t.source is state and role in t.roles and (decisions or not t.decision)
    )


def transition(state: State, event: Event, *, role: Role, reason: str | None = None) -> Transition:
    """The transition to take, or ``InvalidTransition`` naming the current state and what is
    allowed from it for this role. Only the state, the role and the reason are judged here;
    ``check_order`` judges what the step requires besides."""
    found = _BY_SOURCE.get((state, event))
    step, where = EVENT_LABELS[event], STATE_LABELS[state]
    if found is None or role not in found.roles:
        allowed = allowed_events(state, role)
        possible_de, possible_en = _quoted(EVENT_LABELS[e] for e in allowed)
        raise InvalidTransition(
            f"„{step.de}“ ist im Zustand „{where.de}“ nicht möglich; möglich: {possible_de} "
            f"(“{step.en}” is not possible in the state “{where.en}”; possible: {possible_en})",
            current=state,
            allowed=allowed,
        )
    if found.needs_reason and not (reason and reason.strip()):
        raise InvalidTransition(
            f"„{step.de}“ braucht eine Begründung (“{step.en}” needs a reason).",
            current=state,
            allowed=allowed_events(state, role),
        )
    return found


# The outcome of the formal check (Formalprüfung), and the state of a request for information.
class FormalOutcome(StrEnum):
    TO_REVIEW = "to_review"
    INFORMATION_REQUESTED = "information_requested"
    FORMALLY_REJECTED = "formally_rejected"  # a proposal for the Bescheid, not the act itself


FORMAL_OUTCOME_LABELS: Mapping[FormalOutcome, Text] = MappingProxyType(
    {
        FormalOutcome.TO_REVIEW: Text("zur Bewertung", "to review"),
        FormalOutcome.INFORMATION_REQUESTED: Text("Nachforderung", "information requested"),
        FormalOutcome.FORMALLY_REJECTED: Text(
            "formale Ablehnung vorgeschlagen", "formal rejection proposed"
        ),
    }
)


# --- the order of the steps -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepFacts:
    """What the requirements of a step are judged on, read by the service in the step's
    transaction (only what the step requires; the rest keeps its default)."""

    now: datetime
    call: Call | None = None  # the application's call (None: unknown to this installation)
    formal_check: FormalOutcome | None = None  # recorded for the latest submitted version
    counted_sheets: int = 0  # submitted sheets that count (the ranking's rule)
    required_sheets: int = 0  # the rubric's minimum_evaluators
    incomplete_review_reason: str | None = None  # why the jury decides on fewer sheets
    jury_recommendation: Recommendation | None = None

    @property
    def call_closed(self) -> bool:
        return self.call is not None and self.call.status(self.now) is CallStatus.CLOSED

    def record(self, requirements: Iterable[Requirement]) -> dict[str, object]:
        """The facts a step was judged on, for its audit entry and for the 409."""
        found: dict[str, object] = {}
        for requirement in requirements:
            if requirement is R.CALL_CLOSED:
                found["deadline_at"] = None if self.call is None else self.call.deadline_at
            elif requirement is R.FORMAL_CHECK_PASSED:
                found["formal_check_outcome"] = self.formal_check
            elif requirement is R.SCORE_SHEETS:
                found["submitted_sheets"] = self.counted_sheets
                found["required_sheets"] = self.required_sheets
                found["incomplete_review_reason"] = self.incomplete_review_reason
            elif requirement in (R.JURY_DECISION, R.DEVIATION_REASON):
                found["jury_recommendation"] = self.jury_recommendation
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in found.items()
        }


def _filled(text: str | None) -> bool:
    return bool(text and text.strip())


def _deadline(call: Call | None) -> str:
    if call is None:
        return "unbekannt (unknown)"
    return call.deadline_at.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M:%S Uhr")


def unmet(
    requirements: Iterable[Requirement], facts: StepFacts, *, reason: str | None = None
) -> tuple[tuple[Requirement, Text], ...]:
    """Each requirement ``facts`` do not meet, with the sentence explaining it."""
    found: list[tuple[Requirement, Text]] = []
    for requirement in requirements:
        if requirement is R.CALL_CLOSED and not facts.call_closed:
            when = _deadline(facts.call)
            found.append(
                (
                    requirement,
                    Text(
                        f"Der Stichtag des Förderaufrufs ({when}) ist noch nicht verstrichen; "
                        "Formalprüfung und Nachforderungen beginnen erst danach, damit alle "
                        "Einreichenden gleich behandelt werden",
                        f"the call's deadline ({when}) has not passed yet; the formal check and "
                        "requests for information start only after it, so that all applicants "
                        "are treated alike",
                    ),
                )
            )
        elif requirement is R.FORMAL_CHECK_PASSED and facts.formal_check is not (
            FormalOutcome.TO_REVIEW
        ):
            recorded = facts.formal_check
            tail = (
                ("", "")
                if recorded is None
                else (
                    f" (erfasstes Ergebnis: „{FORMAL_OUTCOME_LABELS[recorded].de}“)",
                    f" (recorded outcome: “{FORMAL_OUTCOME_LABELS[recorded].en}”)",
                )
            )
            found.append(
                (
                    requirement,
                    Text(
                        "Es liegt keine abgeschlossene Formalprüfung der eingereichten Fassung "
                        f"mit dem Ergebnis „zur Bewertung“ vor{tail[0]}",
                        "there is no completed formal check of the submitted version with the "
                        f"outcome “to review”{tail[1]}",
                    ),
                )
            )
        elif (
            requirement is R.SCORE_SHEETS
            and facts.counted_sheets < facts.required_sheets
            and not _filled(facts.incomplete_review_reason)
        ):
            have, need = facts.counted_sheets, facts.required_sheets
            found.append(
                (
                    requirement,
                    Text(
                        f"Erst {have} von {need} erforderlichen Bewertungsbögen sind "
                        "eingereicht; mit weniger kann die Jury nur entscheiden, wenn ein "
                        "Grund dafür festgehalten wird",
                        f"only {have} of the {need} required score sheets are submitted; with "
                        "fewer, the jury can decide only with a recorded reason for doing so",
                    ),
                )
            )
        elif requirement is R.JURY_DECISION and facts.jury_recommendation is None:
            found.append(
                (
                    requirement,
                    Text(
                        "Es ist keine Empfehlung der Jury erfasst",
                        "no recommendation of the jury is recorded",
                    ),
                )
            )
        elif (
            requirement is R.DEVIATION_REASON
            and facts.jury_recommendation is not None
            and facts.jury_recommendation is not Recommendation.RECOMMENDED
            and not _filled(reason)
        ):
            vote = RECOMMENDATION_LABELS[facts.jury_recommendation]
            found.append(
                (
                    requirement,
                    Text(
                        f"Die Jury hat das Vorhaben nicht zur Förderung empfohlen "
                        f"(„{vote.de}“); wer abweichend auffordert, muss es begründen",
                        f"the jury did not recommend the project (“{vote.en}”); an invitation "
                        "against its vote needs a reason",
                    ),
                )
            )
    return tuple(found)


class StepOutOfOrder(Conflict):
    """The step is allowed in this state, but what must come before it has not happened."""

    code = "step-out-of-order"

    def __init__(
        self,
        *,
        current: State,
        step: Text,
        event: Event | None,
        missing: tuple[tuple[Requirement, Text], ...],
        facts: Mapping[str, object],
    ) -> None:
        where = STATE_LABELS[current]
        why_de = "; ".join(text.de for _, text in missing)
        why_en = "; ".join(text.en for _, text in missing)
        super().__init__(
            f"„{step.de}“ ist im Zustand „{where.de}“ noch nicht möglich: {why_de}. "
            f"(“{step.en}” is not possible yet in the state “{where.en}”: {why_en}.)",
            extra={
                "current_state": current.value,
                "event": None if event is None else event.value,
                "missing": [requirement.value for requirement, _ in missing],
                **facts,
            },
        )
        self.current = current
        self.missing = tuple(requirement for requirement, _ in missing)


def check_order(step: Transition, facts: StepFacts, *, reason: str | None = None) -> None:
    """Raise ``StepOutOfOrder`` unless every requirement of ``step`` is met."""
    require(
        step.requires,
        facts,
        current=step.source,
        step=EVENT_LABELS[step.event],
        event=step.event,
        reason=reason,
    )


def require(
    requirements: tuple[Requirement, ...],
    facts: StepFacts,
    *,
    current: State,
    step: Text,
    event: Event | None = None,
    reason: str | None = None,
) -> None:
    """``check_order`` for an action that is not a transition itself (recording the formal
    check while it runs, changing a jury recommendation): the same requirements and texts."""
    missing = unmet(requirements, facts, reason=reason)
    if missing:
        raise StepOutOfOrder(
            current=current,
            step=step,
            event=event,
            missing=missing,
            facts=facts.record(requirement for requirement, _ in missing),
        )


class DecisionByNotice(Conflict):
    """A decision event sent to the generic transitions endpoint."""

    code = "decision-by-notice"

    def __init__(self, event: Event, *, current: State) -> None:
        step = EVENT_LABELS[event]
        if event is Event.REJECT_FORMALLY:
            how = (
                "Das Ergebnis der Formalprüfung wird mit der Formalprüfung erfasst; die "
                "Ablehnung selbst ergeht als schriftlicher Bescheid",
                "the outcome of the formal check is recorded with the formal check; the "
                "rejection itself is made by a written notice",
            )
        else:
            how = (
                "Eine Entscheidung über den Antrag ergeht als schriftlicher Bescheid mit "
                "Begründung und Rechtsbehelfsbelehrung, nicht als Statuswechsel",
                "a decision on the application is made by a written notice with reasons and "
                "a legal-remedy notice, not by a change of status",
            )
        super().__init__(
            f"„{step.de}“ ist kein Statuswechsel: {how[0]}. (“{step.en}” is not a status "
            f"change: {how[1]}.)",
            extra={"current_state": current.value, "event": event.value},
        )


class InformationRequestStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
