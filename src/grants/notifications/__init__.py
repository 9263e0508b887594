"""Notifications: the e-mail outbox and the worker that delivers it.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["account_messages", "messages", "service", "worker"]
