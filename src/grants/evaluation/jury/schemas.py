"""Shapes of the jury (committee) and officials' conflict APIs. Requests forbid unknown fields
(``StrictInput``); responses are built by the services, never table rows."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from grants.core.conflicts import Ground
from grants.core.jury import Ballot, ExclusionSource, JuryRole, SessionStatus
from grants.core.ranking import Recommendation
from grants.http.fields import StrictInput

Name = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]

# --- members --------------------------------------------------------------------------------


class MemberCreate(StrictInput):
    """A portal user (``user_id``, holding a staff role: their declared ties are checked) or a
    named external person (``name``)."""

    user_id: uuid.UUID | None = None
    name: Name = ""
    organisation: Name = Field(default="", description="Whom the member comes from")
    role: JuryRole = JuryRole.MEMBER

    @model_validator(mode="after")
    def _someone(self) -> "MemberCreate":
        if self.user_id is None and not self.name.strip():
            raise ValueError("user_id or name is required")
        return self


class MemberPublic(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID | None
    name: str
    organisation: str
    role: JuryRole
    added_at: datetime


# --- sessions -------------------------------------------------------------------------------


class SessionCreate(StrictInput):
    place: Annotated[str, Field(min_length=1, max_length=200)]
    starts_at: AwareDatetime = Field(
        ge=datetime(2000, 1, 1, tzinfo=UTC),
        le=datetime(2199, 12, 31, tzinfo=UTC),
        description="Date and time of the sitting, with its offset",
    )
    reconvened: bool = Field(
        default=False,
        description="Invited again for items deferred for want of a quorum, with a notice "
        "that the jury is then quorate whatever the attendance (§ 90 Abs. 2 VwVfG)",
    )


class AttendanceUpdate(StrictInput):
    present: bool


class ItemCreate(StrictInput):
    application_id: uuid.UUID


class ExclusionCreate(StrictInput):
    member_id: uuid.UUID
    ground: Ground = Field(
        description="The number of § 20 Abs. 1 Satz 1 VwVfG (party … prior_involvement), "
        "excluded (§ 20, number not stated) or bias (§ 21, decided by the committee)"
    )
    source: ExclusionSource = Field(
        default=ExclusionSource.DECLARED,
        description="declared: the member declared it and left; committee: the committee "
        "decided (§ 20 Abs. 4 Satz 2); detected is set by the system only",
    )
    reason: Reason

    @model_validator(mode="after")
    def _not_detected(self) -> "ExclusionCreate":
        if self.source is ExclusionSource.DETECTED:
            raise ValueError("source detected is set by the system from declared ties")
        return self


class BallotIn(StrictInput):
    member_id: uuid.UUID
    vote: Ballot


class VoteCreate(StrictInput):
    motion: Recommendation = Field(description="The resolution moved on this item")
    ballots: Annotated[list[BallotIn], Field(min_length=1, max_length=200)]

    @model_validator(mode="after")
    def _once_each(self) -> "VoteCreate":
        members = [ballot.member_id for ballot in self.ballots]
        if len(set(members)) != len(members):
            raise ValueError("each member votes at most once")
        return self


class Message(BaseModel):
    de: str
    en: str


class QuorumPublic(BaseModel):
    members: int
    present: int
    required: int
    quorate: bool
    legal_basis: str
    message: Message


class AttendancePublic(BaseModel):
    member_id: uuid.UUID
    name: str
    role: JuryRole
    present: bool


class ExclusionPublic(BaseModel):
    member_id: uuid.UUID
    name: str
    ground: Ground
    legal_basis: str
    source: ExclusionSource
    reason: str
    recorded: bool  # False: detected from declared ties, recorded at the next change


class ConcernPublic(BaseModel):
    """A § 21 concern from a member's declared ties: the committee decides (§ 21 Abs. 2)."""

    member_id: uuid.UUID
    name: str
    reason: str
    legal_basis: str
    message: Message


class BallotPublic(BaseModel):
    member_id: uuid.UUID
    vote: Ballot


class VotePublic(BaseModel):
    round: int
    motion: Recommendation
    yes: int
    no: int
    abstain: int
    carried: bool
    casting_vote: bool
    result: Message
    ballots: list[BallotPublic]
    recorded_at: datetime


class ItemPublic(BaseModel):
    id: uuid.UUID
    position: int
    application_id: uuid.UUID
    reference_number: str | None
    title: str
    resolution: Recommendation | None
    excluded: list[ExclusionPublic]
    concerns: list[ConcernPublic]
    quorum: QuorumPublic | None  # None before the session is opened
    votes: list[VotePublic]


class SessionSummary(BaseModel):
    id: uuid.UUID
    guideline_id: str
    call_code: str
    place: str
    starts_at: datetime
    status: SessionStatus
    reconvened: bool
    opened_at: datetime | None
    closed_at: datetime | None


class SessionPublic(SessionSummary):
    attendance: list[AttendancePublic]
    items: list[ItemPublic]
    minutes_sha256: str | None


class MinutesPublic(BaseModel):
    session_id: uuid.UUID
    sha256: str
    created_at: datetime
    minutes: dict[str, Any]


# --- officials ------------------------------------------------------------------------------


class OfficialConflictCreate(StrictInput):
    reason: Reason
    excluded: bool = Field(
        default=False, description="A ground of § 20 VwVfG (else a concern of bias, § 21)"
    )


class FindingPublic(BaseModel):
    reason: str
    ground: Ground
    legal_basis: str
    excluded: bool
    detail: str
    message: Message


class OfficialCheck(BaseModel):
    """Whether an official may act on an application: excluded if any finding is (§ 20)."""

    official_id: uuid.UUID
    application_id: uuid.UUID
    excluded: bool
    findings: list[FindingPublic]
