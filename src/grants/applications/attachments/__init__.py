"""Attachments: uploads checked by content, stored behind one interface, scanned for malware.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["filetypes", "jobs", "scanner", "schemas", "service", "storage", "upload_forms"]
