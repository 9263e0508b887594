"""The municipality register table."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from grants.core.areas import AreaCategory, AreaCategorySource
from grants.db.base import enum_type, timestamp_field


class Municipality(SQLModel, table=True):
    """One municipality (Gemeinde). Rows are written only by the CSV import. Applications
    name their municipality by ``key`` and are not foreign keys to this table, so that
    replacing or correcting the register never blocks on them."""

    __tablename__ = "municipalities"
    __table_args__ = (
        sa.CheckConstraint("key ~ '^[0-9]{8}$'", name="key_ags"),
        sa.CheckConstraint("population >= 0", name="population_not_negative"),
    )

    # Amtlicher Gemeindeschlüssel: state (2 digits), region (1), district (2), municipality (3).
    key: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=200)
    # Landkreis or Kreisfreie Stadt.
    district: str = Field(max_length=200)
    population: int
    # The longest value (verdichteter_bereich_im_laendlichen_raum) has 40 characters.
    area_category: AreaCategory = Field(sa_type=enum_type(AreaCategory, length=48))
    # Where the category comes from; NULL: the imported file did not say (treated as assumed).
    area_category_source: AreaCategorySource | None = Field(
        default=None, sa_type=enum_type(AreaCategorySource, length=16), nullable=True
    )
    population_date: date | None = Field(default=None, nullable=True)  # reference date
    updated_at: datetime = timestamp_field()
