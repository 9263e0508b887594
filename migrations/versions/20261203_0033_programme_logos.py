"""programme logos: the PNG a programme's letterhead prints (re-encoded from the upload),
with its SHA-256 and size

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_logos",
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("png", postgresql.BYTEA(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_programme_logos_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("guideline_id", name=op.f("pk_programme_logos")),
    )


def downgrade() -> None:
    op.drop_table("programme_logos")
