"""letter corrections (§ 42 VwVfG): an order names the issued letter it corrects and why;
the corrected letter is a new row naming the old, which stays as it was; each letter is
corrected at most once, so a decision's letters form one line, the newest valid

The one-order-per-decision constraint of 0030 becomes one order per decision *letter*
(corrections aside), as the one-letter-per-decision index already was.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A column with a constant default is added without touching the rows (so the
    # append-only trigger of issued_letters does not fire); the default then goes, as the
    # models give every value.
    op.add_column(
        "issued_letters",
        sa.Column("correction_reason", sa.String(length=2000), nullable=False, server_default=""),
    )
    op.alter_column("issued_letters", "correction_reason", server_default=None)
    op.create_index(
        "uq_issued_letters_corrects",
        "issued_letters",
        ["corrects_id"],
        unique=True,
        postgresql_where=sa.text("corrects_id IS NOT NULL"),
    )
    op.add_column("letter_requests", sa.Column("corrects_id", sa.Uuid(), nullable=True))
    op.add_column(
        "letter_requests",
        sa.Column("reason", sa.String(length=2000), nullable=False, server_default=""),
    )
    op.alter_column("letter_requests", "reason", server_default=None)
    op.create_foreign_key(
        op.f("fk_letter_requests_corrects_id_issued_letters"),
        "letter_requests",
        "issued_letters",
        ["corrects_id"],
        ["id"],
    )
    op.drop_constraint(op.f("uq_letter_requests_decision_id"), "letter_requests", type_="unique")
    op.create_index(
        "uq_letter_requests_decision",
        "letter_requests",
        ["decision_id"],
        unique=True,
        postgresql_where=sa.text("corrects_id IS NULL"),
    )
    op.create_index(
        "uq_letter_requests_corrects",
        "letter_requests",
        ["corrects_id"],
        unique=True,
        postgresql_where=sa.text("corrects_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_letter_requests_corrects",
        table_name="letter_requests",
        postgresql_where=sa.text("corrects_id IS NOT NULL"),
    )
    op.drop_index(
        "uq_letter_requests_decision",
        table_name="letter_requests",
        postgresql_where=sa.text("corrects_id IS NULL"),
    )
    # Refuses while a correction's order exists (two orders of one decision): a downgrade
    # never drops what was ordered.
    op.create_unique_constraint(
        op.f("uq_letter_requests_decision_id"), "letter_requests", ["decision_id"]
    )
    op.drop_constraint(
        op.f("fk_letter_requests_corrects_id_issued_letters"), "letter_requests", type_="foreignkey"
    )
    op.drop_column("letter_requests", "reason")
    op.drop_column("letter_requests", "corrects_id")
    op.drop_index(
        "uq_issued_letters_corrects",
        table_name="issued_letters",
        postgresql_where=sa.text("corrects_id IS NOT NULL"),
    )
    op.drop_column("issued_letters", "correction_reason")
