"""bulk releases: a batch of decisions a manager ordered released on the job queue, one item
per decision with its outcome

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "release_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_release_batches_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_batches")),
    )
    op.create_table(
        "release_batch_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("decision_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=60), nullable=False),
        sa.Column("error", sa.String(length=4000), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending') = (finished_at IS NULL)",
            name=op.f("ck_release_batch_items_finished_when_done"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'released', 'failed')",
            name=op.f("ck_release_batch_items_status"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["release_batches.id"],
            name=op.f("fk_release_batch_items_batch_id_release_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_release_batch_items_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_batch_items")),
        sa.UniqueConstraint(
            "batch_id", "position", name=op.f("uq_release_batch_items_batch_id_position")
        ),
    )
    op.create_index(
        op.f("ix_release_batch_items_batch_id"), "release_batch_items", ["batch_id"], unique=False
    )
    op.create_index(
        "uq_release_batch_items_pending_decision",
        "release_batch_items",
        ["decision_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_release_batch_items_pending_decision",
        table_name="release_batch_items",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_index(op.f("ix_release_batch_items_batch_id"), table_name="release_batch_items")
    op.drop_table("release_batch_items")
    op.drop_table("release_batches")
