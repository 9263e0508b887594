"""Imports every feature's tables so that ``metadata`` is complete for Alembic and the drift
test. Add each new feature's ``tables`` module here."""

from grants.accounts import tables as accounts_tables
from grants.applications import tables as applications_tables
from grants.applications.attachments import tables as attachments_tables
from grants.applications.early_start import tables as early_start_tables
from grants.audit import tables as audit_tree_tables
from grants.awards import tables as awards_tables
from grants.awards.formal import tables as formal_tables
from grants.awards.proofs import tables as proofs_tables
from grants.awards.reclaims import tables as reclaims_tables
from grants.awards.releases import tables as releases_tables
from grants.db import audit
from grants.db.base import metadata
from grants.db.request_counters import counters_table as request_counters
from grants.evaluation import tables as evaluation_tables
from grants.evaluation.jury import tables as jury_tables
from grants.guidelines import tables as guidelines_tables
from grants.letters import tables as letters_tables
from grants.municipalities import tables as municipalities_tables
from grants.notifications import tables as notifications_tables
from grants.web import tables as web_tables

__all__ = [
    "accounts_tables",
    "applications_tables",
    "attachments_tables",
    "audit",
    "audit_tree_tables",
    "awards_tables",
    "early_start_tables",
    "evaluation_tables",
    "formal_tables",
    "guidelines_tables",
    "jury_tables",
    "letters_tables",
    "metadata",
    "municipalities_tables",
    "notifications_tables",
    "proofs_tables",
    "reclaims_tables",
    "releases_tables",
    "request_counters",
    "web_tables",
]
