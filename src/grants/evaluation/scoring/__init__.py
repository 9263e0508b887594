"""Scoring: evaluators' score sheets, their submission and reopening.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
