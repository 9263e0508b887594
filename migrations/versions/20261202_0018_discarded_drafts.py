"""discarded drafts: a never-submitted draft the applicant gave up, kept out of every list

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
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
    "application_draft",
    "application_submitted",
    "application_check",
    "approved",
    "partially_approved",
    "rejected",
)
_AFTER = (*_BEFORE[:11], "discarded", *_BEFORE[11:])


def _constraint(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_applications_state"), "applications", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint("state", "applications", f"status IN ({listed})")


def upgrade() -> None:
    _constraint(_AFTER)


def downgrade() -> None:
    # A discarded draft becomes a draft again: nothing of it is lost.
    op.execute("UPDATE applications SET status = 'draft' WHERE status = 'discarded'")
    _constraint(_BEFORE)
