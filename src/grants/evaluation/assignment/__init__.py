"""Assignment: the evaluator pool, conflicts of interest, balanced assignment of applications
to evaluators and the evaluator's own view.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["evaluator_view", "pool", "schemas", "service"]
