"""Ranking: the ranking of a call with its funding line and what-if simulation, exports, and
the jury's decisions.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["decisions", "exports", "queries", "schemas", "service"]
