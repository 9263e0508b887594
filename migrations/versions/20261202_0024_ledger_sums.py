"""the ledger summed per line, fiscal year, kind and Berlin month, and per application, fiscal
year and kind: kept by the ledger's insert trigger in the inserting transaction, backfilled
from the ledger here

The ledger is append-only (0019), so adding every new row to its sums is exact and the sums
are never behind it. Readers of aggregates (budgets overview, dashboards) read these few
rows instead of every ledger row; the budget check before a commitment still sums the
ledger itself.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The month of an entry is the calendar month in Berlin of its instant: the wall time there,
# truncated (date_trunc('month', occurred_at AT TIME ZONE 'Europe/Berlin')).
ADD_TO_SUMS = """
CREATE FUNCTION ledger_entry_add_to_sums() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_month_sums AS s
        (guideline_id, call_code, funding_line, fiscal_year, kind, month, amount, entries)
    VALUES (NEW.guideline_id, NEW.call_code, NEW.funding_line, NEW.fiscal_year, NEW.kind,
            date_trunc('month', NEW.occurred_at AT TIME ZONE 'Europe/Berlin')::date,
            NEW.amount, 1)
    ON CONFLICT (guideline_id, call_code, funding_line, fiscal_year, kind, month)
    DO UPDATE SET amount = s.amount + EXCLUDED.amount, entries = s.entries + 1;
    INSERT INTO ledger_application_sums AS s (application_id, fiscal_year, kind, amount, entries)
    VALUES (NEW.application_id, NEW.fiscal_year, NEW.kind, NEW.amount, 1)
    ON CONFLICT (application_id, fiscal_year, kind)
    DO UPDATE SET amount = s.amount + EXCLUDED.amount, entries = s.entries + 1;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "ledger_month_sums",
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("funding_line", sa.String(length=40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "guideline_id",
            "call_code",
            "funding_line",
            "fiscal_year",
            "kind",
            "month",
            name=op.f("pk_ledger_month_sums"),
        ),
    )
    op.create_table(
        "ledger_application_sums",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_ledger_application_sums_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint(
            "application_id", "fiscal_year", "kind", name=op.f("pk_ledger_application_sums")
        ),
    )
    op.execute(
        "INSERT INTO ledger_month_sums (guideline_id, call_code, funding_line, fiscal_year, "
        "kind, month, amount, entries) SELECT guideline_id, call_code, funding_line, "
        "fiscal_year, kind, date_trunc('month', occurred_at AT TIME ZONE 'Europe/Berlin')::date, "
        "sum(amount), count(*) "
        "FROM ledger_entries GROUP BY 1, 2, 3, 4, 5, 6"
    )
    op.execute(
        "INSERT INTO ledger_application_sums (application_id, fiscal_year, kind, amount, "
        "entries) SELECT application_id, fiscal_year, kind, sum(amount), count(*) "
        "FROM ledger_entries GROUP BY 1, 2, 3"
    )
    op.execute(ADD_TO_SUMS)
    op.execute(
        "CREATE TRIGGER ledger_entries_add_to_sums AFTER INSERT ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entry_add_to_sums()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_entries_add_to_sums ON ledger_entries")
    op.execute("DROP FUNCTION ledger_entry_add_to_sums()")
    op.drop_table("ledger_application_sums")
    op.drop_table("ledger_month_sums")
