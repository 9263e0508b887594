"""The jury as a committee, pure: quorum (§ 90 VwVfG) at every boundary, the majority rule
(§ 91), who may vote on an item (§ 20 Abs. 4), the session's states, and the minutes (§ 93)."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from grants.core.canonical import canonical_json
from grants.core.conflicts import Ground
from grants.core.errors import Conflict
from grants.core.jury import (
    Ballot,
    ExclusionRecord,
    ExclusionSource,
    ItemRecord,
    JuryRole,
    MemberRecord,
    SessionRecord,
    SessionStatus,
    Tally,
    VoteRecord,
    build_minutes,
    check_ballots,
    ensure_quorate,
    minutes_digest,
    next_status,
    quorum,
    required_present,
    tally,
)
from grants.core.ranking import Recommendation

Y, N, A = Ballot.YES, Ballot.NO, Ballot.ABSTAIN


@pytest.mark.parametrize(
    ("members", "required"),
    [(1, 3), (2, 3), (3, 3), (4, 3), (5, 3), (6, 4), (7, 4), (8, 5), (9, 5), (10, 6)],
)
def test_more_than_half_and_at_least_three_must_be_present(members: int, required: int) -> None:
    assert required_present(members) == required
    if required <= members:
        assert quorum(members, required).quorate
    assert not quorum(members, min(required - 1, members)).quorate


def test_exactly_half_is_not_enough() -> None:
    found = quorum(6, 3)
    assert not found.quorate and found.required == 4
    assert "3 von 6" in found.text().de and "§ 90 Abs. 1 Satz 1 VwVfG" in found.text().de
    with pytest.raises(Conflict) as refused:
        ensure_quorate(found)
    assert refused.value.extra["required"] == 4
    assert refused.value.extra["legal_basis"] == "§ 90 Abs. 1 Satz 1 VwVfG"


def test_reconvened_with_notice_is_quorate_whatever_the_attendance() -> None:
    found = quorum(7, 1, reconvened=True)
    assert found.quorate and found.legal_basis == "§ 90 Abs. 2 VwVfG"
    ensure_quorate(found)


def test_quorum_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="present <= members"):
        quorum(3, 4)


@pytest.mark.parametrize(
    ("ballots", "chair", "expected"),
    [
        ({"a": Y, "b": Y, "c": N}, None, Tally(2, 1, 0, True, False)),
        ({"a": Y, "b": N, "c": N}, None, Tally(1, 2, 0, False, False)),
        # Abstentions are no votes: one yes against none carries.
        ({"a": Y, "b": A, "c": A}, None, Tally(1, 0, 2, True, False)),
        # A tie: the chair's vote decides …
        ({"chair": Y, "b": N, "c": A}, "chair", Tally(1, 1, 1, True, True)),
        ({"chair": N, "b": Y}, "chair", Tally(1, 1, 0, False, True)),
        # … unless the chair abstained or did not vote: then the motion fails.
        ({"chair": A, "b": Y, "c": N}, "chair", Tally(1, 1, 1, False, False)),
        ({"b": Y, "c": N}, "chair", Tally(1, 1, 0, False, False)),
        ({"b": Y, "c": N}, None, Tally(1, 1, 0, False, False)),
        # Nobody for or against: nothing is resolved.
        ({"a": A, "b": A}, None, Tally(0, 0, 2, False, False)),
    ],
)
def test_majority_of_votes_cast_and_the_chairs_casting_vote(
    ballots: dict[str, Ballot], chair: str | None, expected: Tally
) -> None:
    assert tally(ballots, chair) == expected
    assert "§ 91 VwVfG" in expected.text().de


def test_an_excluded_member_cannot_vote_on_the_item() -> None:
    members, present = {"a", "b", "c", "d"}, {"a", "b", "c", "d"}
    check_ballots({"a": Y, "b": N}, members=members, present=present, excluded={"c"})
    with pytest.raises(Conflict) as refused:
        check_ballots({"a": Y, "c": Y}, members=members, present=present, excluded={"c"})
    assert refused.value.extra["members"] == ["c"]
    assert "§ 20 Abs. 4 VwVfG" in refused.value.detail
    with pytest.raises(Conflict) as absent:
        check_ballots({"a": Y, "d": Y}, members=members, present={"a", "b"}, excluded=set())
    assert absent.value.extra["members"] == ["d"]
    with pytest.raises(Conflict) as stranger:
        check_ballots({"x": Y}, members=members, present=present, excluded=set())
    assert stranger.value.extra["members"] == ["x"]


def test_sessions_go_planned_open_closed_and_never_back() -> None:
    assert next_status(SessionStatus.PLANNED, SessionStatus.OPEN) is SessionStatus.OPEN
    assert next_status(SessionStatus.OPEN, SessionStatus.CLOSED) is SessionStatus.CLOSED
    with pytest.raises(Conflict) as skipped:
        next_status(SessionStatus.PLANNED, SessionStatus.CLOSED)
    assert skipped.value.extra["current_status"] == "planned"
    assert "geplant" in skipped.value.detail
    with pytest.raises(Conflict) as reopened:
        next_status(SessionStatus.CLOSED, SessionStatus.OPEN)
    assert "unveränderlich" in reopened.value.detail and "§ 93 VwVfG" in reopened.value.detail


def _minutes() -> dict[str, Any]:
    members = [
        MemberRecord("m-chair", "Dr. Ines Vorsitz", "SMWA", JuryRole.CHAIR, True),
        MemberRecord("m-b", "Bernd Beispiel", "IHK Chemnitz", JuryRole.MEMBER, True),
        MemberRecord("m-c", "Carla Clausen", "", JuryRole.MEMBER, True),
        MemberRecord("m-d", "Dana Dorn", "", JuryRole.MEMBER, False),
    ]
    session = SessionRecord(
        id="s-1",
        guideline_id="frl-lifd",
        call_code="demo",
        place="Dresden, SMWA, Raum 3.14",
        starts_at=datetime(2024, 5, 14, 22, 30, tzinfo=UTC),  # 15 May 00:30 in Berlin
        opened_at=datetime(2024, 5, 14, 22, 31, tzinfo=UTC),
        closed_at=datetime(2024, 5, 15, 1, 0, tzinfo=UTC),
        reconvened=False,
    )
    items = [
        ItemRecord(
            position=1,
            application_id="app-1",
            reference_number="LIfD-demo-S-0001",
            title="MakerSpace Schneeberg",
            exclusions=[
                ExclusionRecord(
                    "m-c",
                    Ground.RELATIVE_OF_REPRESENTATIVE,
                    "§ 20 Abs. 1 Satz 1 Nr. 4, Abs. 5 VwVfG i. V. m. § 20 Abs. 4 VwVfG",
                    ExclusionSource.DECLARED,
                    "Schwester der Vorsitzenden des Vereins",
                )
            ],
            votes=[
                VoteRecord(
                    1,
                    Recommendation.RECOMMENDED,
                    {"m-chair": Y, "m-b": N},
                    Tally(1, 1, 0, True, True),
                    quorum(4, 2, reconvened=False),
                )
            ],
            resolution=Recommendation.RECOMMENDED,
        ),
        ItemRecord(2, "app-2", "LIfD-demo-S-0002", "Dorfladen digital", [], [], None),
    ]
    return build_minutes(session, members, items, secretary=("u-1", "Paula Programm"))


def test_minutes_hold_what_section_93_asks_for() -> None:
    minutes = _minutes()
    assert minutes["legal_basis"] == "§ 93 VwVfG"
    assert minutes["place"] == "Dresden, SMWA, Raum 3.14"
    assert (minutes["date"], minutes["date_de"]) == ("2024-05-15", "15.05.2024")  # Berlin
    assert minutes["chair"] == {"member_id": "m-chair", "name": "Dr. Ines Vorsitz"}
    assert minutes["present"] == ["Dr. Ines Vorsitz", "Bernd Beispiel", "Carla Clausen"]
    first, second = minutes["items"]
    assert first["excluded_members"][0]["name"] == "Carla Clausen"
    assert first["excluded_members"][0]["ground"] == "relative_of_representative"
    motion = first["motions"][0]
    assert (motion["yes"], motion["no"], motion["carried"], motion["casting_vote"]) == (
        1,
        1,
        True,
        True,
    )
    assert [b["name"] for b in motion["ballots"]] == ["Bernd Beispiel", "Dr. Ines Vorsitz"]
    assert first["resolution"] == "recommended"
    assert first["resolution_label"]["de"] == "zur Förderung empfohlen"
    assert second["resolution"] is None
    assert second["resolution_label"]["de"] == "ohne Beschluss (vertagt)"
    assert minutes["secretary"] == {"user_id": "u-1", "name": "Paula Programm"}


def test_minutes_digest_is_recomputable_and_changes_with_any_value() -> None:
    minutes = _minutes()
    digest = minutes_digest(minutes)
    # What jsonb gives back (parsed JSON) hashes the same.
    assert minutes_digest(json.loads(canonical_json(minutes))) == digest
    assert minutes_digest(_minutes()) == digest
    altered = json.loads(canonical_json(minutes))
    altered["items"][0]["resolution"] = "not_recommended"
    assert minutes_digest(altered) != digest


def test_minutes_refuse_naive_instants() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_minutes(
            SessionRecord(
                "s",
                "g",
                "c",
                "Ort",
                datetime(2024, 5, 14, tzinfo=UTC),
                datetime(2024, 5, 14),  # noqa: DTZ001 - the naive instant under test
                datetime(2024, 5, 14, tzinfo=UTC),
                False,
            ),
            [],
            [],
            secretary=("u", "n"),
        )
