from dataclasses import replace
from datetime import timedelta

import pytest

from grants.core.lifecycle import (
    DECISIONS,
    EVENT_LABELS,
    FINAL_STATES,
    FORMAL_OUTCOME_LABELS,
    RECOMMENDATION_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    DecisionByNotice,
    Event,
    FormalOutcome,
    InvalidTransition,
    Requirement,
    State,
    StepFacts,
    StepOutOfOrder,
    Transition,
    allowed_events,
    check_order,
    transition,
)
from grants.core.ranking import Recommendation
from grants.core.roles import Role
from tests.unit.core.guideline_fixtures import lifd

A, M = Role.APPLICANT, Role.PROGRAMME_MANAGER


def walk(*steps: tuple[Event, Role]) -> State:
    state = State.DRAFT
    for event, role in steps:
        state = transition(state, event, role=role, reason="Begründung").target
    return state


def test_the_happy_path_to_a_zuwendungsbescheid() -> None:
    assert (
        walk(
            (Event.SUBMIT, A),
            (Event.START_FORMAL_CHECK, M),
            (Event.REQUEST_INFORMATION, M),
            (Event.ANSWER_REQUEST, A),
            (Event.ACCEPT_FOR_REVIEW, M),
            (Event.COMPLETE_REVIEW, M),
            (Event.RECORD_JURY_DECISION, M),
            (Event.INVITE, M),
            (Event.START_APPLICATION, A),
            (Event.SUBMIT_APPLICATION, A),
            (Event.START_APPLICATION_CHECK, M),
            (Event.APPROVE, M),
        )
        is State.APPROVED
    )


def test_illegal_transition_names_current_state_and_allowed_events() -> None:
    with pytest.raises(InvalidTransition) as caught:
        transition(State.DRAFT, Event.APPROVE, role=M)
    assert caught.value.current is State.DRAFT
    assert caught.value.allowed == ()
    with pytest.raises(InvalidTransition) as caught:
        transition(State.SUBMITTED, Event.SUBMIT, role=A)
    assert caught.value.allowed == (Event.RESUBMIT, Event.WITHDRAW)


def test_roles_are_enforced() -> None:
    with pytest.raises(InvalidTransition):
        transition(State.FORMAL_CHECK, Event.ACCEPT_FOR_REVIEW, role=A)  # applicants cannot
    with pytest.raises(InvalidTransition):
        transition(State.DRAFT, Event.SUBMIT, role=M)  # managers do not submit for applicants


@pytest.mark.parametrize("event", [Event.REJECT_FORMALLY, Event.REQUEST_INFORMATION])
def test_reasons_are_required_where_the_law_wants_them(event: Event) -> None:
    with pytest.raises(InvalidTransition, match="Begründung"):
        transition(State.FORMAL_CHECK, event, role=M, reason="  ")
    assert transition(State.FORMAL_CHECK, event, role=M, reason="fehlt: Kostenplan").target


def test_withdrawal_before_a_decision_but_not_after() -> None:
    assert (
        transition(State.IN_REVIEW, Event.WITHDRAW, role=A, reason="Projekt entfällt").target
        is State.WITHDRAWN
    )
    for final in FINAL_STATES:
        with pytest.raises(InvalidTransition):
            transition(final, Event.WITHDRAW, role=A, reason="zu spät")


def test_final_states_have_no_way_out_and_every_state_is_reachable() -> None:
    assert all(t.source not in FINAL_STATES for t in TRANSITIONS)
    reachable = {State.DRAFT} | {t.target for t in TRANSITIONS}
    assert reachable == set(State)
    for final in FINAL_STATES:
        assert allowed_events(final, M) == allowed_events(final, A) == ()


def test_transitions_are_unambiguous() -> None:
    keys = [(t.source, t.event) for t in TRANSITIONS]
    assert len(keys) == len(set(keys))


# --- the order of the steps -----------------------------------------------------------------

