"""portal delivery consent: an organisation's consent to the notification of decisions by
portal retrieval (§ 41 Abs. 2a VwVfG) and its withdrawal, append-only (``refuse_row_change``
of 0003); the newest row per organisation is in force

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_delivery_consents",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("consented", sa.Boolean(), nullable=False),
        sa.Column("wording", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_portal_delivery_consents_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_portal_delivery_consents_recorded_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_delivery_consents")),
    )
    op.create_index(
        "ix_portal_delivery_consents_org",
        "portal_delivery_consents",
        ["organisation_id", "id"],
        unique=False,
    )
    op.execute(
        "CREATE TRIGGER portal_delivery_consents_append_only BEFORE UPDATE OR DELETE ON "
        "portal_delivery_consents FOR EACH ROW EXECUTE FUNCTION refuse_row_change()"
    )
    op.execute(
        "CREATE TRIGGER portal_delivery_consents_no_truncate BEFORE TRUNCATE ON "
        "portal_delivery_consents FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER portal_delivery_consents_no_truncate ON portal_delivery_consents")
    op.execute("DROP TRIGGER portal_delivery_consents_append_only ON portal_delivery_consents")
    op.drop_index("ix_portal_delivery_consents_org", table_name="portal_delivery_consents")
    op.drop_table("portal_delivery_consents")
