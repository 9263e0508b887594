"""Imports every feature's tables so that ``metadata`` is complete for Alembic and the drift
test. Add each new feature's ``tables`` module here."""

from grants.accounts import tables as accounts_tables
from grants.db import audit
from grants.db.base import metadata
from grants.guidelines import tables as guidelines_tables
from grants.municipalities import tables as municipalities_tables

__all__ = ["accounts_tables", "audit", "guidelines_tables", "metadata", "municipalities_tables"]