CALL = lifd().call("2024-1")
assert CALL is not None
DEADLINE = CALL.deadline_at  # 2024-03-15 23:59:59 Europe/Berlin
AFTER = DEADLINE + timedelta(days=1)


def step(state: State, event: Event) -> Transition:
    return transition(state, event, role=M, reason="Begründung")


def refused(
    state: State, event: Event, facts: StepFacts, reason: str | None = None
) -> StepOutOfOrder:
    with pytest.raises(StepOutOfOrder) as caught:
        check_order(step(state, event), facts, reason=reason)
    return caught.value


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (State.SUBMITTED, Event.START_FORMAL_CHECK),
        (State.FORMAL_CHECK, Event.REQUEST_INFORMATION),
    ],
)
def test_the_formal_check_and_requests_wait_for_the_deadline(state: State, event: Event) -> None:
    # The state alone allows the step (a naive check would let it through) ...
    assert step(state, event).target
    for early in (DEADLINE - timedelta(days=30), DEADLINE):  # the deadline's second is in time
        error = refused(state, event, StepFacts(now=early, call=CALL))
        assert error.missing == (Requirement.CALL_CLOSED,)
        assert error.extra["missing"] == ["call_closed"]
        assert error.extra["deadline_at"] == DEADLINE.isoformat()
        assert "15.03.2024, 23:59:59 Uhr" in error.detail
        assert "Stichtag" in error.detail and "deadline" in error.detail
    check_order(step(state, event), StepFacts(now=DEADLINE + timedelta(seconds=1), call=CALL))


def test_an_unknown_call_is_never_closed() -> None:
    error = refused(State.SUBMITTED, Event.START_FORMAL_CHECK, StepFacts(now=AFTER, call=None))
    assert error.missing == (Requirement.CALL_CLOSED,)


def test_review_needs_a_completed_formal_check_with_outcome_to_review() -> None:
    facts = StepFacts(now=AFTER, call=CALL)
    empty = refused(State.FORMAL_CHECK, Event.ACCEPT_FOR_REVIEW, facts)
    assert empty.missing == (Requirement.FORMAL_CHECK_PASSED,)
    proposed_rejection = replace(facts, formal_check=FormalOutcome.FORMALLY_REJECTED)
    error = refused(State.FORMAL_CHECK, Event.ACCEPT_FOR_REVIEW, proposed_rejection)
    assert "formale Ablehnung vorgeschlagen" in error.detail
    assert error.extra["formal_check_outcome"] == "formally_rejected"
    passed = replace(facts, formal_check=FormalOutcome.TO_REVIEW)
    check_order(step(State.FORMAL_CHECK, Event.ACCEPT_FOR_REVIEW), passed)
    # Before the deadline even a passed check does not open the review.
    early = replace(passed, now=DEADLINE)
    assert refused(State.FORMAL_CHECK, Event.ACCEPT_FOR_REVIEW, early).missing == (
        Requirement.CALL_CLOSED,
    )


def test_the_review_is_complete_with_the_rubrics_sheets_or_a_reason() -> None:
    facts = StepFacts(
        now=AFTER, formal_check=FormalOutcome.TO_REVIEW, counted_sheets=2, required_sheets=3
    )
    error = refused(State.IN_REVIEW, Event.COMPLETE_REVIEW, facts)
    assert error.missing == (Requirement.SCORE_SHEETS,)
    assert (error.extra["submitted_sheets"], error.extra["required_sheets"]) == (2, 3)
    assert "Erst 2 von 3" in error.detail
    assert refused(
        State.IN_REVIEW, Event.COMPLETE_REVIEW, replace(facts, incomplete_review_reason="  ")
    ).missing == (Requirement.SCORE_SHEETS,)
    reasoned = replace(facts, incomplete_review_reason="Gutachterin erkrankt, Frist der Jury")
    check_order(step(State.IN_REVIEW, Event.COMPLETE_REVIEW), reasoned)
    check_order(step(State.IN_REVIEW, Event.COMPLETE_REVIEW), replace(facts, counted_sheets=3))
    # A hand-made in_review row without a passed check is refused at its next step.
    unchecked = replace(facts, formal_check=None, counted_sheets=3)
    assert refused(State.IN_REVIEW, Event.COMPLETE_REVIEW, unchecked).missing == (
        Requirement.FORMAL_CHECK_PASSED,
    )


