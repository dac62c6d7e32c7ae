"""The resident's timeline: everything about one resident, newest first, each line naming what
to open.

Each kind of record contributes through a timeline source: a function that, inside the
timeline's unit of work, yields the items for one resident. Later work (cases, assessments,
referrals, printed guides, submissions) adds its own with `register_timeline_source`; the
timeline, and the screen showing it, need no change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.clock import Clock, local_text
from ..core.db import Database
from ..core.models import Site, Staff
from ..core.security import Actor, Permission, require
from .catalogue import describe_scope
from .contact_details import show_phone
from .models import Callback, CallbackAttempt, Consent, Interaction, QueueTicket, Representative, ServiceEntry
from .representatives import last_london_day, long_date, open_resident, split_scope
from .vocab import (
    AvoidableReason,
    CallbackStatus,
    Channel,
    ConsentMethod,
    ConsentPurpose,
    ContactMethod,
    HelpType,
    Outcome,
    RepresentativeKind,
    Satisfaction,
    TicketStatus,
)

# Item kinds. Strings, not an enum: later packages add their own.
INTERACTION = "interaction"
CONSENT_GIVEN = "consent_given"
CONSENT_WITHDRAWN = "consent_withdrawn"
CONSENT_EXPIRED = "consent_expired"
REPRESENTATIVE_ADDED = "representative_added"
REPRESENTATIVE_ENDED = "representative_ended"
QUEUE_TICKET = "queue_ticket"
CALLBACK = "callback"

# What a line opens: the record's kind and id.
OPEN_INTERACTION = "interaction"
OPEN_CONSENT = "consent"
OPEN_REPRESENTATIVE = "representative"
OPEN_QUEUE_TICKET = "queue_ticket"
OPEN_CALLBACK = "callback"


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    when: datetime
    title: str
    detail: str
    reference: str  # what the resident can quote, or ""
    open_kind: str  # what Enter on this line opens...
    open_id: int  # ...and which one


@dataclass(frozen=True)
class TimelineContext:
    session: Session
    clock: Clock
    resident_id: int
    actor: Actor | None = None  # who is looking: a source may show less to staff without its permission


TimelineSource = Callable[[TimelineContext], Iterable[TimelineItem]]
_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    """Add (or replace) a kind of record on every resident's timeline."""
    _SOURCES[name] = source


def timeline_sources() -> dict[str, TimelineSource]:
    return dict(_SOURCES)


class TimelineService:
    def __init__(self, db: Database, clock: Clock, sources: dict[str, TimelineSource] | None = None) -> None:
        self.db = db
        self.clock = clock
        self._sources = sources  # None: whatever is registered when asked

    def for_resident(self, actor: Actor, resident_id: int) -> tuple[TimelineItem, ...]:
        """Everything recorded about the resident, newest first. Refuses without view-residents,
        or a resident who does not exist or was merged into another record."""
        require(actor, Permission.VIEW_RESIDENTS)
        sources = self._sources if self._sources is not None else timeline_sources()
        with self.db.unit_of_work() as session:
            open_resident(session, resident_id)
            context = TimelineContext(session, self.clock, resident_id, actor)
            items = [item for source in sources.values() for item in source(context)]
        # Newest first; among equal times, the later-created record (higher id) first, and of one
        # record's lines the later one (a withdrawal after its consent).
        order = sorted(enumerate(items), key=lambda pair: (pair[1].when, pair[1].open_id, pair[0]), reverse=True)
        return tuple(item for _index, item in order)


# ---- the desk's own sources -----------------------------------------------------------------------


def _staff_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(wanted))).all())


