"""Revocations and reclaims: the hearing before a revocation or withdrawal (§ 28 VwVfG), the
revocation decision drafted here and released as every decision is, the refunds received,
and the interest on the reclaim (§ 49a VwVfG) set — or waived — by a person.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
