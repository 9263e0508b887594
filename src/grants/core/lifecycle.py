"""Application states and the transitions allowed between them (DOMAIN.md §5.7), as data.

The sketch stage (Vorhabenidee) ends with the jury; invited projects continue in the
application stage (Antrag) up to the Bescheid. Every transition names who may take it; the
service writes actor, time and reason to the audit log in the same transaction.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from grants.core.errors import Conflict
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
    # application stage
    APPLICATION_DRAFT = "application_draft"  # ANTRAG_ENTWURF
    APPLICATION_SUBMITTED = "application_submitted"  # ANTRAG_EINGEREICHT
    APPLICATION_CHECK = "application_check"  # ANTRAGSPRUEFUNG
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
    START_APPLICATION = "start_application"
    SUBMIT_APPLICATION = "submit_application"
    START_APPLICATION_CHECK = "start_application_check"
    APPROVE = "approve"
    APPROVE_PARTIALLY = "approve_partially"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Transition:
    event: Event
    source: State
    target: State
    roles: frozenset[Role]
    needs_reason: bool = False


def _t(
    event: Event, source: State, target: State, *roles: Role, reason: bool = False
) -> Transition:
    return Transition(event, source, target, frozenset(roles), reason)


A, M, S = Role.APPLICANT, Role.PROGRAMME_MANAGER, Role.SYSTEM

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
)

TRANSITIONS: tuple[Transition, ...] = (
    _t(Event.SUBMIT, State.DRAFT, State.SUBMITTED, A),
    _t(Event.RESUBMIT, State.SUBMITTED, State.SUBMITTED, A),
    _t(Event.START_FORMAL_CHECK, State.SUBMITTED, State.FORMAL_CHECK, M, S),
    _t(Event.REQUEST_INFORMATION, State.FORMAL_CHECK, State.INFORMATION_REQUESTED, M, reason=True),
    _t(Event.ANSWER_REQUEST, State.INFORMATION_REQUESTED, State.FORMAL_CHECK, A),
    _t(Event.REJECT_FORMALLY, State.FORMAL_CHECK, State.FORMALLY_REJECTED, M, reason=True),
    _t(Event.REJECT_FORMALLY, State.INFORMATION_REQUESTED, State.FORMALLY_REJECTED, M, reason=True),
    _t(Event.ACCEPT_FOR_REVIEW, State.FORMAL_CHECK, State.IN_REVIEW, M),
    _t(Event.COMPLETE_REVIEW, State.IN_REVIEW, State.REVIEWED, M, S),
    _t(Event.RECORD_JURY_DECISION, State.REVIEWED, State.JURY_DECIDED, M, reason=True),
    _t(Event.INVITE, State.JURY_DECIDED, State.INVITED, M),
    _t(Event.DECLINE, State.JURY_DECIDED, State.NOT_SELECTED, M, reason=True),
    _t(Event.START_APPLICATION, State.INVITED, State.APPLICATION_DRAFT, A),
    _t(Event.SUBMIT_APPLICATION, State.APPLICATION_DRAFT, State.APPLICATION_SUBMITTED, A),
    _t(Event.START_APPLICATION_CHECK, State.APPLICATION_SUBMITTED, State.APPLICATION_CHECK, M, S),
    _t(
        Event.REQUEST_INFORMATION,
        State.APPLICATION_CHECK,
        State.INFORMATION_REQUESTED,
        M,
        reason=True,
    ),
    _t(Event.APPROVE, State.APPLICATION_CHECK, State.APPROVED, M),
    _t(Event.APPROVE_PARTIALLY, State.APPLICATION_CHECK, State.PARTIALLY_APPROVED, M, reason=True),
    _t(Event.REJECT, State.APPLICATION_CHECK, State.REJECTED, M, reason=True),
    *(_t(Event.WITHDRAW, source, State.WITHDRAWN, A, reason=True) for source in _WITHDRAWABLE),
)

_BY_SOURCE: Mapping[tuple[State, Event], Transition] = {(t.source, t.event): t for t in TRANSITIONS}

FINAL_STATES = frozenset(
    {
        State.FORMALLY_REJECTED,
        State.NOT_SELECTED,
        State.WITHDRAWN,
        State.APPROVED,
        State.PARTIALLY_APPROVED,
        State.REJECTED,
    }
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


def allowed_events(state: State, role: Role) -> tuple[Event, ...]:
    return tuple(t.event for t in TRANSITIONS if t.source is state and role in t.roles)


def transition(state: State, event: Event, *, role: Role, reason: str | None = None) -> Transition:
    """The transition to take, or ``InvalidTransition`` naming the current state and what is
    allowed from it for this role."""
    found = _BY_SOURCE.get((state, event))
    if found is None or role not in found.roles:
        allowed = allowed_events(state, role)
        raise InvalidTransition(
            f"„{event.value}“ ist im Zustand „{state.value}“ nicht möglich "
            f"(not allowed in state {state.value}); erlaubt (allowed): "
            f"{', '.join(e.value for e in allowed) or '—'}",
            current=state,
            allowed=allowed,
        )
    if found.needs_reason and not (reason and reason.strip()):
        raise InvalidTransition(
            f"„{event.value}“ braucht eine Begründung (needs a reason).",
            current=state,
            allowed=allowed_events(state, role),
        )
    return found


# The outcome of the formal check (Formalprüfung), and the state of a request for information.
class FormalOutcome(StrEnum):
    TO_REVIEW = "to_review"
    INFORMATION_REQUESTED = "information_requested"
    FORMALLY_REJECTED = "formally_rejected"


class InformationRequestStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
