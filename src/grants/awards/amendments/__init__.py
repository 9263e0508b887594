"""Amendments (*Änderungsbescheide*): on the recipient's request (*Änderungsantrag*, ANBest-P
Nr. 5) a manager changes a grant in force — money moved between categories or fiscal years,
the approval period extended — as a decision composed like an approval, judged again on its
date, and released by a person; its release moves the commitments year by year under the
budget's row lock.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__ = ["schemas", "service"]
