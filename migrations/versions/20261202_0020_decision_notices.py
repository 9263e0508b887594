"""decision notices: dispatch, retrieval, proven receipt, objection and what became of it

Append-only: a correction is a new notice; notification, periods and finality are computed
from them (``core.standing``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "'dispatched', 'retrieved', 'proven_receipt', 'remedy_notice_defective', "
    "'remedy_waived', 'objection', 'objection_withdrawn', 'objection_granted', "
    "'objection_decision', 'action_filed'"
)


def upgrade() -> None:
    op.create_table(
        "decision_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'dispatched') = (channel IS NOT NULL)",
            name=op.f("ck_decision_notices_channel_with_dispatch"),
        ),
        sa.CheckConstraint(
            "channel IS NULL OR channel IN ('post', 'portal')",
            name=op.f("ck_decision_notices_channel"),
        ),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_decision_notices_kind")),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_notices_decision_id_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_decision_notices_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_notices")),
        sa.UniqueConstraint(
            "decision_id", "number", name=op.f("uq_decision_notices_decision_id_number")
        ),
    )
    op.create_index(
        op.f("ix_decision_notices_decision_id"), "decision_notices", ["decision_id"], unique=False
    )
    op.execute(
        "CREATE TRIGGER decision_notices_append_only BEFORE UPDATE OR DELETE ON decision_notices "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER decision_notices_append_only ON decision_notices")
    op.drop_index(op.f("ix_decision_notices_decision_id"), table_name="decision_notices")
    op.drop_table("decision_notices")
