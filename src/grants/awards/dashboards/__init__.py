"""Dashboards for programme managers: committed, paid, open and free per programme, call, line
and fiscal year; the pipeline by status; awards by district and by rural or urban area; and
the monthly series of commitments and payments — as JSON, CSV and XLSX."""

__all__ = ["exports", "schemas", "service"]
