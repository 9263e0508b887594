"""proofs of use (interim and final), their check and the sample

A submitted proof's content never changes: the trigger lets a submitted row take its check
once (to checked or returned) and refuses every other change, and any change to a checked or
returned one; no proof is ever deleted. Samples are append-only (``refuse_row_change`` from
0003): a re-draw is a new row.

Created here, not in the placeholder 0022: a database migrated while 0022 was empty would
never run it again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns the recipient submitted (and their receipt hash): fixed from the submission on.
_SUBMITTED = (
    "application_id, decision_id, number, kind, fiscal_year, factual_report, costs, receipts, "
    "third_party_funds, created_by, created_at, submitted_by, submitted_at, receipt_hash"
)


def _row(prefix: str) -> str:
    return "(" + ", ".join(f"{prefix}.{c.strip()}" for c in _SUBMITTED.split(",")) + ")"


PROOF_SUBMITTED_IS_FIXED = f"""
CREATE FUNCTION proof_of_use_submitted_is_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'proofs of use are never deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF OLD.status <> 'submitted' THEN
        RAISE EXCEPTION 'proof of use % is %: it cannot change', OLD.id, OLD.status
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status = 'draft' OR {_row("NEW")} IS DISTINCT FROM {_row("OLD")} THEN
        RAISE EXCEPTION 'proof of use % is submitted: its content cannot change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "proof_samples",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("drawn_by", sa.Uuid(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.String(length=200), nullable=False),
        sa.Column("share", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("method_code", sa.String(length=40), nullable=False),
        sa.Column("method", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("population", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("selected", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("not_selected", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.CheckConstraint(
            "number = 1 OR reason <> ''", name=op.f("ck_proof_samples_redraw_has_reason")
        ),
        sa.CheckConstraint("share > 0 AND share <= 1", name=op.f("ck_proof_samples_share_range")),
        sa.ForeignKeyConstraint(
            ["drawn_by"], ["users.id"], name=op.f("fk_proof_samples_drawn_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proof_samples")),
        sa.UniqueConstraint(
            "guideline_id",
            "call_code",
            "number",
            name=op.f("uq_proof_samples_guideline_id_call_code_number"),
        ),
    )
    op.create_table(
        "proofs_of_use",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("factual_report", sa.Text(), nullable=False),
        sa.Column("costs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("receipts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("third_party_funds", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_hash", sa.String(length=64), nullable=True),
        sa.Column("checked_by", sa.Uuid(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_scope", sa.String(length=16), nullable=True),
        sa.Column("check_coverage", sa.String(length=16), nullable=True),
        sa.Column("sample_id", sa.Uuid(), nullable=True),
        sa.Column("recognised", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("recognised_third_party_funds", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("receipts_checked", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("check_notes", sa.String(length=4000), nullable=False),
        sa.Column("return_reason", sa.String(length=4000), nullable=False),
        sa.Column("final_grant", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("final_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("paid_at_check", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("overpayment", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.CheckConstraint(
            "(kind = 'interim') = (fiscal_year IS NOT NULL)",
            name=op.f("ck_proofs_of_use_fiscal_year_for_interim"),
        ),
        sa.CheckConstraint(
            "check_coverage IS NULL OR check_coverage IN ('selected', 'not_selected', "
            "'not_covered')",
            name=op.f("ck_proofs_of_use_check_coverage"),
        ),
        sa.CheckConstraint(
            "check_scope IS NULL OR check_scope IN ('detailed', 'summary')",
            name=op.f("ck_proofs_of_use_check_scope"),
        ),
        sa.CheckConstraint("kind IN ('interim', 'final')", name=op.f("ck_proofs_of_use_kind")),
        sa.CheckConstraint(
            "status <> 'returned' OR return_reason <> ''",
            name=op.f("ck_proofs_of_use_return_reason"),
        ),
        sa.CheckConstraint(
            "status = 'draft' OR (submitted_by IS NOT NULL AND submitted_at IS NOT NULL "
            "AND receipt_hash IS NOT NULL)",
            name=op.f("ck_proofs_of_use_submitted_is_complete"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'checked', 'returned')",
            name=op.f("ck_proofs_of_use_status"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('checked', 'returned') OR (checked_by IS NOT NULL "
            "AND checked_at IS NOT NULL AND check_scope IS NOT NULL "
            "AND check_coverage IS NOT NULL)",
            name=op.f("ck_proofs_of_use_checked_is_complete"),
        ),
        sa.CheckConstraint(
            "third_party_funds >= 0", name=op.f("ck_proofs_of_use_third_party_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_proofs_of_use_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["checked_by"], ["users.id"], name=op.f("fk_proofs_of_use_checked_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_proofs_of_use_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_proofs_of_use_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["proof_samples.id"],
            name=op.f("fk_proofs_of_use_sample_id_proof_samples"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_proofs_of_use_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proofs_of_use")),
        sa.UniqueConstraint(
            "application_id", "number", name=op.f("uq_proofs_of_use_application_id_number")
        ),
    )
    op.create_index(
        op.f("ix_proofs_of_use_application_id"), "proofs_of_use", ["application_id"], unique=False
    )
    op.create_index(
        "uq_proofs_of_use_open_final",
        "proofs_of_use",
        ["application_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'final' AND status <> 'returned'"),
    )
    op.create_index(
        "uq_proofs_of_use_open_interim",
        "proofs_of_use",
        ["application_id", "fiscal_year"],
        unique=True,
        postgresql_where=sa.text("kind = 'interim' AND status <> 'returned'"),
    )
    op.execute(PROOF_SUBMITTED_IS_FIXED)
    op.execute(
        "CREATE TRIGGER proofs_of_use_submitted_is_fixed BEFORE UPDATE OR DELETE ON "
        "proofs_of_use FOR EACH ROW EXECUTE FUNCTION proof_of_use_submitted_is_fixed()"
    )
    op.execute(
        "CREATE TRIGGER proofs_of_use_no_truncate BEFORE TRUNCATE ON proofs_of_use "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER proof_samples_append_only BEFORE UPDATE OR DELETE ON proof_samples "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER proof_samples_no_truncate BEFORE TRUNCATE ON proof_samples "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER proof_samples_no_truncate ON proof_samples")
    op.execute("DROP TRIGGER proof_samples_append_only ON proof_samples")
    op.execute("DROP TRIGGER proofs_of_use_no_truncate ON proofs_of_use")
    op.execute("DROP TRIGGER proofs_of_use_submitted_is_fixed ON proofs_of_use")
    op.execute("DROP FUNCTION proof_of_use_submitted_is_fixed()")
    op.drop_index("uq_proofs_of_use_open_interim", table_name="proofs_of_use")
    op.drop_index("uq_proofs_of_use_open_final", table_name="proofs_of_use")
    op.drop_index(op.f("ix_proofs_of_use_application_id"), table_name="proofs_of_use")
    op.drop_table("proofs_of_use")
    op.drop_table("proof_samples")
