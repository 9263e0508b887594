"""Letters as PDF: every released decision's letter (Bescheid) and the receipts, rendered
from their data with the project's own templates and fonts as PDF/A-3b with that data
inside, issued on the job queue (one at a time or a call's in bulk), stored immutable,
downloadable by the recipient and staff; previews marked "ENTWURF".

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["jobs", "on_request", "pool", "schemas", "service"]
