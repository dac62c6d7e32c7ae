"""The one place a referral changes status, whoever tells us: staff at the desk, a partner's
API, a partner's spreadsheet, or a phone call. It checks the step against `ALLOWED`, asks for a
reason where one is needed, stamps the referral's timestamps and writes the history row and the
audit, inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import LONDON, Clock, as_utc
from ..core.errors import ValidationError
from ..core.security import Actor
from ..core.validation import clean_text
from .referral_models import Referral, ReferralEvent
from .referral_vocab import ALLOWED, ReferralStatus, UpdateSource


def _long_date(value: datetime) -> str:
    day = as_utc(value).astimezone(LONDON).date()
    return f"{day.day} {day:%B %Y}"

MAX_REASON = 500
MAX_NOTE = 2000


class TransitionRefused(ValidationError):
    """A step the closed loop does not allow from where the referral is."""


def allowed_next(status: ReferralStatus | str) -> tuple[ReferralStatus, ...]:
    """The statuses a referral may move to from `status`, in the order they are offered."""
    current = ReferralStatus(status)
    return tuple(s for s in ReferralStatus if s in ALLOWED[current])


def check_transition(current: ReferralStatus | str, target: ReferralStatus | str) -> None:
    current, target = ReferralStatus(current), ReferralStatus(target)
    if target in ALLOWED[current]:
        return
    if not ALLOWED[current]:
        raise TransitionRefused(f"This referral is {current.label.lower()}: it is closed and cannot change.",
                                field="status")
    offered = ", ".join(s.label.lower() for s in allowed_next(current))
    raise TransitionRefused(f"A referral that is {current.label.lower()} cannot become {target.label.lower()}; "
                            f"it can become: {offered}.", field="status")


def apply_transition(session: Session, clock: Clock, referral: Referral, target: ReferralStatus | str, *,
                     source: UpdateSource | str, actor: Actor | None, recorded_by: str = "",
                     happened_at: datetime | None = None, reason: str = "", note: str = "") -> ReferralEvent:
    """Move `referral` to `target` and write its history row and audit event; the caller commits.

    `actor` is the staff member recording it, or None for a partner's system or spreadsheet, when
    `recorded_by` names it ("partner: Good Things Foundation").

    Refuses (TransitionRefused) a step `ALLOWED` does not list, and (ValidationError) a decline,
    stop, withdrawal or re-route without a reason, or a `happened_at` in the future.

    A step cannot have happened before the referral's latest step (the history must read in
    order): on the same London day as that step it is recorded at the moment of that step (staff
    and spreadsheets give only a date); on an earlier day it is refused for staff and spreadsheets,
    while a partner's system's update is recorded at the moment of the latest step with a note of
    the date it gave (refusing it would lose the partner's news for good)."""
    target = ReferralStatus.parse(target, field="status", what="Status")
    source = UpdateSource.parse(source, field="source", what="Where the update came from")
    check_transition(referral.status, target)
    reason = clean_text(reason, field="reason", label="Reason", max_length=MAX_REASON, required=target.needs_reason)
    note = clean_text(note, field="note", label="Note", max_length=MAX_NOTE, required=False)
    recorded_at = clock.now()
    recorded_by = actor.display_name if actor is not None else recorded_by
    staff_id = actor.staff_id if actor is not None else None
    when = as_utc(happened_at) if happened_at is not None else recorded_at
    if when > recorded_at:
        raise ValidationError("The date it happened is in the future.", field="happened_at")
    latest = session.scalar(select(func.max(ReferralEvent.happened_at))
                            .where(ReferralEvent.referral_id == referral.id)) if referral.id is not None else None
    if latest is not None and when < as_utc(latest):
        latest = as_utc(latest)
        previous_step = ReferralStatus(referral.status).label.lower()
        if when.astimezone(LONDON).date() == latest.astimezone(LONDON).date():
            when = latest
        elif source == UpdateSource.PARTNER_API:
            said = (f"The partner's system gave {_long_date(when)} as the date, before the referral was "
                    f"{previous_step} on {_long_date(latest)}; recorded as then.")
            note = f"{note} {said}".strip()[:MAX_NOTE] if note else said
            when = latest
        else:
            raise ValidationError(f"The date it happened, {_long_date(when)}, is before the referral's latest step "
                                  f"({previous_step} on {_long_date(latest)}). Choose {_long_date(latest)} or "
                                  "a later day.", field="happened_at")
    event = ReferralEvent(referral_id=referral.id, from_status=referral.status, to_status=target.value,
                          reason=reason, note=note, source=source.value, happened_at=when,
                          recorded_at=recorded_at, recorded_by=recorded_by, staff_id=staff_id)
    session.add(event)
    previous = ReferralStatus(referral.status)
    referral.status = target.value
    referral.status_reason = reason
    referral.last_update_at = recorded_at
    referral.updated_at = recorded_at
    referral.updated_by = recorded_by
    if target == ReferralStatus.SENT:
        referral.sent_at = when
    elif target == ReferralStatus.ACCEPTED:
        referral.accepted_at = when
    elif target == ReferralStatus.DECLINED:
        referral.declined_at = when
    elif target == ReferralStatus.ATTENDED_FIRST_SESSION:
        referral.first_session_at = when
    if target.is_closed:
        referral.closed_at = when
    detail = f"{referral.reference}: {previous.value} -> {target.value} ({source.value})"
    if reason:
        detail += f"; reason: {reason}"
    record_audit(session, clock, actor, f"referral.{target.value}", "referral", referral.id, detail,
                 username=recorded_by)
    return event


def first_event(session: Session, clock: Clock, referral: Referral, actor: Actor, *,
                source: UpdateSource | str = UpdateSource.STAFF, note: str = "") -> ReferralEvent:
    """The history row for a referral just made (as a draft, or re-routed from another); the
    referral must be flushed so it has an id."""
    now = clock.now()
    event = ReferralEvent(referral_id=referral.id, from_status="", to_status=referral.status, reason="",
                          note=note, source=UpdateSource(source).value, happened_at=now, recorded_at=now,
                          recorded_by=actor.display_name, staff_id=actor.staff_id)
    session.add(event)
    return event
