"""Evaluation: formal check, evaluator pool and conflicts of interest, assignment, scoring,
ranking and the jury's recommendation."""
