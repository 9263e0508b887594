"""Attachments: uploads checked by content, stored behind one interface, scanned for malware."""
