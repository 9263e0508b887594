"""Decisions (Bescheide): drafted by staff with the system's proposal beside them, approved by a
second person where the programme requires it, released by the named official."""

__all__ = ["schemas", "service"]
