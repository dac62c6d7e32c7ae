"""The walk-in queue and phone callbacks, as the Desk area's tabs show them."""

from .callbacks_panel import CallbacksPanel
from .queue_panel import QueuePanel

__all__ = ["CallbacksPanel", "QueuePanel"]
