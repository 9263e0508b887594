"""letters: each programme's letterhead, requests to issue a decision's letter (alone or in
a batch), the issued letters (immutable, ``refuse_row_change`` of 0003) and their
retrievals (append-only)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_letter_batches_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_batches")),
    )
    op.create_table(
        "programme_letterheads",
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=300), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("seat", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("privacy_url", sa.String(length=300), nullable=False),
        sa.Column("bank_holder", sa.String(length=200), nullable=False),
        sa.Column("bank_name", sa.String(length=200), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_programme_letterheads_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("guideline_id", name=op.f("pk_programme_letterheads")),
    )
    op.create_table(
        "issued_letters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("template_version", sa.String(length=64), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("pdf", postgresql.BYTEA(), nullable=False),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("issued_by", sa.Uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_issued_letters_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["issued_letters.id"],
            name=op.f("fk_issued_letters_corrects_id_issued_letters"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_issued_letters_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_issued_letters_issued_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_letters")),
    )
    op.create_index(
        op.f("ix_issued_letters_application_id"), "issued_letters", ["application_id"], unique=False
    )
    op.create_index(
        "uq_issued_letters_decision",
        "issued_letters",
        ["decision_id"],
        unique=True,
        postgresql_where=sa.text("corrects_id IS NULL"),
    )
    op.create_table(
        "letter_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("letter_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.String(length=4000), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'issued', 'failed')", name=op.f("ck_letter_requests_status")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["letter_batches.id"],
            name=op.f("fk_letter_requests_batch_id_letter_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_letter_requests_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["issued_letters.id"],
            name=op.f("fk_letter_requests_letter_id_issued_letters"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_letter_requests_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_requests")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_letter_requests_decision_id")),
    )
    op.create_index(
        op.f("ix_letter_requests_batch_id"), "letter_requests", ["batch_id"], unique=False
    )
    op.create_table(
        "letter_retrievals",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("letter_id", sa.Uuid(), nullable=False),
        sa.Column("retrieved_by", sa.Uuid(), nullable=False),
        sa.Column("by_recipient", sa.Boolean(), nullable=False),
        sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["issued_letters.id"],
            name=op.f("fk_letter_retrievals_letter_id_issued_letters"),
        ),
        sa.ForeignKeyConstraint(
            ["retrieved_by"], ["users.id"], name=op.f("fk_letter_retrievals_retrieved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_retrievals")),
    )
    op.create_index(
        op.f("ix_letter_retrievals_letter_id"), "letter_retrievals", ["letter_id"], unique=False
    )

    for table in ("issued_letters", "letter_retrievals"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
        )


def downgrade() -> None:
    for table in ("issued_letters", "letter_retrievals"):
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.drop_index(op.f("ix_letter_retrievals_letter_id"), table_name="letter_retrievals")
    op.drop_table("letter_retrievals")
    op.drop_index(op.f("ix_letter_requests_batch_id"), table_name="letter_requests")
    op.drop_table("letter_requests")
    op.drop_index(
        "uq_issued_letters_decision",
        table_name="issued_letters",
        postgresql_where=sa.text("corrects_id IS NULL"),
    )
    op.drop_index(op.f("ix_issued_letters_application_id"), table_name="issued_letters")
    op.drop_table("issued_letters")
    op.drop_table("programme_letterheads")
    op.drop_table("letter_batches")
