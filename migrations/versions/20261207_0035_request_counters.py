"""request counters: fixed-window counts per key shared by every app process (the pre-check's
per-address limit), in an UNLOGGED table

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07

Until now the pre-check's limit lived in each process's memory, so N processes allowed N
times the limit. UNLOGGED: a count writes no WAL and its commit waits for no flush; after a
crash the table is empty, which for a rate limit means a fresh window, not a wrong answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_counters")),
        prefixes=["UNLOGGED"],
    )
    op.create_index(
        op.f("ix_request_counters_window_started_at"),
        "request_counters",
        ["window_started_at"],
    )


def downgrade() -> None:
    op.drop_table("request_counters")
