"""The errors a person at a desk can act on, kept apart from bugs.

`ValidationError` and `PermissionDenied` come from what someone asked for; `EnvironmentFault`
from the machine or the network. Anything else escaping a service is a bug.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error that carries a message meant for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(DeskError):
    """Input that cannot be accepted: names the field, what is wrong and what is allowed."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(DeskError):
    """The acting staff member's role does not allow this."""


class NotFound(DeskError):
    """The record asked for does not exist (or no longer does)."""


class ConflictError(DeskError):
    """Someone else saved the same record first; nothing was overwritten."""


class SignInRefused(DeskError):
    """A sign-in that did not succeed; the message is safe to show at a public desk."""

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class EnvironmentFault(DeskError):
    """The database, disk or network is not usable. `advice` says what to do about it."""

    def __init__(self, message: str, advice: str = "", *, needs_password: bool = False) -> None:
        super().__init__(message)
        self.advice = advice
        # True when asking for the database password again could fix it.
        self.needs_password = needs_password

    def __str__(self) -> str:
        return f"{self.message} {self.advice}".strip()


class FileProblem(Exception):
    """A data file the application reads (request declarations, a skills framework) cannot be
    used: says which file, which line where known, and what is wrong. Not a DeskError: it is
    fixed by whoever edits the file, not at the desk."""

    def __init__(self, path, line: int | None, problem: str) -> None:
        where = f"{path.name}, line {line}" if line else path.name
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = path, line, problem
