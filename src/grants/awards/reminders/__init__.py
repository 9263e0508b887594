"""Reminders and the overdue list: the reports each award owes (interim and final proofs of
use), reminded by e-mail before and after they fall due by a daily job, and listed for the
managers with what else waits — outstanding reclaims and payment requests not yet decided.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["jobs", "schemas", "service"]
