"""programme pages: the portal's Impressum, Datenschutzerklärung and Erklärung zur
Barrierefreiheit per programme, set by programme managers

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_pages",
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=20000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_programme_pages_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("guideline_id", "kind", name=op.f("pk_programme_pages")),
    )


def downgrade() -> None:
    op.drop_table("programme_pages")
