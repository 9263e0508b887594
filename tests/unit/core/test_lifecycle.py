import pytest

from grants.core.lifecycle import (
    FINAL_STATES,
    TRANSITIONS,
    Event,
    InvalidTransition,
    State,
    allowed_events,
    transition,
)
from grants.core.roles import Role

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
