"""HTTP routes of the attachments feature."""

from litestar import Controller

CONTROLLERS: list[type[Controller]] = []
