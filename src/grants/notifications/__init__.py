"""Notifications: the e-mail outbox and the worker that delivers it."""
