"""HTTP routes listing and searching applications."""

from litestar import Controller

CONTROLLERS: list[type[Controller]] = []
