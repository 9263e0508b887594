"""The municipality register: each municipality's AGS key, name, district, population and
its LEP 2013 area category, imported from CSV.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["service"]
