"""HTTP routes of the evaluation feature (see the module name)."""

from litestar import Controller

CONTROLLERS: list[type[Controller]] = []
