"""indexes of the application lists: manager views across calls, by call, reference prefixes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 23:10:00

Lists are keyset pages ordered by (sort column, id); each index below lets one common list
walk the index in its order and stop after a page, instead of sorting every matching row:

- (submitted_at, id): a programme manager's default list, all calls, newest receipt first;
- (call_code, submitted_at, id): the same within one call (any status); call *and* status use
  ix_applications_call_status_submitted from 0004;
- reference_number with varchar_pattern_ops: the search box's reference-number prefix
  (``LIKE 'LIfD-demo-S-00%'``), which the unique index cannot serve unless the database's
  collation is C.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_applications_submitted", "applications", ["submitted_at", "id"])
    op.create_index(
        "ix_applications_call_submitted", "applications", ["call_code", "submitted_at", "id"]
    )
    op.create_index(
        "ix_applications_reference_prefix",
        "applications",
        ["reference_number"],
        postgresql_ops={"reference_number": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_applications_reference_prefix", table_name="applications")
    op.drop_index("ix_applications_call_submitted", table_name="applications")
    op.drop_index("ix_applications_submitted", table_name="applications")
