"""Assisted Desk: helping residents use council services at library and hub desks."""

# The one place the version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"
