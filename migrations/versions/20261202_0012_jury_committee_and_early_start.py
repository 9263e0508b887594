"""jury committee and early start

Conflicts of interest (§ 20 VwVfG): the declared kinds of tie grow from employer/affiliation
to organ membership, municipal office, representation, relatives, concept advice and
residence. The kind is a VARCHAR with a CHECK constraint (``db.base.enum_type``), not a
PostgreSQL ENUM type, so the constraint is replaced; no ``ALTER TYPE … ADD VALUE`` is needed.

The jury as a committee (§§ 88–93 VwVfG): members, sessions, attendance, agenda items,
exclusions, votes, ballots and minutes. Triggers:

- ``jury_minutes`` is append-only (``refuse_row_change`` from 0003): a closed session's minutes
  are a record, refused to change for everyone.
- ``jury_refuse_when_closed``: no row of a closed session (attendance, items, exclusions,
  votes, ballots) may be written or removed, and a closed session itself stays as it is.
- ``jury_ballot_allowed``: a ballot needs its member present and not excluded from the item
  (§ 20 Abs. 4 Satz 4), whatever wrote it.

The consent to an early start: ``early_start_consents``, append-only as well.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("employer", "affiliation")
NEW_KINDS = (
    "employer",
    "organ_member",
    "municipal_office",
    "representative",
    "relative",
    "concept_adviser",
    "affiliation",
    "residence",
)
KIND_CONSTRAINT = "ck_evaluator_affiliations_affiliationkind"

# Tables below a session, each with its own session_id (see evaluation/jury/tables.py).
SESSION_CHILDREN = (
    "jury_attendance",
    "jury_agenda_items",
    "jury_exclusions",
    "jury_votes",
    "jury_ballots",
)

REFUSE_WHEN_CLOSED = """
CREATE FUNCTION jury_refuse_when_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    closed boolean;
BEGIN
    IF TG_TABLE_NAME = 'jury_sessions' THEN
        IF OLD.status = 'closed' THEN
            RAISE EXCEPTION 'jury session % is closed: % refused', OLD.id, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT s.status = 'closed' INTO closed FROM jury_sessions s WHERE s.id = OLD.session_id;
        IF closed THEN
            RAISE EXCEPTION '% of closed jury session %: % refused',
                TG_TABLE_NAME, OLD.session_id, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT s.status = 'closed' INTO closed FROM jury_sessions s WHERE s.id = NEW.session_id;
        IF closed THEN
            RAISE EXCEPTION '% of closed jury session %: % refused',
                TG_TABLE_NAME, NEW.session_id, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$
"""

BALLOT_ALLOWED = """
CREATE FUNCTION jury_ballot_allowed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM jury_exclusions e
        WHERE e.item_id = NEW.item_id AND e.member_id = NEW.member_id
    ) THEN
        RAISE EXCEPTION 'jury member % is excluded from item % (§ 20 Abs. 4 VwVfG)',
            NEW.member_id, NEW.item_id USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM jury_attendance a
        WHERE a.session_id = NEW.session_id AND a.member_id = NEW.member_id AND a.present
    ) THEN
        RAISE EXCEPTION 'jury member % is not present in session %',
            NEW.member_id, NEW.session_id USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM jury_votes v
        WHERE v.id = NEW.vote_id AND v.item_id = NEW.item_id AND v.session_id = NEW.session_id
    ) THEN
        RAISE EXCEPTION 'ballot does not belong to vote %', NEW.vote_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$