def _site_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(wanted))).all())


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _interactions(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    rows = session.scalars(select(Interaction).where(Interaction.resident_id == context.resident_id)).all()
    services = dict(session.execute(select(ServiceEntry.code, ServiceEntry.name)).all())
    staff = _staff_names(session, (r.staff_id for r in rows))
    reps = {r.id: r for r in session.scalars(select(Representative).where(
        Representative.resident_id == context.resident_id))}
    for row in rows:
        rep = reps.get(row.representative_id)
        notes = row.notes.split("\n", 1)[0]
        detail = _join(
            Channel(row.channel).label, HelpType(row.help_type).label,
            f"{row.minutes} min",
            AvoidableReason(row.avoidable).label if row.avoidable else "",
            f"satisfaction: {Satisfaction(row.satisfaction).label.lower()}" if row.satisfaction else "",
            f"with {rep.name}" if rep else "",
            f"by {staff.get(row.staff_id, row.updated_by)}",
            notes[:120] + ("…" if len(notes) > 120 else ""),
        )
        yield TimelineItem(INTERACTION, row.occurred_at,
                           f"Contact: {services.get(row.service_code, row.service_code)} — "
                           f"{Outcome(row.outcome).label.lower()}",
                           detail, row.reference, OPEN_INTERACTION, row.id)


def _consent_scope(session: Session, row: Consent) -> str:
    purpose = ConsentPurpose(row.purpose)
    if purpose == ConsentPurpose.ACT_ON_BEHALF:
        return f"act for them with {describe_scope(session, [row.scope])}"
    if purpose == ConsentPurpose.CONTACT:
        return f"contact by {ContactMethod(row.scope).label.lower() if row.scope != 'sms' else 'SMS'}"
    return f"share details with {row.scope}"


def _consents(context: TimelineContext) -> Iterable[TimelineItem]:
    session, now = context.session, context.clock.now()
    rows = session.scalars(select(Consent).where(Consent.resident_id == context.resident_id)).all()
    staff = _staff_names(session, (r.recorded_by_id for r in rows))
    reps = {r.id: r for r in session.scalars(select(Representative).where(
        Representative.resident_id == context.resident_id))}
    for row in rows:
        what = _consent_scope(session, row)
        rep = reps.get(row.representative_id)
        given_by = f"given by {rep.name} ({RepresentativeKind(rep.relationship).label})" if rep else \
            "given by the resident"
        until = f"valid until {long_date(last_london_day(row.expires_at))}" if row.expires_at else ""
        yield TimelineItem(CONSENT_GIVEN, row.given_at, f"Consent given: {what}",
                           _join(ConsentMethod(row.method).label, given_by, until,
                                 f"recorded by {staff.get(row.recorded_by_id, row.updated_by)}", row.note),
                           "", OPEN_CONSENT, row.id)
        if row.withdrawn_at is not None:
            yield TimelineItem(CONSENT_WITHDRAWN, row.withdrawn_at, f"Consent withdrawn: {what}",
                               _join(f"by {row.withdrawn_by}", row.withdrawal_note), "", OPEN_CONSENT, row.id)
        elif row.expires_at is not None and row.expires_at <= now:
            yield TimelineItem(CONSENT_EXPIRED, row.expires_at, f"Consent expired: {what}",
                               f"given on {long_date(row.given_at)}", "", OPEN_CONSENT, row.id)


def _representatives(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    for rep in session.scalars(select(Representative).where(Representative.resident_id == context.resident_id)):
        label = f"{rep.name} ({RepresentativeKind(rep.relationship).label})"
        scope = split_scope(rep.authority_scope)
        authority = f"may act for {describe_scope(session, list(scope))}" if scope else "no authority to act"
        yield TimelineItem(REPRESENTATIVE_ADDED, rep.created_at, f"Representative added: {label}",
                           _join(authority, f"valid until {long_date(rep.valid_until)}" if rep.valid_until else "",
                                 f"evidence: {rep.evidence}" if rep.evidence else "", show_phone(rep.phone),
                                 f"by {rep.created_by}"),
                           "", OPEN_REPRESENTATIVE, rep.id)
        if rep.ended_at is not None:
            yield TimelineItem(REPRESENTATIVE_ENDED, rep.ended_at, f"Representative ended: {label}",
                               f"by {rep.updated_by}", "", OPEN_REPRESENTATIVE, rep.id)


def _minutes_between(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return ""
    return f"{max(0, round((end - start).total_seconds() / 60))} min"


def _queue_tickets(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    rows = session.scalars(select(QueueTicket).where(QueueTicket.resident_id == context.resident_id)).all()
    sites = _site_names(session, (r.site_id for r in rows))
    staff = _staff_names(session, (r.served_by_id for r in rows))
    for row in rows:
        waited = _minutes_between(row.arrived_at, row.called_at)
        served = _minutes_between(row.called_at, row.ended_at)
        detail = _join(TicketStatus(row.status).label, row.reason,
                       f"waited {waited}" if waited else "", f"served for {served}" if served else "",
                       f"by {staff[row.served_by_id]}" if row.served_by_id in staff else "")
        yield TimelineItem(QUEUE_TICKET, row.arrived_at,
                           f"Walk-in ticket {row.number} at {sites.get(row.site_id, '')}".strip(),
                           detail, "", OPEN_QUEUE_TICKET, row.id)


def _callbacks(context: TimelineContext) -> Iterable[TimelineItem]:
    session = context.session
    rows = session.scalars(select(Callback).where(Callback.resident_id == context.resident_id)).all()
    attempts = dict(session.execute(
        select(CallbackAttempt.callback_id, func.count(CallbackAttempt.id))
        .where(CallbackAttempt.callback_id.in_([r.id for r in rows])).group_by(CallbackAttempt.callback_id)
    ).all()) if rows else {}
    for row in rows:
        tries = attempts.get(row.id, 0)
        detail = _join(CallbackStatus(row.status).label, f"due by {local_text(row.due_by)}", show_phone(row.phone),
                       f"{tries} attempt{'s' if tries != 1 else ''}" if tries else "", f"by {row.created_by}")
        yield TimelineItem(CALLBACK, row.created_at, f"Callback: {(row.reason.splitlines() or [''])[0][:120]}",
                           detail, "", OPEN_CALLBACK, row.id)


register_timeline_source("interactions", _interactions)
register_timeline_source("consents", _consents)
register_timeline_source("representatives", _representatives)
register_timeline_source("queue_tickets", _queue_tickets)
register_timeline_source("callbacks", _callbacks)

__all__ = [
    "TimelineContext", "TimelineItem", "TimelineService", "TimelineSource",
    "register_timeline_source", "timeline_sources",
]
