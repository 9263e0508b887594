"""Proofs of use (Verwendungsnachweise), interim and final: drafted and submitted by the
recipient, checked by a manager (in detail for the cases a reproducible sample selects,
§ 44 Abs. 2 SäHO), the final grant recalculated and a settlement or reclaim proposed.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
