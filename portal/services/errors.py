"""Errors the domain raises; views turn them into plain messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the program refused an action. The message is safe to show."""

    status = 409


class NotFound(DomainError):
    """No such object, or not one this person may see (the same answer, on purpose)."""

    status = 404


class InvalidTransition(DomainError):
    """A state change the state machine does not allow from the current state."""


class Conflict(DomainError):
    """Someone else changed this a moment ago (e.g. an offer withdrawn or expired)."""
