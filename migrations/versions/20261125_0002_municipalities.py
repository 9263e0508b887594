"""municipalities

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:24:16.023916

The municipality register (AGS key, name, district, population, LEP 2013 area category),
filled by `grants municipalities import`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("key", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=200), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column(
            "area_category",
            sa.Enum(
                "verdichtungsraum",
                "verdichteter_bereich_im_laendlichen_raum",
                "laendlicher_raum",
                name="areacategory",
                native_enum=False,
                create_constraint=True,
                length=48,
            ),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("key ~ '^[0-9]{8}$'", name=op.f("ck_municipalities_key_ags")),
        sa.CheckConstraint(
            "population >= 0", name=op.f("ck_municipalities_population_not_negative")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_municipalities")),
    )


def downgrade() -> None:
    op.drop_table("municipalities")
