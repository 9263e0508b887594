"""Applications: drafts, submission with receipts, lifecycle, requests for information.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = [
    "access",
    "attachments",
    "checking",
    "content",
    "cursor",
    "drafts",
    "early_start",
    "history",
    "information_requests",
    "listing",
    "queries",
    "schemas",
    "submission",
    "transitions",
]
