"""Assisted Desk: helping residents use council services at library and hub desks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("assisted-desk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
