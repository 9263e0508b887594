"""the ledger summed per line, fiscal year, the application's municipality and kind, in place
of 0024's per-application sums (whose one reader, the dashboards' awards by district, summed
10,000 awards' rows on every read); an awarded application's municipality is fixed

The insert trigger of 0024 now adds each new entry to the month sums (unchanged) and to the
municipality sums, looking up the application's municipality key by primary key. The key
is right for good because it cannot change once the application has ledger entries: only
approved and partially approved applications have them, and a new trigger refuses a change
of an awarded application's ``municipality_key``.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Both versions of the function add the entry to the month sums as 0024 did.
ADD_TO_SUMS = """
CREATE OR REPLACE FUNCTION ledger_entry_add_to_sums() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_month_sums AS s
        (guideline_id, call_code, funding_line, fiscal_year, kind, month, amount, entries)
    VALUES (NEW.guideline_id, NEW.call_code, NEW.funding_line, NEW.fiscal_year, NEW.kind,
            date_trunc('month', NEW.occurred_at AT TIME ZONE 'Europe/Berlin')::date,
            NEW.amount, 1)
    ON CONFLICT (guideline_id, call_code, funding_line, fiscal_year, kind, month)
    DO UPDATE SET amount = s.amount + EXCLUDED.amount, entries = s.entries + 1;
    INSERT INTO ledger_municipality_sums AS s
        (guideline_id, call_code, funding_line, fiscal_year, municipality_key, kind, amount,
         entries)
    VALUES (NEW.guideline_id, NEW.call_code, NEW.funding_line, NEW.fiscal_year,
            coalesce((SELECT municipality_key FROM applications
                      WHERE id = NEW.application_id), ''),
            NEW.kind, NEW.amount, 1)
    ON CONFLICT (guideline_id, call_code, funding_line, fiscal_year, municipality_key, kind)
    DO UPDATE SET amount = s.amount + EXCLUDED.amount, entries = s.entries + 1;
    RETURN NULL;
END
$$
"""

ADD_TO_SUMS_0024 = """
CREATE OR REPLACE FUNCTION ledger_entry_add_to_sums() RETURNS trigger
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

FIXED_MUNICIPALITY = """
CREATE FUNCTION applications_awarded_municipality_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the municipality of an awarded application cannot change (%: % -> %)',
        OLD.id, OLD.municipality_key, NEW.municipality_key
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "ledger_municipality_sums",
        sa.Column("guideline_id", sa.String(length=40), nullable=False),
        sa.Column("call_code", sa.String(length=40), nullable=False),
        sa.Column("funding_line", sa.String(length=40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("municipality_key", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "guideline_id",
            "call_code",
            "funding_line",
            "fiscal_year",
            "municipality_key",
            "kind",
            name=op.f("pk_ledger_municipality_sums"),
        ),
    )
    op.execute(
        "INSERT INTO ledger_municipality_sums (guideline_id, call_code, funding_line, "
        "fiscal_year, municipality_key, kind, amount, entries) SELECT l.guideline_id, "
        "l.call_code, l.funding_line, l.fiscal_year, coalesce(a.municipality_key, ''), l.kind, "
        "sum(l.amount), count(*) FROM ledger_entries l JOIN applications a "
        "ON a.id = l.application_id GROUP BY 1, 2, 3, 4, 5, 6"
    )
    op.execute(ADD_TO_SUMS)
    op.drop_table("ledger_application_sums")
    op.execute(FIXED_MUNICIPALITY)
    op.execute(
        "CREATE TRIGGER applications_awarded_municipality_fixed BEFORE UPDATE OF "
        "municipality_key ON applications FOR EACH ROW WHEN (OLD.status IN ('approved', "
        "'partially_approved') AND NEW.municipality_key IS DISTINCT FROM OLD.municipality_key) "
        "EXECUTE FUNCTION applications_awarded_municipality_fixed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER applications_awarded_municipality_fixed ON applications")
    op.execute("DROP FUNCTION applications_awarded_municipality_fixed()")
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
        "INSERT INTO ledger_application_sums (application_id, fiscal_year, kind, amount, "
        "entries) SELECT application_id, fiscal_year, kind, sum(amount), count(*) "
        "FROM ledger_entries GROUP BY 1, 2, 3"
    )
    op.execute(ADD_TO_SUMS_0024)
    op.drop_table("ledger_municipality_sums")
