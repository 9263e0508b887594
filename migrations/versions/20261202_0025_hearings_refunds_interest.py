"""revocations and reclaims: hearings and the recipient's comments, refunds received, interest
decisions — all append-only (``refuse_row_change`` of 0003)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hearings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("facts_known_on", sa.Date(), nullable=False),
        sa.Column("current_grant", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("intended_grant", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "measure IN ('revocation', 'withdrawal')", name=op.f("ck_hearings_measure")
        ),
        sa.CheckConstraint(
            "intended_grant < current_grant", name=op.f("ck_hearings_intends_a_reduction")
        ),
        sa.CheckConstraint("intended_grant >= 0", name=op.f("ck_hearings_intended_not_negative")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_hearings_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_hearings_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["users.id"], name=op.f("fk_hearings_opened_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearings")),
        sa.UniqueConstraint(
            "application_id", "number", name=op.f("uq_hearings_application_id_number")
        ),
    )
    op.create_index(
        op.f("ix_hearings_application_id"), "hearings", ["application_id"], unique=False
    )
    op.create_table(
        "interest_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("principal", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("from_day", sa.Date(), nullable=False),
        sa.Column("until_day", sa.Date(), nullable=False),
        sa.Column("computation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("claimed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("waiver_reason", sa.String(length=4000), nullable=False),
        sa.Column("rate_assumed", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "claimed = computed OR waiver_reason <> ''",
            name=op.f("ck_interest_decisions_waiver_reasoned"),
        ),
        sa.CheckConstraint(
            "claimed >= 0 AND claimed <= computed", name=op.f("ck_interest_decisions_claimed_range")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_interest_decisions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_interest_decisions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_interest_decisions_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_decisions")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_interest_decisions_decision_id")),
    )
    op.create_index(
        op.f("ix_interest_decisions_application_id"),
        "interest_decisions",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "refunds_received",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_received_amount_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_refunds_received_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_refunds_received_decision_id_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_refunds_received_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds_received")),
        sa.UniqueConstraint(
            "application_id", "number", name=op.f("uq_refunds_received_application_id_number")
        ),
    )
    op.create_index(
        op.f("ix_refunds_received_application_id"),
        "refunds_received",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "hearing_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hearing_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("responded_by", sa.Uuid(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hearing_id"], ["hearings.id"], name=op.f("fk_hearing_responses_hearing_id_hearings")
        ),
        sa.ForeignKeyConstraint(
            ["responded_by"], ["users.id"], name=op.f("fk_hearing_responses_responded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_responses")),
        sa.UniqueConstraint(
            "hearing_id", "number", name=op.f("uq_hearing_responses_hearing_id_number")
        ),
    )
    op.create_index(
        op.f("ix_hearing_responses_hearing_id"), "hearing_responses", ["hearing_id"], unique=False
    )
    op.execute(
        "CREATE TRIGGER hearings_append_only BEFORE UPDATE OR DELETE ON hearings "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER hearings_no_truncate BEFORE TRUNCATE ON hearings "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER hearing_responses_append_only BEFORE UPDATE OR DELETE ON hearing_responses "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER hearing_responses_no_truncate BEFORE TRUNCATE ON hearing_responses "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER refunds_received_append_only BEFORE UPDATE OR DELETE ON refunds_received "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER refunds_received_no_truncate BEFORE TRUNCATE ON refunds_received "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER interest_decisions_append_only BEFORE UPDATE OR DELETE ON interest_decisions "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER interest_decisions_no_truncate BEFORE TRUNCATE ON interest_decisions "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER hearings_no_truncate ON hearings")
    op.execute("DROP TRIGGER hearings_append_only ON hearings")
    op.execute("DROP TRIGGER hearing_responses_no_truncate ON hearing_responses")
    op.execute("DROP TRIGGER hearing_responses_append_only ON hearing_responses")
    op.execute("DROP TRIGGER refunds_received_no_truncate ON refunds_received")
    op.execute("DROP TRIGGER refunds_received_append_only ON refunds_received")
    op.execute("DROP TRIGGER interest_decisions_no_truncate ON interest_decisions")
    op.execute("DROP TRIGGER interest_decisions_append_only ON interest_decisions")
    op.drop_index(op.f("ix_hearing_responses_hearing_id"), table_name="hearing_responses")
    op.drop_table("hearing_responses")
    op.drop_index(op.f("ix_refunds_received_application_id"), table_name="refunds_received")
    op.drop_table("refunds_received")
    op.drop_index(op.f("ix_interest_decisions_application_id"), table_name="interest_decisions")
    op.drop_table("interest_decisions")
    op.drop_index(op.f("ix_hearings_application_id"), table_name="hearings")
    op.drop_table("hearings")
