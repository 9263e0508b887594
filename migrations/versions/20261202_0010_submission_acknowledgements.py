"""submission acknowledgements

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

A submission is accepted even when rules of the pre-check fail or need review (§ 24 Abs. 3
VwVfG); the applicant acknowledges them explicitly. The submission row records who confirmed
which rule ids at which instant (the snapshot keeps the same with the texts shown). Adding a
nullable column leaves the append-only trigger and every existing row as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "application_submissions",
        sa.Column("acknowledgement", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("application_submissions", "acknowledgement")
