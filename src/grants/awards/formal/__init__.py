"""The formal application (Antrag, stage two): what an invited applicant adds to the sketch
for a decision — the plan per fiscal year, staff posts, partners' shares, legal
representatives, register, bank account, tax and VAT status, economic sector, linked
undertakings — drafted, then submitted with its own receipt, snapshot and Eingangsnummer.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
