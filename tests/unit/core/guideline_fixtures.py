"""The shipped FRL LIfD guideline and a proposal that passes every rule, to vary one thing
at a time."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from grants.core.eligibility import CheckContext, Proposal
from grants.core.funding import CostLine, VatDeduction
from grants.core.guideline import Guideline
from grants.guidelines.loader import SHIPPED, load_guideline

RECEIVED = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


@cache
def lifd() -> Guideline:
    return load_guideline(SHIPPED / "frl-lifd-2023.yaml")


def proposal(**changes: Any) -> Proposal:
    # 100,000 equipment × 80 % + 50,000 staff × 60 % = 110,000 fundable.
    base = Proposal(
        applicant_type="nonprofit",
        municipality_key="14521530",
        funding_line="stationary",
        objectives=("a", "e"),
        planned_start=date(2024, 7, 1),
        planned_end=date(2026, 6, 30),
        cost_lines=(
            CostLine("equipment", "3D-Drucker, Laser-Cutter", Decimal("100000.00")),
            CostLine("personnel", "Community-Management", Decimal("50000.00")),
        ),
        requested_grant=Decimal("110000.00"),
        own_funds=Decimal("40000.00"),
        economic_activity=False,
        vat_deduction=VatDeduction.NONE,
    )
    return replace(base, **changes)


def context(**changes: Any) -> CheckContext:
    base = CheckContext(
        received_at=RECEIVED,
        call=lifd().call("2024-1"),
        area_category=None,
        rural=None,
        municipality_known=True,  # 14521530 (Schneeberg) is in the register
    )
    return replace(base, **changes)
