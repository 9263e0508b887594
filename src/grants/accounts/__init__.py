"""Accounts: organisations, users and memberships, staff roles, signing in and tokens.

Other features may import the modules in ``__all__``; the rest (tables, routes, signin,
tokens, throttle, passwords, middleware) belongs to this feature and the app that wires it.
"""

__all__ = ["delivery_consent", "queries", "schemas", "service"]
