"""the formal application (stage two) with its own receipt and snapshot; information
requested for the application answers into the application check

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = (
    "draft",
    "submitted",
    "formal_check",
    "information_requested",
    "formally_rejected",
    "in_review",
    "reviewed",
    "jury_decided",
    "invited",
    "not_selected",
    "withdrawn",
    "discarded",
    "application_draft",
    "application_submitted",
    "application_check",
    "approved",
    "partially_approved",
    "rejected",
)
_AFTER = (*_BEFORE[:15], "application_info_requested", *_BEFORE[15:])


def _constraint(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_applications_state"), "applications", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint("state", "applications", f"status IN ({listed})")


def upgrade() -> None:
    _constraint(_AFTER)
    op.create_table(
        "formal_applications",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_reason", sa.String(length=2000), nullable=False),
        sa.Column("submission_count", sa.Integer(), nullable=False),
        sa.Column("reference_number", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_formal_applications_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_formal_applications_created_by_users")
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_formal_applications")),
        sa.UniqueConstraint(
            "reference_number", name=op.f("uq_formal_applications_reference_number")
        ),
    )
    op.create_table(
        "formal_application_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference_number", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_formal_application_submissions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["users.id"],
            name=op.f("fk_formal_application_submissions_submitted_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formal_application_submissions")),
        sa.UniqueConstraint(
            "application_id",
            "number",
            name=op.f("uq_formal_application_submissions_application_id_number"),
        ),
    )
    op.execute(
        "CREATE TRIGGER formal_application_submissions_append_only BEFORE UPDATE OR DELETE "
        "ON formal_application_submissions FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER formal_application_submissions_append_only ON formal_application_submissions"
    )
    op.drop_table("formal_application_submissions")
    op.drop_table("formal_applications")
    # Back to the application check: the request stays on record, its state is the check.
    op.execute(
        "UPDATE applications SET status = 'application_check' "
        "WHERE status = 'application_info_requested'"
    )
    _constraint(_BEFORE)
