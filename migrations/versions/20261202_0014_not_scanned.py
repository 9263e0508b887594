"""not scanned

Attachments received by a server without a malware scanner (development and tests only) are
``not_scanned`` instead of ``clean``. ``scan_status`` is a VARCHAR with a CHECK constraint
(``db.base.enum_type``), so the constraint is replaced. Downgrading turns ``not_scanned`` back
into what the code before this revision wrote for such files: ``clean``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_attachments_scanstatus"
OLD_STATUSES = ("pending", "clean", "infected", "failed")
NEW_STATUSES = (*OLD_STATUSES, "not_scanned")


def _replace_constraint(statuses: Sequence[str]) -> None:
    op.drop_constraint(op.f(CONSTRAINT), "attachments", type_="check")
    listed = ", ".join(f"'{status}'" for status in statuses)
    op.create_check_constraint(
        op.f(CONSTRAINT), "attachments", sa.text(f"scan_status IN ({listed})")
    )


def upgrade() -> None:
    _replace_constraint(NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE attachments SET scan_status = 'clean' WHERE scan_status = 'not_scanned'")
    _replace_constraint(OLD_STATUSES)
