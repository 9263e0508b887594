"""Guidelines: the funding guidelines this installation knows, their recorded versions, and
the anonymous eligibility pre-check.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["registry", "schemas", "service"]
