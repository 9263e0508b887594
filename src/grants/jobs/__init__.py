"""Jobs: one PostgreSQL-backed queue (procrastinate) for everything that runs later.

Mail delivery, attachment rescans and the queue's own housekeeping are procrastinate tasks
(``registry``); ``grants worker`` runs them (``worker``), as many processes on as many
machines as needed, and ``grants serve`` runs one in-process on the embedded database.
Changes defer their jobs in their own transaction (``defer``); failures are retried with
exponential back-off (``retry``); ``health`` and ``admin`` read the queue for the readiness
probe and ``grants jobs``.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["admin", "app", "defer", "health", "periodic", "registry", "retry", "worker"]