def test_an_invitation_needs_the_jury_and_a_reason_to_deviate_from_it() -> None:
    facts = StepFacts(now=AFTER)
    assert refused(State.JURY_DECIDED, Event.INVITE, facts).missing == (Requirement.JURY_DECISION,)
    check_order(
        step(State.JURY_DECIDED, Event.INVITE),
        replace(facts, jury_recommendation=Recommendation.RECOMMENDED),
    )
    for vote in (Recommendation.RESERVE, Recommendation.NOT_RECOMMENDED):
        deviating = replace(facts, jury_recommendation=vote)
        error = refused(State.JURY_DECIDED, Event.INVITE, deviating)
        assert error.missing == (Requirement.DEVIATION_REASON,)
        assert error.extra["jury_recommendation"] == vote.value
        check_order(
            step(State.JURY_DECIDED, Event.INVITE),
            deviating,
            reason="Nachrücker: ein empfohlenes Vorhaben wurde zurückgezogen",
        )


def test_errors_name_states_and_steps_by_label_not_by_code() -> None:
    error = refused(State.FORMAL_CHECK, Event.ACCEPT_FOR_REVIEW, StepFacts(now=AFTER, call=CALL))
    assert "„Zur Bewertung zulassen“" in error.detail and "„In Formalprüfung“" in error.detail
    assert "“accept for review”" in error.detail and "“in formal check”" in error.detail
    assert "accept_for_review" not in error.detail and "formal_check" not in error.detail
    assert error.extra["current_state"] == "formal_check"
    assert error.extra["event"] == "accept_for_review"
    with pytest.raises(InvalidTransition) as caught:
        transition(State.FORMAL_CHECK, Event.SUBMIT, role=M)
    assert "„Einreichen“" in caught.value.detail and "„In Formalprüfung“" in caught.value.detail
    assert "formal_check" not in caught.value.detail and "_" not in caught.value.detail
    assert caught.value.extra["current_state"] == "formal_check"


def test_every_state_event_and_vote_has_a_label() -> None:
    assert set(STATE_LABELS) == set(State) and set(EVENT_LABELS) == set(Event)
    assert set(RECOMMENDATION_LABELS) == set(Recommendation)
    assert set(FORMAL_OUTCOME_LABELS) == set(FormalOutcome)


def test_decisions_are_marked_and_not_offered_as_steps() -> None:
    assert (
        {t.event for t in TRANSITIONS if t.decision}
        == DECISIONS
        == {
            Event.REJECT_FORMALLY,
            Event.DECLINE,
            Event.APPROVE,
            Event.APPROVE_PARTIALLY,
            Event.REJECT,
        }
    )
    assert allowed_events(State.FORMAL_CHECK, M) == (
        Event.REQUEST_INFORMATION,
        Event.ACCEPT_FOR_REVIEW,
    )
    assert Event.REJECT_FORMALLY in allowed_events(State.FORMAL_CHECK, M, decisions=True)
    assert allowed_events(State.JURY_DECIDED, M) == (Event.INVITE,)
    assert allowed_events(State.APPLICATION_CHECK, M) == (Event.REQUEST_INFORMATION,)
    error = DecisionByNotice(Event.APPROVE, current=State.APPLICATION_CHECK)
    assert "Bescheid" in error.detail and "notice" in error.detail
    assert error.extra == {"current_state": "application_check", "event": "approve"}
    assert (
        "Formalprüfung" in DecisionByNotice(Event.REJECT_FORMALLY, current=State.SUBMITTED).detail
    )
