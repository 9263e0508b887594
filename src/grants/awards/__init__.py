"""Awards: from the jury's recommendation to the closed file — budgets per fiscal year, the
ledger of every money movement, decisions (Bescheide) released by a named official, payments,
proofs of use and reclaims."""

__all__ = [
    "access",
    "amendments",
    "base_rates",
    "budgets",
    "dashboards",
    "decisions",
    "formal",
    "ledger",
    "payments",
    "phase",
    "proofs",
    "reclaims",
    "releases",
    "reminders",
]
