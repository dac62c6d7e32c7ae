"""The walk-in queue at a site: a ticket on arrival, numbered from 1 each London day; called,
served, ended, marked no-show, transferred to a colleague or put back to waiting.

Rules a desk can rely on:
- A staff member has at most one ticket called or in service: the one on their "now serving" strip.
- A ticket transferred to a colleague is called only by that colleague. Their "call next" offers
  the tickets transferred to them before the general queue, oldest first: those people were seen
  once already and were promised that colleague. Anyone at the site may take over a waiting
  transferred ticket by transferring it to themselves (the colleague may have gone home).
- Waiting time runs from arrival to the FIRST call, service time from that call to the end,
  across any transfer. So transferring a called ticket counts as its service having started, and
  "back to waiting" (called by mistake) forgets the call only when no service had started.
- Two desks cannot both act on one ticket: every change checks the ticket's version, and the
  desk that comes second is told what happened to the ticket instead.
"""

from __future__ import annotations

import random
import time

from datetime import date

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import ConflictError, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from .models import QueueTicket
from .queue_common import (
    Colleague,
    check_same_site,
    colleague_at,
    colleagues_at,
    london_day,
    london_time,
    oversees_every_site,
    resident_for,
    site_for,
    staff_names,
)
from .queue_records import (
    RECORD_TYPE,
    TicketView,
    WaitingEntry,
    WaitingList,
    WaitSummary,
    summarise_waits,
    ticket_views,
)
from .queue_rules import describe_ticket, refuse_transition
from .vocab import TicketStatus

_TRIES = 20  # other desks taking the same number (or ticket) this many times in a row is not a queue


def _back_off(attempt: int) -> None:
    # Desks that clashed retry at random moments, so the same two do not clash again in lockstep.
    time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
_ACTIVE = (TicketStatus.CALLED.value, TicketStatus.SERVING.value)


def _numbering_clash(error: IntegrityError) -> bool:
    said = str(error.orig)
    return "uq_queue_ticket_site_day_number" in said or "queue_ticket.number" in said


