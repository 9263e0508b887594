"""audit log: indexes by object and by actor, each with the position in the log, for the
managers' log page, which lists an object's or a person's entries newest first

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_log_object", "audit_log", ["object_id", "seq"])
    op.create_index("ix_audit_log_actor_label", "audit_log", ["actor_label", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_actor_label", table_name="audit_log")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
