"""Health: liveness and readiness probes. Nothing here is for other features."""

__all__: list[str] = []
