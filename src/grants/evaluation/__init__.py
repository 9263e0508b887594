"""Evaluation: formal check, evaluator pool and conflicts of interest, assignment, scoring,
ranking and the jury's recommendation.

The sub-features share ``evaluation.tables``; other features may reach only the sub-features
in ``__all__``, and within each only the modules in its own ``__all__``.
"""

__all__ = ["assignment", "formal_check", "jury", "ranking", "scoring"]
