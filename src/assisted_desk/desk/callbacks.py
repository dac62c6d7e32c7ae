"""Phone callbacks: a promise to ring someone back by a time, every attempt logged, overdue ones
standing out.

"Made on time", the reporting KPI: the first attempt that reached the person (REACHED, which
also closes the callback) was at or before the due time. A callback still open after its due
time has been missed; one not yet due is not counted either way; a cancelled one is left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.audit import record_audit
from ..core.clock import LONDON, Clock, as_utc, local_text
from ..core.db import Database
from ..core.errors import ConflictError, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from .contact_details import check_phone, show_phone
from .models import Callback, CallbackAttempt
from .queue_common import (
    Colleague,
    check_same_site,
    colleague_at,
    colleagues_at,
    resident_for,
    resident_names,
    site_for,
    staff_name_for_username,
    staff_names,
)
from .vocab import AttemptOutcome, CallbackStatus

RECORD_TYPE = "callback"
# The schema has no column for why a callback was cancelled yet: it is this audit event's summary.
CANCELLED = "callback.cancelled"
FURTHEST_AHEAD = timedelta(days=90)


@dataclass(frozen=True)
class AttemptView:
    id: int
    callback_id: int
    attempted_at: datetime
    staff_id: int | None
    staff_name: str
    outcome: AttemptOutcome
    note: str


@dataclass(frozen=True)
class CallbackView:
    id: int
    site_id: int
    resident_id: int | None
    caller_name: str
    name: str  # the resident's name, else the caller's
    phone: str  # E.164
    phone_display: str
    reason: str
    due_by: datetime
    status: CallbackStatus
    overdue: bool  # still open after its due time (as of when it was read)
    assigned_to_id: int | None
    assigned_to_name: str
    completed_at: datetime | None
    created_at: datetime
    created_by: str
    attempt_count: int
    last_attempt_at: datetime | None
    last_outcome: AttemptOutcome | None
    cancel_reason: str
    version: int


@dataclass(frozen=True)
class CallbackHistory:
    callback: CallbackView
    attempts: tuple[AttemptView, ...]  # oldest first


@dataclass(frozen=True)
class CallbackTimeliness:
    """Callbacks due at a site over London days first_day..last_day (inclusive)."""

    site_id: int
    first_day: date
    last_day: date
    made_on_time: int
    late: int  # reached, but after the due time
    missed: int  # still open after the due time
    not_yet_due: int
    cancelled: int

    @property
    def counted(self) -> int:
        return self.made_on_time + self.late + self.missed

    @property
    def on_time_rate(self) -> float | None:
        return self.made_on_time / self.counted if self.counted else None


def made_on_time(due_by: datetime, reached_at: datetime | None, now: datetime) -> bool | None:
    """True when reached at or before the due time, False when reached later or still not reached
    after it, None while it is not yet due."""
    if reached_at is not None:
        return as_utc(reached_at) <= as_utc(due_by)
    return False if now > as_utc(due_by) else None


class CallbackService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def create(self, actor: Actor, *, reason: str, due_by: datetime, phone: str = "",
               resident_id: int | None = None, caller_name: str = "", assigned_to_id: int | None = None,
               site_id: int | None = None) -> CallbackView:
        """Promise a callback from the site (the actor's own, or for an administrator the one
        named). A time without a zone is London time. With a resident and no number, the
        resident's own number is used. Refuses: neither a resident nor a caller's name; a number
        that cannot be rung; no reason; a due time not in the future or more than 90 days ahead;
        an unknown resident; an assignee who is not active staff at the site."""
        require(actor, Permission.RUN_QUEUE)
        name = clean_text(caller_name, field="caller_name", label="Caller's name", max_length=120, required=False)
        why = clean_text(reason, field="reason", label="Reason", max_length=1000)
        number = check_phone(phone, field="phone", label="Phone number")
        due = self._check_due(due_by)
        with self.db.unit_of_work() as session:
            site = site_for(session, actor, site_id)
            resident = resident_for(session, resident_id) if resident_id is not None else None
            if resident is None and not name:
                raise ValidationError("Say who to ring back: choose a resident or type the caller's name.",
                                      field="caller_name")
            number = number or (resident.phone if resident is not None else "")
            if not number:
                raise ValidationError("Phone number is required: the number to ring back.", field="phone")
            if assigned_to_id is not None:
                colleague_at(session, site.id, assigned_to_id, field="assigned_to")
            now = self.clock.now()
            callback = Callback(
                site_id=site.id, resident_id=resident.id if resident else None, caller_name=name, phone=number,
                reason=why, due_by=due, status=CallbackStatus.OPEN.value, assigned_to_id=assigned_to_id,
                created_at=now, created_by=actor.username, updated_at=now, updated_by=actor.username,
            )
            session.add(callback)
            session.flush()
            record_audit(session, self.clock, actor, "callback.created", RECORD_TYPE, callback.id,
                         f"due {due.isoformat()}, "
                         + (f"resident {resident.id}" if resident else "a caller who is not a known resident"))
            return self._views(session, [callback])[0]

    def _check_due(self, due_by: datetime) -> datetime:
        if not isinstance(due_by, datetime):
            raise ValidationError("Due by must be a date and time.", field="due_by")
        due = (due_by.replace(tzinfo=LONDON) if due_by.tzinfo is None else due_by).astimezone(LONDON)
        now = self.clock.now()
        if due <= now:
            raise ValidationError(
                f"Due by {local_text(due)} is not in the future (it is now {local_text(now)}); "
                "choose a later time.", field="due_by")
        if due - now > FURTHEST_AHEAD:
            raise ValidationError(
                f"Due by {local_text(due)} is more than {FURTHEST_AHEAD.days} days ahead; choose a time sooner.",
                field="due_by")
        return as_utc(due)

    # ---- working on a callback ------------------------------------------------------------

    def log_attempt(self, actor: Actor, callback_id: int, outcome: AttemptOutcome | str, note: str = "", *,
                    corrected_phone: str = "", expected_version: int | None = None) -> CallbackView:
        """Record one try at ringing back. Reached closes the callback; with Wrong number the
        right number may be given and is rung next time. Refuses a closed callback (saying who
        closed it), an unknown outcome, a corrected number with any other outcome or one that
        cannot be rung or is the same, a note too long, or a stale version."""
        require(actor, Permission.RUN_QUEUE)
        result = AttemptOutcome.parse(outcome, field="outcome", what="Outcome")
        text = clean_text(note, field="note", label="Note", max_length=1000, required=False)
        fixed = check_phone(corrected_phone, field="corrected_phone", label="Corrected number")
        if fixed and result != AttemptOutcome.WRONG_NUMBER:
            raise ValidationError("A corrected number goes with the outcome Wrong number.", field="corrected_phone")

        def attempt(session: Session, callback: Callback) -> str:
            now = self.clock.now()
            session.add(CallbackAttempt(callback_id=callback.id, attempted_at=now, staff_id=actor.staff_id,
                                        outcome=result.value, note=text))
            summary = result.value
            if fixed:
                if fixed == callback.phone:
                    raise ValidationError("That is the number that was wrong; type the right one, or leave it "
                                          "empty if you do not know it.", field="corrected_phone")
                callback.phone = fixed
                summary += ", number corrected"
            if result == AttemptOutcome.REACHED:
                callback.status, callback.completed_at = CallbackStatus.DONE.value, now
            return summary

        return self._change(actor, callback_id, expected_version, "callback.attempt", attempt)

    def cancel(self, actor: Actor, callback_id: int, reason: str, expected_version: int | None = None) -> CallbackView:
        """No callback is needed any more (the person came in, or asked not to be rung). Refuses
        without a reason, a closed callback, or a stale version."""
        require(actor, Permission.RUN_QUEUE)
        why = clean_text(reason, field="cancel_reason", label="Reason for cancelling", max_length=500)

        def cancel(session: Session, callback: Callback) -> str:
            callback.status, callback.completed_at = CallbackStatus.CANCELLED.value, self.clock.now()
            callback.cancel_reason = why
            return why

        return self._change(actor, callback_id, expected_version, CANCELLED, cancel)

    def assign(self, actor: Actor, callback_id: int, staff_id: int | None,
               expected_version: int | None = None) -> CallbackView:
        """Give an open callback to a colleague at its site (or to nobody in particular). Refuses
        someone inactive or from another site, a closed callback, or a stale version."""
        require(actor, Permission.RUN_QUEUE)

        def assign(session: Session, callback: Callback) -> str:
            if staff_id is not None:
                colleague_at(session, callback.site_id, staff_id, field="assigned_to")
            callback.assigned_to_id = staff_id
            return f"assigned to staff {staff_id}" if staff_id is not None else "assigned to nobody"

        return self._change(actor, callback_id, expected_version, "callback.assigned", assign)

    def _change(self, actor: Actor, callback_id: int, expected_version: int | None, action: str, apply) -> CallbackView:
        try:
            with self.db.unit_of_work() as session:
                callback = self._callback(session, actor, callback_id)
                if expected_version is not None and callback.version != expected_version:
                    raise ConflictError(f"{self._describe(session, callback)} Nothing was changed; look again at "
                                        "the callback before trying again.")
                if callback.status != CallbackStatus.OPEN.value:
                    raise ValidationError(self._describe(session, callback))
                summary = apply(session, callback)
                callback.updated_at, callback.updated_by = self.clock.now(), actor.username
                session.flush()
                record_audit(session, self.clock, actor, action, RECORD_TYPE, callback.id, summary)
                return self._views(session, [callback])[0]
        except StaleDataError:
            with self.db.unit_of_work() as session:
                callback = self._callback(session, actor, callback_id)
                raise ConflictError(f"{self._describe(session, callback)} Nothing was changed.") from None

    def _describe(self, session: Session, callback: Callback) -> str:
        view = self._views(session, [callback])[0]
        who = staff_name_for_username(session, callback.updated_by)
        if view.status == CallbackStatus.DONE:
            return (f"The callback to {view.name} was already made: {who} reached them at "
                    f"{local_text(view.completed_at)}.")
        if view.status == CallbackStatus.CANCELLED:
            return (f"The callback to {view.name} was cancelled by {who} at {local_text(view.completed_at)}"
                    + (f" ({view.cancel_reason})." if view.cancel_reason else "."))
        return f"The callback to {view.name} was changed by {who} at {local_text(callback.updated_at)}."

    @staticmethod
    def _callback(session: Session, actor: Actor, callback_id: int) -> Callback:
        callback = session.get(Callback, callback_id)
        if callback is None:
            raise NotFound("That callback no longer exists.")
        check_same_site(actor, callback.site_id, "That callback")
        return callback

    # ---- reading ----------------------------------------------------------------------------

    def get(self, actor: Actor, callback_id: int) -> CallbackView:
        """One callback as it is now."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            return self._views(session, [self._callback(session, actor, callback_id)])[0]

    def open_callbacks(self, actor: Actor, site_id: int | None = None) -> tuple[CallbackView, ...]:
        """The site's open callbacks, soonest due first; overdue ones are flagged."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            site = site_for(session, actor, site_id)
            rows = session.scalars(
                select(Callback)
                .where(Callback.site_id == site.id, Callback.status == CallbackStatus.OPEN.value)
                .order_by(Callback.due_by, Callback.id)
            ).all()
            return tuple(self._views(session, rows))

    def history(self, actor: Actor, callback_id: int) -> CallbackHistory:
        """A callback with every attempt at it, oldest first."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            callback = self._callback(session, actor, callback_id)
            attempts = self._attempts(session, [callback.id]).get(callback.id, [])
            names = staff_names(session, (a.staff_id for a in attempts))
            return CallbackHistory(
                self._views(session, [callback])[0],
                tuple(AttemptView(a.id, a.callback_id, as_utc(a.attempted_at), a.staff_id,
                                  names.get(a.staff_id, ""), AttemptOutcome(a.outcome), a.note) for a in attempts),
            )

    def colleagues(self, actor: Actor, site_id: int | None = None) -> tuple[Colleague, ...]:
        """Active staff at the site a callback can be assigned to, the actor included."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            return colleagues_at(session, site_for(session, actor, site_id).id, None)

    def made_on_time(self, actor: Actor, callback_id: int) -> bool | None:
        """Whether this callback was made on time (see the module's note); None while not yet due
        or when cancelled."""
        require(actor, Permission.RUN_QUEUE)
        with self.db.unit_of_work() as session:
            callback = self._callback(session, actor, callback_id)
            if callback.status == CallbackStatus.CANCELLED.value:
                return None
            return made_on_time(callback.due_by, self._reached_at(session, [callback.id]).get(callback.id),
                                self.clock.now())

    def timeliness(self, actor: Actor, first_day: date, last_day: date,
                   site_id: int | None = None) -> CallbackTimeliness:
        """How the site's callbacks due over these London days went, for the reporting KPIs.
        Refuses anyone who neither runs the queue nor views reports, or days in the wrong order."""
        if not actor.may(Permission.RUN_QUEUE):
            require(actor, Permission.VIEW_REPORTS)
        if last_day < first_day:
            raise ValidationError("The last day comes before the first day.", field="last_day")
        start = datetime.combine(first_day, time(0), LONDON)
        end = datetime.combine(last_day + timedelta(days=1), time(0), LONDON)
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            site = site_for(session, actor, site_id)
            rows = session.scalars(
                select(Callback).where(Callback.site_id == site.id, Callback.due_by >= start, Callback.due_by < end)
            ).all()
            reached = self._reached_at(session, [c.id for c in rows])
        counts = {"on_time": 0, "late": 0, "missed": 0, "not_yet": 0, "cancelled": 0}
        for callback in rows:
            if callback.status == CallbackStatus.CANCELLED.value:
                counts["cancelled"] += 1
                continue
            verdict = made_on_time(callback.due_by, reached.get(callback.id), now)
            key = ("not_yet" if verdict is None else "on_time" if verdict
                   else "late" if callback.id in reached else "missed")
            counts[key] += 1
        return CallbackTimeliness(site.id, first_day, last_day, counts["on_time"], counts["late"], counts["missed"],
                                  counts["not_yet"], counts["cancelled"])

    # ---- building records -------------------------------------------------------------------

    @staticmethod
    def _attempts(session: Session, ids: list[int]) -> dict[int, list[CallbackAttempt]]:
        grouped: dict[int, list[CallbackAttempt]] = defaultdict(list)
        if ids:
            for attempt in session.scalars(select(CallbackAttempt).where(CallbackAttempt.callback_id.in_(ids))
                                           .order_by(CallbackAttempt.attempted_at, CallbackAttempt.id)):
                grouped[attempt.callback_id].append(attempt)
        return grouped

    def _reached_at(self, session: Session, ids: list[int]) -> dict[int, datetime]:
        reached: dict[int, datetime] = {}
        for callback_id, attempts in self._attempts(session, ids).items():
            first = next((a for a in attempts if a.outcome == AttemptOutcome.REACHED.value), None)
            if first is not None:
                reached[callback_id] = as_utc(first.attempted_at)
        return reached

    def _views(self, session: Session, callbacks) -> list[CallbackView]:
        now = self.clock.now()
        attempts = self._attempts(session, [c.id for c in callbacks])
        residents = resident_names(session, (c.resident_id for c in callbacks))
        staff = staff_names(session, (c.assigned_to_id for c in callbacks))
        views = []
        for c in callbacks:
            tries = attempts.get(c.id, [])
            due = as_utc(c.due_by)
            views.append(CallbackView(
                id=c.id, site_id=c.site_id, resident_id=c.resident_id, caller_name=c.caller_name,
                name=residents.get(c.resident_id, "") if c.resident_id is not None else c.caller_name,
                phone=c.phone, phone_display=show_phone(c.phone), reason=c.reason, due_by=due,
                status=CallbackStatus(c.status), overdue=c.status == CallbackStatus.OPEN.value and now > due,
                assigned_to_id=c.assigned_to_id, assigned_to_name=staff.get(c.assigned_to_id, ""),
                completed_at=None if c.completed_at is None else as_utc(c.completed_at),
                created_at=as_utc(c.created_at), created_by=c.created_by, attempt_count=len(tries),
                last_attempt_at=as_utc(tries[-1].attempted_at) if tries else None,
                last_outcome=AttemptOutcome(tries[-1].outcome) if tries else None,
                cancel_reason=c.cancel_reason, version=c.version,
            ))
        return views
