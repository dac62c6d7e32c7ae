"""A resident's real last contact, for retention: not only the last contact logged at a desk
(`resident.last_contact_at`) but the latest time anything was done with or for them — a case
opened, worked on or closed, a queue visit, a callback asked for or tried, an assessment, a
referral's news — or their registration when there was nothing.

All of it is SQL: one grouped query over every resident, whatever their number (a borough has
hundreds of thousands), never a loop over residents in Python."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from ..casework.models import Case, CaseActivity
from ..casework.vocab import CLOSED
from ..core.clock import LONDON, as_utc
from ..desk.models import Callback, CallbackAttempt, Interaction, QueueTicket, Resident
from ..inclusion.models import SkillsAssessment
from ..inclusion.referral_models import Referral


def _latest(resident_column, time_column, *joins):
    query = select(resident_column.label("rid"), func.max(time_column).label("at"))
    for target, on in joins:
        query = query.join(target, on)
    return query.where(resident_column.is_not(None)).group_by(resident_column)


def last_contacts(cutoff: datetime):
    """A query (rid, at): each live resident whose real last contact is before `cutoff`, and
    when it was."""
    times = union_all(
        _latest(Resident.id, Resident.created_at),
        _latest(Resident.id, Resident.last_contact_at),
        _latest(Interaction.resident_id, Interaction.occurred_at),
        _latest(QueueTicket.resident_id, QueueTicket.arrived_at),
        _latest(Callback.resident_id, Callback.created_at),
        _latest(Callback.resident_id, CallbackAttempt.attempted_at,
                (CallbackAttempt, CallbackAttempt.callback_id == Callback.id)),
        _latest(Case.resident_id, Case.opened_at),
        _latest(Case.resident_id, Case.closed_at),
        _latest(Case.resident_id, CaseActivity.happened_at, (CaseActivity, CaseActivity.case_id == Case.id)),
        _latest(SkillsAssessment.resident_id, SkillsAssessment.started_at),
        _latest(SkillsAssessment.resident_id, SkillsAssessment.completed_at),
        _latest(Referral.resident_id, Referral.created_at),
        _latest(Referral.resident_id, Referral.last_update_at),
    ).subquery()
    latest = func.max(times.c.at)
    return (select(times.c.rid.label("rid"), latest.label("at"))
            .join(Resident, Resident.id == times.c.rid)
            .where(Resident.erased_at.is_(None), Resident.merged_into_id.is_(None))
            .group_by(times.c.rid).having(latest < cutoff))


def recent_closed_cases(session: Session, ids: list[int], kept_since: datetime, months: int) -> dict[int, str]:
    """For residents (of `ids`) with a case closed since `kept_since` (less than the closed-cases
    period ago), why their whole record must wait: the case is kept, and so is whose it is."""
    reasons: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        for rid, reference, closed in session.execute(
                select(Case.resident_id, Case.reference, Case.closed_at).where(
                    Case.resident_id.in_(ids[start:start + 500]), Case.status == CLOSED,
                    Case.closed_at >= kept_since).order_by(Case.closed_at.desc())):
            if rid not in reasons:
                closed_local = as_utc(closed).astimezone(LONDON)
                until = _add_months(closed_local, months)
                reasons[rid] = (f"case {reference} closed on {closed_local:%d/%m/%Y} is kept {months} months after "
                                f"closing (until {until:%d/%m/%Y}), and with it whose case it is")
    return reasons


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(total, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))
