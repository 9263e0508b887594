"""Tables of the jury as a committee (§§ 88–93 VwVfG): members per call, sessions, attendance,
agenda items with the members who left them, votes with their ballots, and the minutes.

Every table below the session carries ``session_id``, so that one trigger function
(migration 0012) can refuse any change once the session is closed: the minutes are a record,
and the rows they were made from must not drift away from them. The minutes themselves are
append-only, and a ballot of a member excluded from the item is refused by the database as
well as by the service (§ 20 Abs. 4 Satz 4).
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from grants.core.conflicts import Ground
from grants.core.jury import Ballot, ExclusionSource, JuryRole, SessionStatus
from grants.core.ranking import Recommendation
from grants.db.base import enum_type, timestamp_field


class JuryMember(SQLModel, table=True):
    """A member of a call's jury: a user of the portal (whose declared ties are checked for
    conflicts) or a named external person. Removal keeps the row (``removed_at``): closed
    minutes name the member."""

    __tablename__ = "jury_members"
    __table_args__ = (
        sa.Index(
            "uq_jury_members_one_chair",
            "guideline_id",
            "call_code",
            unique=True,
            postgresql_where=sa.text("role = 'chair' AND removed_at IS NULL"),
        ),
        sa.Index(
            "uq_jury_members_user",
            "guideline_id",
            "call_code",
            "user_id",
            unique=True,
            postgresql_where=sa.text("user_id IS NOT NULL AND removed_at IS NULL"),
        ),
        sa.CheckConstraint("name <> ''", name="named"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    guideline_id: str = Field(max_length=40)
    call_code: str = Field(max_length=40)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    name: str = Field(max_length=200)  # for a user: the display name when added
    organisation: str = Field(default="", max_length=200)  # whom the member comes from
    role: JuryRole = Field(sa_type=enum_type(JuryRole))
    added_by: uuid.UUID = Field(foreign_key="users.id")
    added_at: datetime = timestamp_field()
    removed_at: datetime | None = timestamp_field(nullable=True)
    removed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class JurySession(SQLModel, table=True):
    __tablename__ = "jury_sessions"
    __table_args__ = (
        sa.Index("ix_jury_sessions_call", "guideline_id", "call_code", "starts_at"),
        # One open session per call at a time: attendance and votes belong to one sitting.
        sa.Index(
            "uq_jury_sessions_one_open",
            "guideline_id",
            "call_code",
            unique=True,
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    guideline_id: str = Field(max_length=40)
    call_code: str = Field(max_length=40)
    place: str = Field(max_length=200)
    starts_at: datetime = timestamp_field()
    status: SessionStatus = Field(sa_type=enum_type(SessionStatus))
    reconvened: bool = Field(default=False)  # § 90 Abs. 2: invited again, with the notice
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()
    opened_at: datetime | None = timestamp_field(nullable=True)
    closed_at: datetime | None = timestamp_field(nullable=True)
    closed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class JuryAttendance(SQLModel, table=True):
    """One row per member of the jury when the session was opened: the quorum's base."""

    __tablename__ = "jury_attendance"

    session_id: uuid.UUID = Field(foreign_key="jury_sessions.id", primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="jury_members.id", primary_key=True)
    present: bool = Field(default=False)
    recorded_at: datetime = timestamp_field()


class JuryAgendaItem(SQLModel, table=True):
    """An application deliberated in a session, and the resolution taken on it."""

    __tablename__ = "jury_agenda_items"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "application_id"),
        sa.UniqueConstraint("session_id", "position"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    session_id: uuid.UUID = Field(foreign_key="jury_sessions.id")
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    position: int
    resolution: Recommendation | None = Field(
        default=None, sa_type=enum_type(Recommendation), nullable=True
    )
    resolved_at: datetime | None = timestamp_field(nullable=True)
    added_at: datetime = timestamp_field()


class JuryExclusion(SQLModel, table=True):
    """A member who left the deliberation of an item (§ 20 Abs. 4, § 21 Abs. 2)."""

    __tablename__ = "jury_exclusions"

    item_id: uuid.UUID = Field(foreign_key="jury_agenda_items.id", primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="jury_members.id", primary_key=True)
    session_id: uuid.UUID = Field(foreign_key="jury_sessions.id", index=True)
    ground: Ground = Field(sa_type=enum_type(Ground))
    legal_basis: str = Field(max_length=120)
    source: ExclusionSource = Field(sa_type=enum_type(ExclusionSource))
    reason: str = Field(default="", max_length=2000)
    recorded_by: uuid.UUID = Field(foreign_key="users.id")
    recorded_at: datetime = timestamp_field()


class JuryVote(SQLModel, table=True):
    """A motion put on an item and its result (§ 91); rounds count up per item."""

    __tablename__ = "jury_votes"
    __table_args__ = (sa.UniqueConstraint("item_id", "round"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    item_id: uuid.UUID = Field(foreign_key="jury_agenda_items.id")
    session_id: uuid.UUID = Field(foreign_key="jury_sessions.id", index=True)
    round: int
    motion: Recommendation = Field(sa_type=enum_type(Recommendation))
    yes: int
    no: int
    abstain: int
    carried: bool
    casting_vote: bool = Field(default=False)
    members: int  # the quorum at the vote: voting members, present, required
    present: int
    required: int
    recorded_by: uuid.UUID = Field(foreign_key="users.id")
    recorded_at: datetime = timestamp_field()


class JuryBallot(SQLModel, table=True):
    """One member's vote on a motion."""

    __tablename__ = "jury_ballots"

    vote_id: uuid.UUID = Field(foreign_key="jury_votes.id", primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="jury_members.id", primary_key=True)
    item_id: uuid.UUID = Field(foreign_key="jury_agenda_items.id")
    session_id: uuid.UUID = Field(foreign_key="jury_sessions.id")
    choice: Ballot = Field(sa_type=enum_type(Ballot))


class JuryMinutes(SQLModel, table=True):
    """The minutes of a closed session (§ 93): canonical JSON and its SHA-256, immutable."""

    __tablename__ = "jury_minutes"

    session_id: uuid.UUID = Field(foreign_key="jury_sessions.id", primary_key=True)
    minutes: Any = Field(sa_type=JSONB)
    sha256: str = Field(max_length=64)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field()


members_table: sa.Table = JuryMember.__table__  # type: ignore[attr-defined]
sessions_table: sa.Table = JurySession.__table__  # type: ignore[attr-defined]
attendance_table: sa.Table = JuryAttendance.__table__  # type: ignore[attr-defined]
items_table: sa.Table = JuryAgendaItem.__table__  # type: ignore[attr-defined]
exclusions_table: sa.Table = JuryExclusion.__table__  # type: ignore[attr-defined]
votes_table: sa.Table = JuryVote.__table__  # type: ignore[attr-defined]
ballots_table: sa.Table = JuryBallot.__table__  # type: ignore[attr-defined]
minutes_table: sa.Table = JuryMinutes.__table__  # type: ignore[attr-defined]
