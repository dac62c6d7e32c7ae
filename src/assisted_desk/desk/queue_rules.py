"""What to tell a desk that asks for a ticket change its state does not allow: one sentence about
where the ticket is now and who put it there, so the second of two desks knows what happened."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy.orm import Session

from ..core.errors import ValidationError
from .models import QueueTicket
from .queue_common import london_time, staff_name_for_username, staff_names
from .vocab import TicketStatus


def describe_ticket(session: Session, ticket: QueueTicket) -> str:
    """Where the ticket is now: "Ticket 7 was already called by Ana Silva at 10:42." """
    number = ticket.number
    names = staff_names(session, [ticket.served_by_id, ticket.transferred_to_id])
    holder = names.get(ticket.served_by_id) or staff_name_for_username(session, ticket.updated_by)
    status = TicketStatus(ticket.status)
    if status == TicketStatus.CALLED:
        # After a transfer the first call is kept for the wait; the colleague's call is the last change.
        called = ticket.called_at if ticket.started_at is None else ticket.updated_at
        return f"Ticket {number} was already called by {holder} at {london_time(called)}."
    if status == TicketStatus.SERVING:
        return f"Ticket {number} is already being served by {holder} (since {london_time(ticket.started_at)})."
    if status == TicketStatus.DONE:
        return f"Ticket {number} has already been served: {holder} ended it at {london_time(ticket.ended_at)}."
    if status == TicketStatus.NO_SHOW:
        who = staff_name_for_username(session, ticket.updated_by)
        return f"Ticket {number} was marked as a no-show by {who} at {london_time(ticket.ended_at)}."
    waiting_for = names.get(ticket.transferred_to_id)
    changed = (f"last changed by {staff_name_for_username(session, ticket.updated_by)} at "
               f"{london_time(ticket.updated_at)}")
    if waiting_for:
        return f"Ticket {number} is waiting for {waiting_for} ({changed})."
    return f"Ticket {number} is waiting ({changed})."


# Refusals that say more than where the ticket is: (action, status) -> what to do instead.
_INSTEAD = {
    ("start", TicketStatus.WAITING): "Ticket {n} has not been called yet; call it first.",
    ("end", TicketStatus.WAITING): "Ticket {n} has not been called yet, so there is no service to end.",
    ("no_show", TicketStatus.SERVING): "Ticket {n} is being served, so the person did come: end the service instead.",
    ("back", TicketStatus.WAITING): "Ticket {n} is already waiting.",
    ("back", TicketStatus.SERVING): "The service of ticket {n} has started: end it or transfer it instead.",
}


def refuse_transition(session: Session, ticket: QueueTicket, action: str) -> NoReturn:
    """Raise the refusal for `action` (call, start, end, no_show, back, transfer) on this ticket."""
    instead = _INSTEAD.get((action, TicketStatus(ticket.status)))
    if instead:
        raise ValidationError(instead.format(n=ticket.number))
    raise ValidationError(describe_ticket(session, ticket))