class QueueService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ---- issuing --------------------------------------------------------------------------

    def issue_ticket(self, actor: Actor, *, resident_id: int | None = None, visitor_name: str = "",
                     reason: str = "", site_id: int | None = None) -> TicketView:
        """Give someone who has just arrived the next number of the day at the site (the actor's
        own, or for an administrator the one named). Resident and visitor name are both optional.
        Refuses without the run-queue permission, another site's queue for non-administrators, a
        closed site, an unknown resident, or a name or reason too long. Two desks issuing at the
        same moment never get the same number: a clash is retried with the next one."""
        require(actor, Permission.RUN_QUEUE)
        name = clean_text(visitor_name, field="visitor_name", label="Visitor name", max_length=120, required=False)
        why = clean_text(reason, field="reason", label="Reason", max_length=200, required=False)
        for attempt in range(_TRIES):
            try:
                with self.db.unit_of_work() as session:
                    site = site_for(session, actor, site_id)
                    if not site.active:
                        raise ValidationError(f"{site.name} is closed; tickets cannot be issued there.",
                                              field="site")
                    resident = resident_for(session, resident_id) if resident_id is not None else None
                    now = self.clock.now()
                    day = london_day(now)
                    last = session.scalar(
                        select(func.max(QueueTicket.number)).where(QueueTicket.site_id == site.id,
                                                                   QueueTicket.day == day)
                    )
                    ticket = QueueTicket(
                        site_id=site.id, day=day, number=(last or 0) + 1,
                        resident_id=resident.id if resident else None, visitor_name=name, reason=why,
                        status=TicketStatus.WAITING.value, arrived_at=now, issued_by_id=actor.staff_id,
                        updated_at=now, updated_by=actor.username,
                    )
                    session.add(ticket)
                    session.flush()
                    if resident is not None or name:
                        record_audit(session, self.clock, actor, "queue.issued", RECORD_TYPE, ticket.id,
                                     f"ticket {ticket.number} on {day.isoformat()}"
                                     + (f" for resident {resident.id}" if resident else " for a named visitor"))
                    return ticket_views(session, [ticket])[0]
            except IntegrityError as error:
                if not _numbering_clash(error):
                    raise
                _back_off(attempt)
        raise ConflictError("Other desks kept taking the same ticket number; nothing was issued. Try again.")

    # ---- calling ----------------------------------------------------------------------------

    def call_next(self, actor: Actor, site_id: int | None = None) -> TicketView | None:
        """Call the next person: the oldest ticket transferred to the actor, else the oldest
        waiting ticket not transferred to anyone. None when nobody is waiting for them. Refuses
        while the actor is still with another ticket. If another desk calls the same ticket at the
        same moment, the next one is taken instead."""
        require(actor, Permission.RUN_QUEUE)
        for attempt in range(_TRIES):
            try:
                with self.db.unit_of_work() as session:
                    site = site_for(session, actor, site_id)
                    self._refuse_second_ticket(session, actor)
                    mine = QueueTicket.transferred_to_id == actor.staff_id
                    ticket = session.scalars(
                        select(QueueTicket)
                        .where(QueueTicket.site_id == site.id, QueueTicket.day == london_day(self.clock.now()),
                               QueueTicket.status == TicketStatus.WAITING.value,
                               or_(QueueTicket.transferred_to_id.is_(None), mine))
                        .order_by(case((mine, 0), else_=1), QueueTicket.arrived_at, QueueTicket.number)
                        .limit(1)
                    ).first()
                    if ticket is None:
                        return None
                    self._call(session, actor, ticket)
                    return ticket_views(session, [ticket])[0]
            except StaleDataError:  # another desk called that ticket a moment ago: take the next one
                _back_off(attempt)
        raise ConflictError("Other desks kept calling the same tickets first; press Call next again.")

    def call_ticket(self, actor: Actor, ticket_id: int, expected_version: int | None = None) -> TicketView:
        """Call a chosen waiting ticket. Refuses a ticket that is not waiting (saying who has it),
        one transferred to a colleague, one from an earlier day, a stale version, or while the
        actor is still with another ticket."""
        def call(session: Session, ticket: QueueTicket) -> None:
            self._refuse_second_ticket(session, actor)
            self._call(session, actor, ticket)

        return self._change(actor, ticket_id, expected_version, "call", call)

    def _call(self, session: Session, actor: Actor, ticket: QueueTicket) -> None:
        if actor.staff_id is None:
            raise ValidationError("Only a signed-in staff member can call a ticket.")
        if ticket.status != TicketStatus.WAITING.value:
            refuse_transition(session, ticket, "call")
        if ticket.transferred_to_id not in (None, actor.staff_id):
            to = staff_names(session, [ticket.transferred_to_id]).get(ticket.transferred_to_id, "a colleague")
            raise ValidationError(
                f"Ticket {ticket.number} was transferred to {to}; only {to} can call it. "
                "To take it over, transfer it to yourself."
            )
        if ticket.day != london_day(self.clock.now()):
            raise ValidationError(
                f"Ticket {ticket.number} was issued on {ticket.day:%d/%m/%Y}; only today's tickets are called. "
                "Issue a new ticket if the person is here today."
            )
        ticket.status = TicketStatus.CALLED.value
        ticket.called_at = ticket.called_at or self.clock.now()
        ticket.served_by_id = actor.staff_id

    def _refuse_second_ticket(self, session: Session, actor: Actor) -> None:
        current = self._current(session, actor)
        if current is not None:
            raise ValidationError(
                f"You are still with ticket {current.number} (called at {london_time(current.called_at)}). "
                "End it, mark a no-show, transfer it or put it back before calling another."
            )

    @staticmethod
    def _current(session: Session, actor: Actor) -> QueueTicket | None:
        if actor.staff_id is None:
            return None
        return session.scalars(
            select(QueueTicket)
            .where(QueueTicket.served_by_id == actor.staff_id, QueueTicket.status.in_(_ACTIVE))
            .order_by(QueueTicket.updated_at.desc(), QueueTicket.id.desc())
            .limit(1)
        ).first()

    # ---- serving ----------------------------------------------------------------------------

    def start_service(self, actor: Actor, ticket_id: int, expected_version: int | None = None) -> TicketView:
        """The called person has come to the desk. Refuses a ticket not called yet, already in
        service or closed, one called by a colleague (unless the actor is an administrator), or a
        stale version."""
        def start(session: Session, ticket: QueueTicket) -> None:
            if ticket.status != TicketStatus.CALLED.value:
                refuse_transition(session, ticket, "start")
            self._require_holder(session, actor, ticket)
            ticket.status = TicketStatus.SERVING.value
            ticket.started_at = ticket.started_at or self.clock.now()

        return self._change(actor, ticket_id, expected_version, "start", start)

    def end_service(self, actor: Actor, ticket_id: int, expected_version: int | None = None) -> TicketView:
        """Finish serving a called or in-service ticket (service time = ended − called). Refuses a
        waiting or closed ticket, one held by a colleague, or a stale version."""
        def end(session: Session, ticket: QueueTicket) -> None:
            if ticket.status not in _ACTIVE:
                refuse_transition(session, ticket, "end")
            self._require_holder(session, actor, ticket)
            ticket.status = TicketStatus.DONE.value
            ticket.ended_at = self.clock.now()

        return self._change(actor, ticket_id, expected_version, "end", end)

    def mark_no_show(self, actor: Actor, ticket_id: int, expected_version: int | None = None) -> TicketView:
        """The person did not come when called (or left while waiting). Refuses a ticket in
        service (they did come), a closed one, one called by a colleague, or a stale version."""
        def no_show(session: Session, ticket: QueueTicket) -> None:
            if ticket.status not in (TicketStatus.WAITING.value, TicketStatus.CALLED.value):
                refuse_transition(session, ticket, "no_show")
            if ticket.status == TicketStatus.CALLED.value:
                self._require_holder(session, actor, ticket)
            ticket.status = TicketStatus.NO_SHOW.value
            ticket.ended_at = self.clock.now()

        return self._change(actor, ticket_id, expected_version, "no_show", no_show)

    def back_to_waiting(self, actor: Actor, ticket_id: int, expected_version: int | None = None) -> TicketView:
        """Undo a call made by mistake: the ticket waits again in its old place. The call is
        forgotten unless service had started before a transfer. Refuses a ticket that is not
        called (in service: end or transfer it instead), one called by a colleague, or a stale
        version."""
        def back(session: Session, ticket: QueueTicket) -> None:
            if ticket.status != TicketStatus.CALLED.value:
                refuse_transition(session, ticket, "back")
            self._require_holder(session, actor, ticket)
            ticket.status = TicketStatus.WAITING.value
            ticket.served_by_id = None
            if ticket.started_at is None:
                ticket.called_at = None

        return self._change(actor, ticket_id, expected_version, "back", back)

    def transfer(self, actor: Actor, ticket_id: int, to_staff_id: int, note: str = "",
                 expected_version: int | None = None) -> TicketView:
        """Hand a ticket to a colleague at the same site, with an optional note for them. The
        ticket waits for that colleague alone; a called ticket counts as served from its first
        call. A waiting ticket may be re-routed by anyone at the site (to themselves, to take it
        over). Refuses a closed ticket, one called by someone else, a colleague who is inactive or
        at another site, a transfer to whoever has it already, a note too long, or a stale
        version."""
        text = clean_text(note, field="note", label="Note", max_length=500, required=False)

        def hand_over(session: Session, ticket: QueueTicket) -> None:
            if ticket.status not in (TicketStatus.WAITING.value, *_ACTIVE):
                refuse_transition(session, ticket, "transfer")
            if ticket.status in _ACTIVE:
                self._require_holder(session, actor, ticket)
            colleague = colleague_at(session, ticket.site_id, to_staff_id, field="to_staff")
            if ticket.status in _ACTIVE and colleague.id == ticket.served_by_id:
                raise ValidationError(f"Ticket {ticket.number} is with you already; choose a colleague.",
                                      field="to_staff")
            if ticket.status == TicketStatus.WAITING.value and ticket.transferred_to_id == colleague.id:
                raise ValidationError(f"Ticket {ticket.number} is already waiting for {colleague.display_name}.",
                                      field="to_staff")
            if ticket.status == TicketStatus.CALLED.value and ticket.started_at is None:
                ticket.started_at = self.clock.now()
            ticket.status = TicketStatus.WAITING.value
            ticket.served_by_id = None
            ticket.transferred_to_id = colleague.id
            ticket.transfer_note = text

        return self._change(actor, ticket_id, expected_version, "transfer", hand_over, always_audit=True)

    def link_resident(self, actor: Actor, ticket_id: int, resident_id: int | None,
                      expected_version: int | None = None) -> TicketView:
        """Say which resident a ticket is for (or None to unlink), e.g. once they have been found.
        Refuses an unknown resident or a stale version. Audited."""
        def link(session: Session, ticket: QueueTicket) -> None:
            ticket.resident_id = resident_for(session, resident_id).id if resident_id is not None else None

        return self._change(actor, ticket_id, expected_version, "link", link, always_audit=True)

    @staticmethod
    def _require_holder(session: Session, actor: Actor, ticket: QueueTicket) -> None:
        if ticket.served_by_id != actor.staff_id and not oversees_every_site(actor):
            holder = staff_names(session, [ticket.served_by_id]).get(ticket.served_by_id, "a colleague")
            raise ValidationError(
                f"Ticket {ticket.number} is with {holder} (called at {london_time(ticket.called_at)}); "
                f"only {holder} or an administrator can change it."
            )

    def _change(self, actor: Actor, ticket_id: int, expected_version: int | None, action: str, apply,
                *, always_audit: bool = False) -> TicketView:
        """One change to one ticket, in one unit of work, refused whole if anything is wrong."""
        require(actor, Permission.RUN_QUEUE)
        try:
            with self.db.unit_of_work() as session:
                ticket = self._ticket(session, actor, ticket_id)
                if expected_version is not None and ticket.version != expected_version:
                    raise ConflictError(f"{describe_ticket(session, ticket)} Nothing was changed.")
                apply(session, ticket)
                ticket.updated_at, ticket.updated_by = self.clock.now(), actor.username
                session.flush()
                if always_audit or ticket.resident_id is not None or ticket.visitor_name:
                    record_audit(session, self.clock, actor, f"queue.{action}", RECORD_TYPE, ticket.id,
                                 self._audit_summary(session, ticket))
                return ticket_views(session, [ticket])[0]
        except StaleDataError:
            # Another desk changed the ticket between our read and our write: say what it did.
            with self.db.unit_of_work() as session:
                ticket = self._ticket(session, actor, ticket_id)
                raise ConflictError(f"{describe_ticket(session, ticket)} Nothing was changed.") from None

    @staticmethod
    def _audit_summary(session: Session, ticket: QueueTicket) -> str:
        parts = [f"ticket {ticket.number} on {ticket.day.isoformat()} now {ticket.status}"]
        if ticket.transferred_to_id is not None:
            parts.append(f"for staff {ticket.transferred_to_id}")
        parts.append(f"resident {ticket.resident_id}" if ticket.resident_id is not None else "no resident")
        return ", ".join(parts)

    @staticmethod
    def _ticket(session: Session, actor: Actor, ticket_id: int) -> QueueTicket:
        ticket = session.get(QueueTicket, ticket_id)
        if ticket is None:
            raise NotFound("That ticket no longer exists.")
        check_same_site(actor, ticket.site_id, f"Ticket {ticket.number}")
        return ticket

    # ---- reading ----------------------------------------------------------------------------

    def get(self, actor: Actor, ticket_id: int) -> TicketView:
        """One ticket as it is now. Refuses another site's ticket to non-administrators."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            return ticket_views(session, [self._ticket(session, actor, ticket_id)])[0]

    def my_current(self, actor: Actor) -> TicketView | None:
        """The ticket the actor has called or is serving (the "now serving" strip), or None."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            ticket = self._current(session, actor)
            return None if ticket is None else ticket_views(session, [ticket])[0]

    def waiting(self, actor: Actor, site_id: int | None = None) -> WaitingList:
        """Today's waiting tickets at the site, oldest first, with whole minutes waited since
        arrival and whether that is past the site's target wait (strictly longer than it)."""
        require(actor, Permission.RUN_QUEUE)
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            site = site_for(session, actor, site_id)
            tickets = session.scalars(
                select(QueueTicket)
                .where(QueueTicket.site_id == site.id, QueueTicket.day == london_day(now),
                       QueueTicket.status == TicketStatus.WAITING.value)
                .order_by(QueueTicket.arrived_at, QueueTicket.number)
            ).all()
            target = site.target_wait_minutes or 5
            entries = []
            for view in ticket_views(session, tickets):
                seconds = max(0.0, (now - view.arrived_at).total_seconds())
                entries.append(WaitingEntry(view, int(seconds // 60), seconds > target * 60))
            return WaitingList(site.id, site.name, target, now, tuple(entries))

    def today(self, actor: Actor, site_id: int | None = None) -> tuple[TicketView, ...]:
        """Every ticket issued today at the site, by number, whatever its status."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            site = site_for(session, actor, site_id)
            tickets = session.scalars(
                select(QueueTicket)
                .where(QueueTicket.site_id == site.id, QueueTicket.day == london_day(self.clock.now()))
                .order_by(QueueTicket.number)
            ).all()
            return tuple(ticket_views(session, tickets))

    def colleagues(self, actor: Actor, site_id: int | None = None) -> tuple[Colleague, ...]:
        """Active staff at the site a ticket can be transferred to (everyone but the actor)."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            site = site_for(session, actor, site_id)
            return colleagues_at(session, site.id, actor.staff_id)

    def wait_summary(self, actor: Actor, day: date, site_id: int | None = None) -> WaitSummary:
        """Average, 90th-percentile and longest wait and their count for one site on one London
        day, with how many waits passed the target, no-shows and average service time. Refuses
        anyone who neither runs the queue nor views reports."""
        if not actor.may(Permission.RUN_QUEUE):
            require(actor, Permission.VIEW_REPORTS)
        with self.db.unit_of_work() as session:
            site = site_for(session, actor, site_id)
            tickets = session.scalars(
                select(QueueTicket).where(QueueTicket.site_id == site.id, QueueTicket.day == day)
            ).all()
            target = site.target_wait_minutes or 5
        return summarise_waits(site.id, day, target, tickets)
