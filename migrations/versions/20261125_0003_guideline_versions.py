"""guideline versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:30:37.874286

Stored guideline versions are immutable: a verdict names one by hash and must be able to
re-read exactly that document, so UPDATE and DELETE are refused by a trigger.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guideline_versions",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_guideline_versions")),
    )
    op.create_index(
        op.f("ix_guideline_versions_guideline_id"),
        "guideline_versions",
        ["guideline_id"],
        unique=False,
    )
    op.execute(
        """
        CREATE FUNCTION refuse_row_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER guideline_versions_immutable BEFORE UPDATE OR DELETE ON guideline_versions "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_guideline_versions_guideline_id"), table_name="guideline_versions")
    op.drop_table("guideline_versions")
    op.execute("DROP FUNCTION refuse_row_change()")
