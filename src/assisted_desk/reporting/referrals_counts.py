"""The referral report's cohort, and every count its tables show, from one statement.

The cohort (referrals made in the period, see referrals.py) is read once, as a CTE that both
databases materialise because it is used many times; each table's counts are a grouping of it,
side by side in one UNION ALL: by status (the funnel, the waiting list, re-routings), by service
(a partner's counts are its services' added up), by site, by team, by need list (a few hundred
lists, whose needs are named in Python), declines and stops by reason, the days to acceptance
and to first session as histograms (a tenth of a day), the repeat referrals, and the equality
breakdown when asked for. Every row is (part, key as text, up to seven counts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (Numeric, String, and_, case, cast, exists, func, literal_column, not_, or_, select,
                        true, union_all)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from ..core.models import Staff
from ..desk.models import ResidentEquality
from ..inclusion.framework import shipped_frameworks
from ..inclusion.partner_models import PartnerService
from ..inclusion.referral_models import Referral, ReferralEvent
from ..inclusion.referral_vocab import ReferralStatus, ServiceOffer
from .sql import days_between, equality_group, london_midnight

if TYPE_CHECKING:
    from .service import ReportContext

_S = ReferralStatus
STEPS = (("made", "Referrals made"), ("sent", "Sent to the partner"), ("accepted", "Accepted by the partner"),
         ("attended", "Attended a first session"), ("completed", "Completed"))
NONE_KEY = "none"  # the row of referrals with no site, staff member... recorded
WORDS_ONLY = "words_only"  # no need from the lists in use: described in words (or with retired codes)
REASON = "reason:"  # declines and stops: row key = REASON + the reason as recorded
OPEN = (_S.DRAFT, _S.SENT, _S.ACCEPTED, _S.DID_NOT_ATTEND, _S.ATTENDED_FIRST_SESSION)
TIMINGS = ("to_acceptance", "to_first_session")


def step(key: str) -> ColumnElement[bool]:
    return {"made": true(), "sent": Referral.sent_at.is_not(None), "accepted": Referral.accepted_at.is_not(None),
            "attended": Referral.first_session_at.is_not(None),
            "completed": Referral.status == _S.COMPLETED.value}[key]


def needs() -> list[tuple[str, str]]:
    return ([(area.code, area.title) for area in shipped_frameworks().current().areas]
            + [(offer.value, offer.label) for offer in ServiceOffer])


def need(code: str) -> ColumnElement[bool]:
    if code == WORDS_ONLY:  # the figure's rule (named_needs), in SQL
        return not_(or_(*[need(known) for known, _l in needs()]))
    return Referral.need_areas.contains(f'"{code}"', autoescape=True)


def named_needs(text: str | None, codes) -> set[str]:
    """The codes of `codes` a referral's need list names, found as `need` finds them in SQL (so a
    figure and its drill-down list agree); {WORDS_ONLY} when it names none of them."""
    return {code for code in codes if f'"{code}"' in (text or "")} or {WORDS_ONLY}


def cohort(context: ReportContext) -> list[ColumnElement[bool]]:
    """The referrals made in the period, less drafts withdrawn unsent; the partner filter needs
    PartnerService joined."""
    request = context.request
    made = [Referral.created_at >= london_midnight(request.since),
            Referral.created_at < london_midnight(request.until + timedelta(days=1)),
            not_(and_(Referral.sent_at.is_(None), Referral.status == _S.WITHDRAWN.value))]
    if request.site_ids:
        made.append(Referral.site_id.in_(request.site_ids))
    if request.partner_ids:
        made.append(PartnerService.organisation_id.in_(request.partner_ids))
    return made


@dataclass
class Counts:
    """Each table's counts; step counts are [made, sent, accepted, attended, completed]."""

    by_status: dict[str, list[int]] = field(default_factory=dict)  # the steps, then stale, then re-routings
    by_service: dict[int, list[int]] = field(default_factory=dict)
    by_site: dict[int | None, list[int]] = field(default_factory=dict)
    by_team: dict[str | None, list[int]] = field(default_factory=dict)
    by_needs: list[tuple[str, list[int]]] = field(default_factory=list)  # (need list as stored, steps)
    reasons: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # to status -> (reason, count)
    timing: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # histogram, a tenth of a day
    repeats: tuple[int, int, int, int] = (0, 0, 0, 0)  # residents, first referrals, repeats, residents twice
    equality: dict[str, list[int]] = field(default_factory=dict)

    @property
    def funnel(self) -> list[int]:
        return [sum(c[n] for c in self.by_status.values()) for n in range(len(STEPS))]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _days(moment) -> ColumnElement:
    return func.round(cast(days_between(moment, Referral.sent_at), Numeric), literal_column("1"))


