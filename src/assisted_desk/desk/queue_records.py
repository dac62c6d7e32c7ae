"""What the queue service hands to screens and reports: tickets, the waiting list and a day's
waits, as plain frozen records built in one go from the rows of one unit of work."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ..core.clock import as_utc
from .models import QueueTicket
from .queue_common import resident_names, staff_names
from .vocab import TicketStatus

RECORD_TYPE = "queue_ticket"


@dataclass(frozen=True)
class TicketView:
    id: int
    site_id: int
    day: date
    number: int
    resident_id: int | None
    visitor_name: str
    name: str  # the resident's name, else the visitor's, else "" (an anonymous ticket)
    reason: str
    status: TicketStatus
    arrived_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    served_by_id: int | None
    served_by_name: str
    transferred_to_id: int | None
    transferred_to_name: str
    transfer_note: str
    version: int

    @property
    def wait_minutes(self) -> float | None:
        """Called − arrived, once called."""
        return None if self.called_at is None else (self.called_at - self.arrived_at).total_seconds() / 60

    @property
    def service_minutes(self) -> float | None:
        """Ended − called, for a ticket that was served (a no-show had no service)."""
        if self.status != TicketStatus.DONE or self.called_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.called_at).total_seconds() / 60


@dataclass(frozen=True)
class WaitingEntry:
    ticket: TicketView
    waited_minutes: int  # whole minutes since arrival
    over_target: bool  # waited longer than the site's target


@dataclass(frozen=True)
class WaitingList:
    site_id: int
    site_name: str
    target_wait_minutes: int
    as_of: datetime
    entries: tuple[WaitingEntry, ...]  # oldest first

    @property
    def over_target_count(self) -> int:
        return sum(entry.over_target for entry in self.entries)


@dataclass(frozen=True)
class WaitSummary:
    """A site-day's waits, for the reporting KPIs. Waits are in minutes, of the tickets that were
    called (`count`); the 90th percentile is the nearest-rank one (the wait 90% were within)."""

    site_id: int
    day: date
    target_wait_minutes: int
    issued: int
    count: int
    average_wait_minutes: float | None
    p90_wait_minutes: float | None
    longest_wait_minutes: float | None
    over_target: int
    served: int
    no_shows: int
    average_service_minutes: float | None


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The smallest value with at least `percent`% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def ticket_views(session: Session, tickets: Sequence[QueueTicket]) -> list[TicketView]:
    """Records for these tickets, with names looked up once for all of them."""
    residents = resident_names(session, (t.resident_id for t in tickets))
    staff = staff_names(session, [i for t in tickets for i in (t.served_by_id, t.transferred_to_id)])
    return [
        TicketView(
            id=t.id, site_id=t.site_id, day=t.day, number=t.number, resident_id=t.resident_id,
            visitor_name=t.visitor_name,
            name=residents.get(t.resident_id, "") if t.resident_id is not None else t.visitor_name,
            reason=t.reason, status=TicketStatus(t.status), arrived_at=as_utc(t.arrived_at),
            called_at=_utc(t.called_at), started_at=_utc(t.started_at), ended_at=_utc(t.ended_at),
            served_by_id=t.served_by_id, served_by_name=staff.get(t.served_by_id, ""),
            transferred_to_id=t.transferred_to_id, transferred_to_name=staff.get(t.transferred_to_id, ""),
            transfer_note=t.transfer_note if t.transferred_to_id is not None else "",
            version=t.version,
        )
        for t in tickets
    ]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def summarise_waits(site_id: int, day: date, target: int, tickets: Sequence[QueueTicket]) -> WaitSummary:
    waits = [(as_utc(t.called_at) - as_utc(t.arrived_at)).total_seconds() / 60
             for t in tickets if t.called_at is not None]
    served = [(as_utc(t.ended_at) - as_utc(t.called_at)).total_seconds() / 60
              for t in tickets if t.status == TicketStatus.DONE.value and t.called_at and t.ended_at]
    return WaitSummary(
        site_id=site_id, day=day, target_wait_minutes=target, issued=len(tickets), count=len(waits),
        average_wait_minutes=sum(waits) / len(waits) if waits else None,
        p90_wait_minutes=nearest_rank(waits, 90),
        longest_wait_minutes=max(waits) if waits else None,
        over_target=sum(w > target for w in waits),
        served=len(served),
        no_shows=sum(t.status == TicketStatus.NO_SHOW.value for t in tickets),
        average_service_minutes=sum(served) / len(served) if served else None,
    )