"""


def _replace_kind_constraint(kinds: Sequence[str]) -> None:
    op.drop_constraint(op.f(KIND_CONSTRAINT), "evaluator_affiliations", type_="check")
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    op.create_check_constraint(
        op.f(KIND_CONSTRAINT), "evaluator_affiliations", sa.text(f"kind IN ({listed})")
    )


def upgrade() -> None:
    _replace_kind_constraint(NEW_KINDS)
    op.create_table(
        "jury_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "chair",
                "member",
                name="juryrole",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("added_by", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("name <> ''", name=op.f("ck_jury_members_named")),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name=op.f("fk_jury_members_added_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by"], ["users.id"], name=op.f("fk_jury_members_removed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_jury_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_members")),
    )
    op.create_index(
        "uq_jury_members_one_chair",
        "jury_members",
        ["guideline_id", "call_code"],
        unique=True,
        postgresql_where=sa.text("role = 'chair' AND removed_at IS NULL"),
    )
    op.create_index(
        "uq_jury_members_user",
        "jury_members",
        ["guideline_id", "call_code", "user_id"],
        unique=True,
        postgresql_where=sa.text("user_id IS NOT NULL AND removed_at IS NULL"),
    )
    op.create_table(
        "jury_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "open",
                "closed",
                name="sessionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reconvened", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_jury_sessions_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_jury_sessions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_sessions")),
    )
    op.create_index(
        "ix_jury_sessions_call",
        "jury_sessions",
        ["guideline_id", "call_code", "starts_at"],
        unique=False,
    )
    op.create_index(
        "uq_jury_sessions_one_open",
        "jury_sessions",
        ["guideline_id", "call_code"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "early_start_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("letter_reference", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=4000), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "letter_reference <> ''", name=op.f("ck_early_start_consents_letter_reference_present")
        ),
        sa.CheckConstraint(
            "number = 1 OR reason <> ''",
            name=op.f("ck_early_start_consents_later_acts_have_a_reason"),
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_early_start_consents_number_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_early_start_consents_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_early_start_consents_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_start_consents")),
        sa.UniqueConstraint(
            "application_id", "number", name=op.f("uq_early_start_consents_application_id_number")
        ),
    )
    op.create_index(
        op.f("ix_early_start_consents_application_id"),
        "early_start_consents",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "jury_agenda_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "resolution",
            sa.Enum(
                "recommended",
                "not_recommended",
                "reserve",
                name="recommendation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_jury_agenda_items_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_agenda_items_session_id_jury_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_agenda_items")),
        sa.UniqueConstraint(
            "session_id",
            "application_id",
            name=op.f("uq_jury_agenda_items_session_id_application_id"),
        ),
        sa.UniqueConstraint(
            "session_id", "position", name=op.f("uq_jury_agenda_items_session_id_position")
        ),
    )
    op.create_index(
        op.f("ix_jury_agenda_items_application_id"),
        "jury_agenda_items",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "jury_attendance",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["jury_members.id"],
            name=op.f("fk_jury_attendance_member_id_jury_members"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_attendance_session_id_jury_sessions"),
        ),
        sa.PrimaryKeyConstraint("session_id", "member_id", name=op.f("pk_jury_attendance")),
    )
    op.create_table(
        "jury_minutes",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("minutes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_jury_minutes_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_minutes_session_id_jury_sessions"),
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_jury_minutes")),
    )
    op.create_table(
        "jury_exclusions",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column(
            "ground",
            sa.Enum(
                "party",
                "relative_of_party",
                "representative",
                "relative_of_representative",
                "employed_or_organ",
                "prior_involvement",
                "excluded",
                "bias",
                name="ground",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("legal_basis", sa.String(length=120), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "declared",
                "committee",
                "detected",
                name="exclusionsource",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["jury_agenda_items.id"],
            name=op.f("fk_jury_exclusions_item_id_jury_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["jury_members.id"],
            name=op.f("fk_jury_exclusions_member_id_jury_members"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_jury_exclusions_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_exclusions_session_id_jury_sessions"),
        ),
        sa.PrimaryKeyConstraint("item_id", "member_id", name=op.f("pk_jury_exclusions")),
    )
    op.create_index(
        op.f("ix_jury_exclusions_session_id"), "jury_exclusions", ["session_id"], unique=False
    )
    op.create_table(
        "jury_votes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column(
            "motion",
            sa.Enum(
                "recommended",
                "not_recommended",
                "reserve",
                name="recommendation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("yes", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("abstain", sa.Integer(), nullable=False),
        sa.Column("carried", sa.Boolean(), nullable=False),
        sa.Column("casting_vote", sa.Boolean(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["jury_agenda_items.id"],
            name=op.f("fk_jury_votes_item_id_jury_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_jury_votes_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_votes_session_id_jury_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_votes")),
        sa.UniqueConstraint("item_id", "round", name=op.f("uq_jury_votes_item_id_round")),
    )
    op.create_index(op.f("ix_jury_votes_session_id"), "jury_votes", ["session_id"], unique=False)
    op.create_table(
        "jury_ballots",
        sa.Column("vote_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column(
            "choice",
            sa.Enum(
                "yes",
                "no",
                "abstain",
                name="ballot",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["jury_agenda_items.id"],
            name=op.f("fk_jury_ballots_item_id_jury_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["jury_members.id"], name=op.f("fk_jury_ballots_member_id_jury_members")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_ballots_session_id_jury_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["jury_votes.id"], name=op.f("fk_jury_ballots_vote_id_jury_votes")
        ),
        sa.PrimaryKeyConstraint("vote_id", "member_id", name=op.f("pk_jury_ballots")),
    )
    op.execute(
        "CREATE TRIGGER jury_minutes_immutable BEFORE UPDATE OR DELETE ON jury_minutes "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER early_start_consents_append_only BEFORE UPDATE OR DELETE "
        "ON early_start_consents FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(REFUSE_WHEN_CLOSED)
    op.execute(
        "CREATE TRIGGER jury_sessions_closed BEFORE UPDATE OR DELETE ON jury_sessions "
        "FOR EACH ROW EXECUTE FUNCTION jury_refuse_when_closed()"
    )
    for table in SESSION_CHILDREN:
        op.execute(
            f"CREATE TRIGGER {table}_closed BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION jury_refuse_when_closed()"
        )
    op.execute(BALLOT_ALLOWED)
    op.execute(
        "CREATE TRIGGER jury_ballots_allowed BEFORE INSERT OR UPDATE ON jury_ballots "
        "FOR EACH ROW EXECUTE FUNCTION jury_ballot_allowed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER jury_ballots_allowed ON jury_ballots")
    op.execute("DROP FUNCTION jury_ballot_allowed()")
    for table in SESSION_CHILDREN:
        op.execute(f"DROP TRIGGER {table}_closed ON {table}")
    op.execute("DROP TRIGGER jury_sessions_closed ON jury_sessions")
    op.execute("DROP FUNCTION jury_refuse_when_closed()")
    op.execute("DROP TRIGGER early_start_consents_append_only ON early_start_consents")
    op.execute("DROP TRIGGER jury_minutes_immutable ON jury_minutes")
    op.drop_table("jury_ballots")
    op.drop_index(op.f("ix_jury_votes_session_id"), table_name="jury_votes")
    op.drop_table("jury_votes")
    op.drop_index(op.f("ix_jury_exclusions_session_id"), table_name="jury_exclusions")
    op.drop_table("jury_exclusions")
    op.drop_table("jury_minutes")
    op.drop_table("jury_attendance")
    op.drop_index(op.f("ix_jury_agenda_items_application_id"), table_name="jury_agenda_items")
    op.drop_table("jury_agenda_items")
    op.drop_index(op.f("ix_early_start_consents_application_id"), table_name="early_start_consents")
    op.drop_table("early_start_consents")
    op.drop_index(
        "uq_jury_sessions_one_open",
        table_name="jury_sessions",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_jury_sessions_call", table_name="jury_sessions")
    op.drop_table("jury_sessions")
    op.drop_index(
        "uq_jury_members_user",
        table_name="jury_members",
        postgresql_where=sa.text("user_id IS NOT NULL AND removed_at IS NULL"),
    )
    op.drop_index(
        "uq_jury_members_one_chair",
        table_name="jury_members",
        postgresql_where=sa.text("role = 'chair' AND removed_at IS NULL"),
    )
    op.drop_table("jury_members")
    # The old constraint knows two kinds only. Ties of the new kinds cannot be expressed in
    # the old schema: a downgrade (a developer's operation) drops them.
    op.execute(
        sa.text("DELETE FROM evaluator_affiliations WHERE kind <> ALL(:kinds)").bindparams(
            kinds=list(OLD_KINDS)
        )
    )
    _replace_kind_constraint(OLD_KINDS)
