"""Formal check (Formalprüfung): a programme manager's check of a submission.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["queries", "schemas", "service"]
