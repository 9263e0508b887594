"""Payments (Mittelabrufe): requested by the recipient, certified by one member of staff,
ordered by another.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
