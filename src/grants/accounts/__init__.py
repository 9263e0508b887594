"""Accounts: organisations, users and memberships, staff roles, signing in and tokens.

Other features may import the modules in ``__all__``; the rest (tables, routes, passwords,
middleware) belongs to this feature and the app that wires it. The portal (``web``) signs
people in and registers them through the same services as the API: ``signin``, ``tokens``,
``registration``, ``password_reset``, ``invitations`` and the limits they take (``policy``,
``throttle``) are public for it.
"""

__all__ = [
    "delivery_consent",
    "invitations",
    "password_reset",
    "policy",
    "queries",
    "registration",
    "schemas",
    "service",
    "signin",
    "throttle",
    "tokens",
]
