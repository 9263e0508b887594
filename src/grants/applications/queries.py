"""The applications feature's read surface for other features: the tables to join and look up.

Evaluation (assignment, conflicts of interest, the evaluator's view, scoring, ranking and the
jury's decisions) joins applications and their frozen submissions into its own queries. These
handles are for joins and lookups only: every write to an application or a submission goes
through this feature's use cases (``drafts``, ``submission``, ``transitions``,
``information_requests``), which keep the lifecycle, the event log and the audit trail.
"""

from grants.applications.tables import applications_table, submissions_table

__all__ = ["applications_table", "submissions_table"]
