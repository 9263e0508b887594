"""municipality sources: where a row's area category comes from, and the population's date

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "municipalities",
        sa.Column(
            "area_category_source",
            sa.Enum(
                "lep2013",
                "assumed",
                name="areacategorysource",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
    )
    op.add_column("municipalities", sa.Column("population_date", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("municipalities", "population_date")
    op.drop_column("municipalities", "area_category_source")
