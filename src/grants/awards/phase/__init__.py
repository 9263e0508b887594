"""Where an award stands after its decision, derived on every read (``core.award_phase``):
the phase and what is still open, for the recipient and the managers.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
