"""The consent to an early start (vorzeitiger Maßnahmebeginn): an act of the authority,
recorded by programme managers, visible to the applicant; ``service.early_start_consent_of``
answers the eligibility engine's question whether a consent is in force.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
