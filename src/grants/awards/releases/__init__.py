"""Bulk release of decisions on the job queue: after a jury meeting a programme manager
releases dozens or hundreds of drafted decisions at once, as the named official, without the
web service doing the work. Each decision is released by its own job in its own transaction,
with its item's outcome; a crash loses nothing and a retried job releases nothing twice.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["jobs", "schemas", "service"]
