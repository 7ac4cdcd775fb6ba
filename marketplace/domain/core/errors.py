"""Errors the domain raises when a rule refuses an action. The message is translated and shown."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 409

    def __init__(self, message: object, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field  # the form field the message belongs to, when there is one


class InvalidTransition(DomainError):
    pass


class ValidationError(DomainError):
    status_code = 400


class NotAllowed(DomainError):
    status_code = 403
