"""The jury as a committee (Ausschuss, §§ 88–93 VwVfG), pure: sessions and their states, the
quorum, the vote, who may vote on an item, and the minutes.

- Sessions go planned → open → closed, never back. Closing produces the minutes; from then on
  nothing of the session may change (the service answers 409, the database refuses too).
- Quorum (§ 90 Abs. 1 Satz 1): all members invited and more than half, at least three, of the
  voting members present. Judged per agenda item, with the members excluded from that item
  not counted as present: an excluded member "darf bei der weiteren Beratung und
  Beschlussfassung nicht zugegen sein" (§ 20 Abs. 4 Satz 4). The base stays the whole
  committee, the stricter reading. A committee invited again for items deferred for want of
  a quorum, with a notice saying so, is quorate however many come (§ 90 Abs. 2). Every member
  votes (the chair too); the session record stands for the invitation of all members.
- Resolutions (§ 91): by majority of the votes cast (abstentions are not votes); on a tie the
  chair's vote decides, else the motion fails.
- Who votes on an item: only members present and not excluded from it (§ 20 Abs. 4, § 21
  Abs. 2). A member is excluded from an item when they declared a ground, when the committee
  decided so, or when their declared ties give a § 20 ground (``core.conflicts``).
- Minutes (§ 93): place and date, the chair and the members present, the items with the
  motions put (with the votes) and the resolutions taken, plus who left which item and why.
  The record is canonical JSON with its SHA-256 (``core.canonical``), so anyone can verify it
  later; the signatures of the chair and the secretary (§ 93 Satz 2) are given outside the
  system.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from grants.core.canonical import JSONValue, sha256_of
from grants.core.conflicts import Ground
from grants.core.deadlines import berlin_date, format_date_de
from grants.core.errors import Conflict
from grants.core.guideline import Text
from grants.core.ranking import Recommendation

MINUTES_SCHEMA = 1
MINIMUM_PRESENT = 3  # § 90 Abs. 1 Satz 1: "mindestens aber drei"
QUORUM_BASIS = "§ 90 Abs. 1 Satz 1 VwVfG"
RECONVENED_BASIS = "§ 90 Abs. 2 VwVfG"
MAJORITY_BASIS = "§ 91 VwVfG"
EXCLUSION_BASIS = "§ 20 Abs. 4 VwVfG"
MINUTES_BASIS = "§ 93 VwVfG"


class JuryRole(StrEnum):
    CHAIR = "chair"  # Vorsitz
    MEMBER = "member"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class Ballot(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class ExclusionSource(StrEnum):
    DECLARED = "declared"  # the member declared the ground to the chair and left
    COMMITTEE = "committee"  # the committee decided (§ 20 Abs. 4 Satz 2, § 21 Abs. 2)
    DETECTED = "detected"  # the member's declared ties give a § 20 ground


ROLE_LABELS: Mapping[JuryRole, Text] = {
    JuryRole.CHAIR: Text(de="Vorsitz", en="chair"),
    JuryRole.MEMBER: Text(de="Mitglied", en="member"),
}
STATUS_LABELS: Mapping[SessionStatus, Text] = {
    SessionStatus.PLANNED: Text(de="geplant", en="planned"),
    SessionStatus.OPEN: Text(de="eröffnet", en="open"),
    SessionStatus.CLOSED: Text(de="geschlossen", en="closed"),
}
RECOMMENDATION_LABELS: Mapping[Recommendation, Text] = {
    Recommendation.RECOMMENDED: Text(de="zur Förderung empfohlen", en="recommended"),
    Recommendation.RESERVE: Text(de="Nachrückerliste", en="reserve list"),
    Recommendation.NOT_RECOMMENDED: Text(de="nicht zur Förderung empfohlen", en="not recommended"),
}
BALLOT_LABELS: Mapping[Ballot, Text] = {
    Ballot.YES: Text(de="Ja", en="yes"),
    Ballot.NO: Text(de="Nein", en="no"),
    Ballot.ABSTAIN: Text(de="Enthaltung", en="abstention"),
}

_NEXT: Mapping[SessionStatus, SessionStatus] = {
    SessionStatus.PLANNED: SessionStatus.OPEN,
    SessionStatus.OPEN: SessionStatus.CLOSED,
}


def ensure_status(current: SessionStatus, allowed: Collection[SessionStatus], action: Text) -> None:
    """Refuse ``action`` unless the session is in one of ``allowed`` (409 naming the state)."""
    if current in allowed:
        return
    label = STATUS_LABELS[current]
    wanted = ", ".join(STATUS_LABELS[s].de for s in SessionStatus if s in allowed)
    if current is SessionStatus.CLOSED:
        detail = (
            "Die Sitzung ist geschlossen; ihre Niederschrift ist unveränderlich "
            f"({MINUTES_BASIS}): {action.de} ist nicht mehr möglich (the session is closed "
            f"and its minutes are final: {action.en} is refused)."
        )
    else:
        detail = (
            f"{action.de} ist in einer Sitzung im Zustand „{label.de}“ nicht möglich, nur: "
            f"{wanted} ({action.en} is not possible in a session that is {label.en})."
        )
    raise Conflict(
        detail,
        extra={"current_status": current.value, "allowed": sorted(s.value for s in allowed)},
    )


def next_status(current: SessionStatus, target: SessionStatus) -> SessionStatus:
    """The step ``current`` → ``target`` if it is the next one (planned → open → closed)."""
    if _NEXT.get(current) is not target:
        action = Text(
            de=f"Der Wechsel nach „{STATUS_LABELS[target].de}“",
            en=f"moving to {STATUS_LABELS[target].en}",
        )
        allowed = [source for source, follow in _NEXT.items() if follow is target]
        ensure_status(current, allowed, action)
    return target


class Quorum(NamedTuple):
    members: int  # voting members of the committee
    present: int  # present and not excluded from the item
    required: int  # the least number present that makes a quorum
    quorate: bool
    reconvened: bool  # § 90 Abs. 2: quorate whatever the number

    @property
    def legal_basis(self) -> str:
        return RECONVENED_BASIS if self.reconvened else QUORUM_BASIS

    def text(self) -> Text:
        if self.reconvened:
            return Text(
                de=f"Erneut geladen mit Hinweis: beschlussfähig ohne Rücksicht auf die Zahl der "
                f"Anwesenden ({RECONVENED_BASIS}).",
                en=f"Invited again with notice: quorate whatever the attendance "
                f"({RECONVENED_BASIS}).",
            )
        verdict = (
            Text("beschlussfähig", "quorate")
            if self.quorate
            else Text("nicht beschlussfähig", "not quorate")
        )
        return Text(
            de=f"{self.present} von {self.members} stimmberechtigten Mitgliedern anwesend, "
            f"erforderlich sind {self.required}: {verdict.de} ({QUORUM_BASIS}).",
            en=f"{self.present} of {self.members} voting members present, {self.required} "
            f"required: {verdict.en} ({QUORUM_BASIS}).",
        )


def required_present(members: int) -> int:
    """More than half, at least three (§ 90 Abs. 1 Satz 1)."""
    return max(members // 2 + 1, MINIMUM_PRESENT)


def quorum(members: int, present: int, *, reconvened: bool = False) -> Quorum:
    if members < 0 or present < 0 or present > members:
        raise ValueError("need 0 <= present <= members")
    required = required_present(members)
    return Quorum(members, present, required, reconvened or present >= required, reconvened)


class Tally(NamedTuple):
    yes: int
    no: int
    abstain: int
    carried: bool
    casting_vote: bool  # a tie decided by the chair's vote (§ 91 Satz 2)

    def text(self) -> Text:
        outcome = Text("angenommen", "carried") if self.carried else Text("abgelehnt", "rejected")
        casting = (
            Text(" (Stimme des Vorsitzes entscheidet)", " (the chair's vote decides)")
            if self.casting_vote
            else Text("", "")
        )
        return Text(
            de=f"Ja {self.yes}, Nein {self.no}, Enthaltungen {self.abstain}: {outcome.de}"
            f"{casting.de} ({MAJORITY_BASIS}).",
            en=f"Yes {self.yes}, no {self.no}, abstentions {self.abstain}: {outcome.en}"
            f"{casting.en} ({MAJORITY_BASIS}).",
        )


def tally(ballots: Mapping[str, Ballot], chair_id: str | None) -> Tally:
    """§ 91: carried by a majority of the votes cast; a tie is decided by the chair's vote if
    the chair voted yes or no, else the motion fails. No yes or no vote at all: fails."""
    yes = sum(1 for b in ballots.values() if b is Ballot.YES)
    no = sum(1 for b in ballots.values() if b is Ballot.NO)
    abstain = len(ballots) - yes - no
    if yes != no:
        return Tally(yes, no, abstain, yes > no, False)
    chair = ballots.get(chair_id) if chair_id is not None else None
    if yes > 0 and chair in (Ballot.YES, Ballot.NO):
        return Tally(yes, no, abstain, chair is Ballot.YES, True)
    return Tally(yes, no, abstain, False, False)


def check_ballots(
    ballots: Mapping[str, Ballot],
    *,
    members: Collection[str],
    present: Collection[str],
    excluded: Collection[str],
) -> None:
    """Only members present and not excluded from the item vote (§ 20 Abs. 4 Satz 4); each
    problem names the members concerned."""
    unknown = sorted(m for m in ballots if m not in members)
    if unknown:
        raise Conflict(
            "Stimmen von Personen, die nicht Mitglied der Jury sind (ballots of non-members).",
            extra={"members": unknown},
        )
    barred = sorted(m for m in ballots if m in excluded)
    if barred:
        raise Conflict(
            "Ein von diesem Tagesordnungspunkt ausgeschlossenes Jurymitglied darf nicht "
            f"mitstimmen ({EXCLUSION_BASIS}) (an excluded member may not vote on this item).",
            extra={"members": barred, "legal_basis": EXCLUSION_BASIS},
        )
    absent = sorted(m for m in ballots if m not in present)
    if absent:
        raise Conflict(
            "Nur anwesende Jurymitglieder stimmen ab (only members present vote).",
            extra={"members": absent},
        )


def ensure_quorate(found: Quorum) -> None:
    if not found.quorate:
        raise Conflict(
            f"Die Jury ist zu diesem Punkt nicht beschlussfähig: {found.text().de} "
            f"(not quorate: {found.text().en})",
            extra={
                "members": found.members,
                "present": found.present,
                "required": found.required,
                "legal_basis": found.legal_basis,
            },
        )


# --- the minutes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: str
    name: str
    organisation: str
    role: JuryRole
    present: bool


@dataclass(frozen=True, slots=True)
class ExclusionRecord:
    member_id: str
    ground: Ground
    legal_basis: str
    source: ExclusionSource
    reason: str


@dataclass(frozen=True, slots=True)
class VoteRecord:
    round: int
    motion: Recommendation
    ballots: Mapping[str, Ballot]
    tally: Tally
    quorum: Quorum


@dataclass(frozen=True, slots=True)
class ItemRecord:
    position: int
    application_id: str
    reference_number: str | None
    title: str
    exclusions: Sequence[ExclusionRecord]
    votes: Sequence[VoteRecord]
    resolution: Recommendation | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    guideline_id: str
    call_code: str
    place: str
    starts_at: datetime
    opened_at: datetime
    closed_at: datetime
    reconvened: bool


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return value.isoformat()


def _text(text: Text) -> dict[str, JSONValue]:
    return {"de": text.de, "en": text.en}


def build_minutes(
    session: SessionRecord,
    members: Sequence[MemberRecord],
    items: Sequence[ItemRecord],
    *,
    secretary: tuple[str, str],
) -> dict[str, JSONValue]:
    """The minutes (§ 93) as a JSON object: every value a string, number, bool or null, so
    that its canonical JSON, and the hash, survive the jsonb round trip unchanged."""
    names = {member.id: member.name for member in members}
    chair = next((m for m in members if m.role is JuryRole.CHAIR), None)
    present = [m for m in members if m.present]

    def exclusion(record: ExclusionRecord) -> dict[str, JSONValue]:
        return {
            "member_id": record.member_id,
            "name": names.get(record.member_id, ""),
            "ground": record.ground.value,
            "legal_basis": record.legal_basis,
            "source": record.source.value,
            "reason": record.reason,
        }

    def vote(record: VoteRecord) -> dict[str, JSONValue]:
        return {
            "round": record.round,
            "motion": record.motion.value,
            "motion_label": _text(RECOMMENDATION_LABELS[record.motion]),
            "yes": record.tally.yes,
            "no": record.tally.no,
            "abstain": record.tally.abstain,
            "carried": record.tally.carried,
            "casting_vote": record.tally.casting_vote,
            "result": _text(record.tally.text()),
            "quorum": {
                "members": record.quorum.members,
                "present": record.quorum.present,
                "required": record.quorum.required,
                "quorate": record.quorum.quorate,
                "legal_basis": record.quorum.legal_basis,
            },
            "ballots": [
                {"member_id": member_id, "name": names.get(member_id, ""), "vote": ballot.value}
                for member_id, ballot in sorted(record.ballots.items())
            ],
        }

    def item(record: ItemRecord) -> dict[str, JSONValue]:
        resolution = record.resolution
        return {
            "position": record.position,
            "application_id": record.application_id,
            "reference_number": record.reference_number,
            "title": record.title,
            "excluded_members": [exclusion(e) for e in record.exclusions],
            "motions": [vote(v) for v in sorted(record.votes, key=lambda v: v.round)],
            "resolution": None if resolution is None else resolution.value,
            "resolution_label": _text(
                RECOMMENDATION_LABELS[resolution]
                if resolution is not None
                else Text("ohne Beschluss (vertagt)", "no resolution (deferred)")
            ),
        }

    return {
        "schema": MINUTES_SCHEMA,
        "kind": "jury_minutes",
        "legal_basis": MINUTES_BASIS,
        "session_id": session.id,
        "guideline_id": session.guideline_id,
        "call_code": session.call_code,
        "place": session.place,
        "date": berlin_date(session.starts_at).isoformat(),
        "date_de": format_date_de(berlin_date(session.starts_at)),
        "starts_at": _instant(session.starts_at),
        "opened_at": _instant(session.opened_at),
        "closed_at": _instant(session.closed_at),
        "reconvened": session.reconvened,
        "chair": None if chair is None else {"member_id": chair.id, "name": chair.name},
        "members": [
            {
                "member_id": m.id,
                "name": m.name,
                "organisation": m.organisation,
                "role": m.role.value,
                "present": m.present,
            }
            for m in members
        ],
        "present": [m.name for m in present],
        "items": [item(i) for i in sorted(items, key=lambda i: i.position)],
        "secretary": {"user_id": secretary[0], "name": secretary[1]},
        "signatures": "Vom Vorsitz und von der Schriftführung zu unterzeichnen (§ 93 Satz 2 "
        "VwVfG) (to be signed by the chair and the secretary).",
    }


def minutes_digest(minutes: Mapping[str, JSONValue]) -> str:
    """SHA-256 of the minutes' canonical JSON: recomputable from the stored record."""
    return sha256_of(minutes)
