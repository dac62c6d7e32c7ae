"""Requests the desk made for residents and sent (or waiting to be sent) to the back office."""

from .panel import SubmissionsPanel

__all__ = ["SubmissionsPanel"]
