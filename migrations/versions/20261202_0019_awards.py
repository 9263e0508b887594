"""awards: budgets per fiscal year, the ledger, decision records (Bescheide), payment requests

The ledger is append-only (the trigger function of migration 0003 refuses UPDATE and DELETE);
a released decision can never change or disappear, a draft may be edited or discarded (by
status: no decision row is ever deleted).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISION_RELEASED_IS_FINAL = """
CREATE FUNCTION decision_released_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'decisions are never deleted (a draft is discarded by its status)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status = 'released' THEN
        RAISE EXCEPTION 'decision % is released: it cannot change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("funding_line", sa.String(length=40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("cash_appropriation", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("commitment_authorisation", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "call_code <> '' OR funding_line = ''", name=op.f("ck_budgets_line_needs_call")
        ),
        sa.CheckConstraint("cash_appropriation >= 0", name=op.f("ck_budgets_cash_not_negative")),
        sa.CheckConstraint(
            "commitment_authorisation >= 0", name=op.f("ck_budgets_authorisation_not_negative")
        ),
        sa.CheckConstraint(
            "fiscal_year BETWEEN 2000 AND 2199", name=op.f("ck_budgets_fiscal_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_budgets_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
        sa.UniqueConstraint(
            "guideline_id",
            "call_code",
            "funding_line",
            "fiscal_year",
            name=op.f("uq_budgets_guideline_id_call_code_funding_line_fiscal_year"),
        ),
    )
    op.create_table(
        "programme_settings",
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("second_approval_required", sa.Boolean(), nullable=False),
        sa.Column("formal_application_weeks", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "formal_application_weeks BETWEEN 1 AND 52",
            name=op.f("ck_programme_settings_formal_application_weeks_range"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_programme_settings_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("guideline_id", name=op.f("pk_programme_settings")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("max_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("file_reference", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("drafted_by", sa.Uuid(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("second_approved_by", sa.Uuid(), nullable=True),
        sa.Column("second_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.Uuid(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("official_name", sa.String(length=254), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status <> 'released' OR (released_by IS NOT NULL AND released_at IS NOT NULL AND file_reference IS NOT NULL AND content_hash IS NOT NULL AND decision_date IS NOT NULL AND official_name <> '')",
            name=op.f("ck_decisions_released_is_complete"),
        ),
        sa.CheckConstraint(
            "second_approved_by IS NULL OR released_by IS NULL OR second_approved_by <> released_by",
            name=op.f("ck_decisions_four_eyes"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_decisions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by"], ["users.id"], name=op.f("fk_decisions_drafted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["users.id"], name=op.f("fk_decisions_released_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["second_approved_by"], ["users.id"], name=op.f("fk_decisions_second_approved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint(
            "application_id", "number", name=op.f("uq_decisions_application_id_number")
        ),
        sa.UniqueConstraint("file_reference", name=op.f("uq_decisions_file_reference")),
    )
    op.create_index(
        op.f("ix_decisions_application_id"), "decisions", ["application_id"], unique=False
    )
    op.create_index(
        "ix_decisions_application_status", "decisions", ["application_id", "status"], unique=False
    )
    op.create_table(
        "payment_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("purpose", sa.String(length=2000), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("costs_due", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("own_funds_used", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("third_party_funds_used", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certified_by", sa.Uuid(), nullable=True),
        sa.Column("certified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ordered_by", sa.Uuid(), nullable=True),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_by", sa.Uuid(), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.String(length=2000), nullable=False),
        sa.CheckConstraint(
            "status <> 'ordered' OR (certified_by IS NOT NULL AND ordered_by IS NOT NULL)",
            name=op.f("ck_payment_requests_ordered_after_certified"),
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'certified', 'ordered', 'refused')",
            name=op.f("ck_payment_requests_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_requests_amount_positive")),
        sa.CheckConstraint(
            "certified_by IS NULL OR ordered_by IS NULL OR certified_by <> ordered_by",
            name=op.f("ck_payment_requests_four_eyes"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_payment_requests_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["certified_by"], ["users.id"], name=op.f("fk_payment_requests_certified_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_payment_requests_decision_id_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["ordered_by"], ["users.id"], name=op.f("fk_payment_requests_ordered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["refused_by"], ["users.id"], name=op.f("fk_payment_requests_refused_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_payment_requests_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
        sa.UniqueConstraint(
            "application_id", "number", name=op.f("uq_payment_requests_application_id_number")
        ),
    )
    op.create_index(
        op.f("ix_payment_requests_application_id"),
        "payment_requests",
        ["application_id"],
        unique=False,
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("funding_line", sa.String(length=40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('commitment', 'decommitment', 'payment', 'reclaim', 'refund', 'interest')",
            name=op.f("ck_ledger_entries_kind"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_entries_amount_positive")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ledger_entries_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_ledger_entries_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_ledger_entries_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payment_requests.id"],
            name=op.f("fk_ledger_entries_payment_id_payment_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        op.f("ix_ledger_entries_application_id"), "ledger_entries", ["application_id"], unique=False
    )
    op.create_index(
        "ix_ledger_entries_budget",
        "ledger_entries",
        ["guideline_id", "call_code", "funding_line", "fiscal_year", "kind"],
        unique=False,
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(DECISION_RELEASED_IS_FINAL)
    op.execute(
        "CREATE TRIGGER decisions_released_is_final BEFORE UPDATE OR DELETE ON decisions "
        "FOR EACH ROW EXECUTE FUNCTION decision_released_is_final()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER decisions_released_is_final ON decisions")
    op.execute("DROP FUNCTION decision_released_is_final()")
    op.execute("DROP TRIGGER ledger_entries_no_truncate ON ledger_entries")
    op.execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
    op.drop_index("ix_ledger_entries_budget", table_name="ledger_entries")
    op.drop_index(op.f("ix_ledger_entries_application_id"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index(op.f("ix_payment_requests_application_id"), table_name="payment_requests")
    op.drop_table("payment_requests")
    op.drop_index("ix_decisions_application_status", table_name="decisions")
    op.drop_index(op.f("ix_decisions_application_id"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_table("programme_settings")
    op.drop_table("budgets")
