"""The jury as a committee (§§ 88–93 VwVfG): members per call, sessions with attendance,
agenda items, exclusions (§ 20 Abs. 4), votes (§§ 90, 91) and immutable minutes (§ 93); and
the conflicts of interest of the officials who decide (``officials``:
``ensure_official_not_excluded``).

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["officials", "schemas", "service"]
