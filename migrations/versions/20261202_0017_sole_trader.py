"""sole trader: an applicant type of its own (Einzelunternehmen, e. K.), so that a sole trader
registers as what it is and the guideline can say why it is not eligible

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = (
    "municipality",
    "public_body",
    "nonprofit",
    "company",
    "partnership",
    "freelancer",
    "natural_person",
)
_AFTER = (*_BEFORE[:6], "sole_trader", _BEFORE[6])


def _constraint(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_organisations_applicanttype"), "organisations", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint("applicanttype", "organisations", f"applicant_type IN ({listed})")


def upgrade() -> None:
    _constraint(_AFTER)


def downgrade() -> None:
    op.execute(
        "UPDATE organisations SET applicant_type = 'company' WHERE applicant_type = 'sole_trader'"
    )
    _constraint(_BEFORE)