def count(session: Session, context: ReportContext, stale_days: int) -> Counts:
    """Every count of the report, from one statement."""
    c = (select(Referral.id, Referral.resident_id, Referral.service_id, Referral.site_id, Staff.role,
                Referral.status, Referral.need_areas, Referral.created_at,
                _flag(Referral.rerouted_from_id.is_not(None)).label("rerouted"),
                _flag(Referral.last_update_at < context.now - timedelta(days=stale_days)).label("stale"),
                *[_flag(step(key)).label(key) for key, _l in STEPS[1:]],
                *[_days(moment).label(key) for key, moment in zip(TIMINGS, (Referral.accepted_at,
                                                                            Referral.first_session_at))])
         .select_from(Referral).outerjoin(Staff, Staff.id == Referral.staff_id))
    if context.request.partner_ids:
        c = c.join(PartnerService, PartnerService.id == Referral.service_id)
    c = c.where(*cohort(context)).cte("cohort")
    steps = [func.count(), *[func.sum(c.c[key]) for key, _l in STEPS[1:]]]
    zeros = [literal_column("0")] * 6

    def part(name: str, key, *counts):
        return (literal_column(f"'{name}'"), key, *counts, *zeros[:7 - len(counts)])

    first = c.c.rerouted == 0
    residents = (select(c.c.resident_id, func.sum(1 - c.c.rerouted).label("heads"),
                        func.min(case((first, c.c.created_at))).label("first_at"))
                 .group_by(c.c.resident_id).cte("residents"))
    earlier = aliased(Referral)
    # Every head after a resident's first in the period has an earlier referral; the first one
    # has when any referral of theirs (not a discarded draft) was made before it.
    before = exists().where(earlier.resident_id == residents.c.resident_id, earlier.created_at < residents.c.first_at,
                            not_(and_(earlier.sent_at.is_(None), earlier.status == _S.WITHDRAWN.value)))
    heads = residents.c.heads
    reason = func.trim(ReferralEvent.reason)
    parts = [
        select(*part("status", c.c.status, *steps, func.sum(c.c.stale), func.sum(c.c.rerouted))).group_by(c.c.status),
        select(*part("service", cast(c.c.service_id, String), *steps)).group_by(c.c.service_id),
        select(*part("site", cast(c.c.site_id, String), *steps)).group_by(c.c.site_id),
        select(*part("team", c.c.role, *steps)).group_by(c.c.role),
        select(*part("needs", c.c.need_areas, *steps)).group_by(c.c.need_areas),
        select(ReferralEvent.to_status, reason, func.count(), *zeros)
        .select_from(c).join(ReferralEvent, and_(ReferralEvent.referral_id == c.c.id,
                                                 ReferralEvent.to_status.in_([_S.DECLINED.value, _S.STOPPED.value])))
        .group_by(ReferralEvent.to_status, reason),
        *[select(*part(key, cast(c.c[key], String), func.count())).where(c.c[key].is_not(None)).group_by(c.c[key])
          for key in TIMINGS],
        select(*part("repeats", literal_column("NULL"), func.count(), func.sum(heads),
                     func.sum(case((heads > 0, heads - 1), else_=0)) + func.sum(_flag(and_(heads > 0, before))),
                     func.sum(_flag(heads >= 2)))),
    ]
    if context.request.breakdown is not None:
        group = equality_group(context.request.breakdown)
        parts.append(select(*part("equality", group, *steps)).select_from(c)
                     .outerjoin(ResidentEquality, ResidentEquality.resident_id == c.c.resident_id).group_by(group))
    found = Counts()
    for name, key, *numbers in session.execute(union_all(*parts)).all():
        counts = [int(n or 0) for n in numbers]
        if name == "status":
            found.by_status[key] = counts
        elif name == "service":
            found.by_service[int(key)] = counts[:len(STEPS)]
        elif name == "site":
            found.by_site[None if key is None else int(key)] = counts[:len(STEPS)]
        elif name == "team":
            found.by_team[key] = counts[:len(STEPS)]
        elif name == "needs":
            found.by_needs.append((key, counts[:len(STEPS)]))
        elif name in TIMINGS:
            if key is not None:
                found.timing.setdefault(name, []).append((max(0.0, float(key)), counts[0]))
        elif name == "repeats":
            found.repeats = (counts[0], counts[1], counts[2], counts[3])
        elif name == "equality":
            found.equality[key] = counts[:len(STEPS)]
        else:  # declines and stops
            found.reasons.setdefault(name, []).append((key or "", counts[0]))
    return found
