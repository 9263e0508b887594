"""interest on funds not used in time (§ 49a Abs. 4 VwVfG): one decision per award, set by a
person, append-only (``refuse_row_change`` of 0003)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unused_funds_interest_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("proof_id", sa.Uuid(), nullable=False),
        sa.Column("allowed_months", sa.Integer(), nullable=False),
        sa.Column("count_from", sa.String(length=32), nullable=False),
        sa.Column("computation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("claimed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discretion", sa.String(length=4000), nullable=False),
        sa.Column("rate_assumed", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "count_from IN ('end_of_allowed_period', 'payment')",
            name=op.f("ck_unused_funds_interest_decisions_count_from"),
        ),
        sa.CheckConstraint(
            "discretion <> ''", name=op.f("ck_unused_funds_interest_decisions_discretion_stated")
        ),
        sa.CheckConstraint(
            "claimed >= 0 AND claimed <= computed",
            name=op.f("ck_unused_funds_interest_decisions_claimed_range"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_unused_funds_interest_decisions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_unused_funds_interest_decisions_decided_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_unused_funds_interest_decisions_decision_id_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["proof_id"],
            ["proofs_of_use.id"],
            name=op.f("fk_unused_funds_interest_decisions_proof_id_proofs_of_use"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unused_funds_interest_decisions")),
        sa.UniqueConstraint(
            "application_id", name=op.f("uq_unused_funds_interest_decisions_application_id")
        ),
    )
    op.execute(
        "CREATE TRIGGER unused_funds_interest_decisions_append_only BEFORE UPDATE OR DELETE "
        "ON unused_funds_interest_decisions FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER unused_funds_interest_decisions_no_truncate BEFORE TRUNCATE "
        "ON unused_funds_interest_decisions FOR EACH STATEMENT "
        "EXECUTE FUNCTION refuse_row_change()"
    )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER unused_funds_interest_decisions_no_truncate "
        "ON unused_funds_interest_decisions"
    )
    op.execute(
        "DROP TRIGGER unused_funds_interest_decisions_append_only "
        "ON unused_funds_interest_decisions"
    )
    op.drop_table("unused_funds_interest_decisions")
