"""Budgets per fiscal year: programme, call and funding line."""

__all__ = ["schemas", "service"]
