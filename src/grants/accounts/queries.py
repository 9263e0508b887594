"""The accounts feature's read surface for other features: the tables to join and look up.

Evaluation joins users (id, display name, e-mail) and staff-role grants (who holds which role)
into its own queries. These handles are for joins and lookups only: select the columns you
need (``users.password_hash`` is never one of them); every write to a user or a role grant
goes through ``accounts.service``.
"""

from grants.accounts.tables import staff_roles_table, users_table

__all__ = ["staff_roles_table", "users_table"]
