"""Applications: drafts, submission with receipts, lifecycle, requests for information."""
