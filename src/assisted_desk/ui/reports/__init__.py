"""The Reports area: filters, tables and charts, drill-down and export."""

from .page import ReportsPage

__all__ = ["ReportsPage"]
